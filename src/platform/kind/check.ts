// What a valid scenario cannot do on the kind platform here, every reason at once, each with a fix.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FaultSpec, StackSpec, ValidationError } from '../../core/types.ts';
import { compileFault } from './chaos.ts';
import { namespaceErrors } from './commands.ts';
import { configEnvErrors } from '../config-env.ts';
import { platformMilvusEnvNames } from './manifests.ts';
import type { KindDeployment } from './deployment.ts';
import { installedKind } from './installed.ts';
import { SETUP_KIND_COMMAND } from './build.ts';

export interface KindCheckContext {
  namespace: string;
  deployment: KindDeployment;
  home: string;
  /** A user's own context: nothing of the project's kind build is needed. */
  external: boolean;
}

/** Chaos Mesh injects these with the netem qdisc (tc), which not every kernel has. */
const NETEM_FAULTS = new Set(['network-delay', 'network-loss', 'network-duplicate', 'network-corrupt', 'network-bandwidth']);
/** Faults chaos-daemon injects (inside the pod's namespaces); PodChaos needs only the controller. */
const DAEMON_FAULTS = /^(network-|stress-|disk-)/;

/** 'querynode-2' -> 1 (the second pod of the role, by creation time); null when it is not of that form. */
export function instanceIndex(instance: string, role: string): number | null {
  const m = new RegExp(`^${role}-(\\d+)$`).exec(instance);
  return m && Number(m[1]) >= 1 ? Number(m[1]) - 1 : null;
}

let netem: boolean | undefined;
/** Whether this kernel can attach a netem qdisc (probed once, in a throwaway network namespace). */
export function hostHasNetem(): boolean {
  netem ??= spawnSync('unshare', ['-n', 'sh', '-c', 'ip link add d0 type dummy && tc qdisc add dev d0 root netem delay 1ms'], { stdio: 'ignore', timeout: 10_000 }).status === 0;
  return netem;
}

export function kindCheck(stack: StackSpec, faults: readonly FaultSpec[], ctx: KindCheckContext, probes = { netem: hostHasNetem }): ValidationError[] {
  const errors: ValidationError[] = [];
  const fail = (path: string, message: string, fix: string): number => errors.push({ path, message, fix });
  errors.push(...namespaceErrors(ctx.namespace));
  const build = ctx.external ? null : installedKind(ctx.home);
  if (build && 'missing' in build) fail('(platform)', `the kind platform's parts are not built here: ${build.missing}`, `run '${SETUP_KIND_COMMAND}' (cold: about an hour on 2 cores; cached: seconds), or pass --kube-context for a cluster of your own`);
  const cluster = stack.topology === 'cluster';
  errors.push(...configEnvErrors(stack.config, platformMilvusEnvNames(stack), 'kind'));
  if (cluster && stack.messageQueue !== 'kafka') fail('stack.messageQueue', `'${stack.messageQueue}' is not deployed by the kind platform's manifests`, "use 'kafka'");
  if (!cluster && stack.messageQueue !== 'rocksmq') fail('stack.messageQueue', `'${stack.messageQueue}' is not deployed by the kind platform's standalone manifests`, "use 'rocksmq', or set stack.topology to 'cluster' for Kafka");
  if (cluster && stack.objectStore !== 'minio') fail('stack.objectStore', 'a cluster needs shared object storage', "use 'minio'");
  if (stack.coordinators !== undefined && stack.coordinators !== 'mixture') fail('stack.coordinators', `'${stack.coordinators}' coordinators run on the local platform only, for now`, 'use --platform local, or remove stack.coordinators (one mixture process)');
  if (!stack.images?.milvus && !existsSync(join(ctx.home, 'milvus', stack.milvusVersion, 'bin', 'milvus'))) {
    fail('stack.images.milvus', `no Milvus ${stack.milvusVersion} image can be built here (only versions installed by setup have a server binary)`, `name an image the cluster can pull, e.g. --image milvus=milvusdb/milvus:v${stack.milvusVersion}, or use stack.milvusVersion '2.3.5'`);
  }
  const chaosMesh = build && !('missing' in build) ? build.build.chaosMesh : undefined;
  faults.forEach((fault, i) => {
    const at = `faults[${i}]`;
    if (fault.target.member === 'leader') return fail(`${at}.target.member`, "targeting the etcd leader is not built on kind yet", "target etcd with mode 'one' instead");
    const instance = fault.target.instance;
    if (instance && instanceIndex(instance, fault.target.role) === null) {
      return fail(`${at}.target.instance`, `'${instance}' does not name a ${fault.target.role} pod on kind`, `name it '${fault.target.role}-<n>' (the n-th ${fault.target.role} pod, by creation time)`);
    }
    const compiled = compileFault(fault, i, { deployment: ctx.deployment, namespace: ctx.namespace, runId: 'check', stack, ...(instance ? { instancePod: 'looked-up-at-injection' } : {}) });
    if (!compiled.ok) return errors.push(...compiled.errors);
    if (NETEM_FAULTS.has(fault.kind) && !probes.netem()) {
      return fail(`${at}.kind`, `Chaos Mesh injects '${fault.kind}' with the netem qdisc, and this host's kernel has none (tc qdisc add ... netem fails)`, "use 'network-partition', or run on a host whose kernel has sch_netem");
    }
    if (!ctx.external && fault.kind.startsWith('disk-')) {
      return fail(`${at}.kind`, `'${fault.kind}' is an IOChaos, which needs Chaos Mesh's toda in the target pod, and the Chaos Mesh built here has no toda`, "run it on the local or containers platform (disk-fill), or pass --kube-context for a cluster whose Chaos Mesh comes from upstream's chart");
    }
    if (!ctx.external && DAEMON_FAULTS.test(fault.kind) && build && !('missing' in build) && !chaosMesh?.daemonImage) {
      fail(`${at}.kind`, `'${fault.kind}' is injected by chaos-daemon, which is not built here`, `run '${SETUP_KIND_COMMAND}'`);
    }
    return undefined;
  });
  return errors;
}
