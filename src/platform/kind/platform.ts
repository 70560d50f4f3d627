// The kind platform: Milvus on Kubernetes (a kind cluster built here, or a context the user names),
// deployed from milvus-drill's own manifests through @kubernetes/client-node, reached through a
// port-forward, with faults as Chaos Mesh objects. Everything a run creates carries its run label
// and is deleted at teardown; a journal entry lets `heal` delete it after a crash.
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MilvusClient } from '@zilliz/milvus2-sdk-node';
import type { V1Pod } from '@kubernetes/client-node';
import type { ActiveFault, ComponentInfo, Platform, RunContext, Stack } from '../../core/platform.ts';
import type { ActionSpec, FaultSpec, ImageComponent, StackSpec, ValidationError } from '../../core/types.ts';
import { Journal } from '../../supervise/journal.ts';
import { drillHome, stateDir } from '../../supervise/home.ts';
import { DisposalStack } from '../../util/disposal.ts';
import { waitFor } from '../../util/poll.ts';
import { applyAndHold } from '../local/faults.ts';
import { defaultImage } from '../containers/images.ts';
import { MILVUS_METRICS_PORT, MILVUS_PORTS } from '../containers/images.ts';
import { CHAOS_API_VERSION, CHAOS_RESOURCES, compileFault, RUN_ID_LABEL, type ChaosKind, type ChaosObject } from './chaos.ts';
import { optInErrors } from './commands.ts';
import type { KindDeployment } from './deployment.ts';
import { isPodReady, Kube, PodPortForward, type KubeTarget } from './kube.ts';
import { placeRole } from './deployment.ts';
import { MILVUS_CLUSTER_ROLES, milvusLabels, namespaceObject, stackStages, type KubeObject, type StackStage } from './manifests.ts';
import { clusterNodes, ensureProjectCluster, loadImages } from './project-cluster.ts';
import { instanceIndex, kindCheck } from './check.ts';
import { ensureChaosMesh } from './chaos-mesh-setup.ts';
import { installedKind } from './installed.ts';
import { SETUP_KIND_COMMAND } from './build.ts';

export interface KindPlatformOptions {
  /** A context of the user's kubeconfig, named explicitly; absent: the project's own kind cluster. */
  kubeContext?: string;
  namespace: string;
  allowNonKindContext: boolean;
  /** Leave a cluster the run created (the project's own) running after the run. */
  keepCluster: boolean;
}

export const DEFAULT_NAMESPACE = 'milvus-drill';
const DEPLOYMENT: KindDeployment = { method: 'manifests', name: 'drill' };
/** Kinds a stack is made of, deleted by run label at teardown (workloads before services). */
const STACK_KINDS = [
  { apiVersion: 'apps/v1', kind: 'Deployment' },
  { apiVersion: 'apps/v1', kind: 'StatefulSet' },
  { apiVersion: 'v1', kind: 'Service' },
];
const CHAOS_KINDS = (Object.keys(CHAOS_RESOURCES) as ChaosKind[]).map((kind) => ({ apiVersion: CHAOS_API_VERSION, kind }));
const READY_TIMEOUT_MS = 300_000;

export class KindPlatform implements Platform {
  readonly name = 'kind';
  readonly actions = ['destroy', 'up'] as const;

  constructor(readonly options: KindPlatformOptions) {}

  check(stack: StackSpec, faults: readonly FaultSpec[]): ValidationError[] {
    return kindCheck(stack, faults, { namespace: this.options.namespace, deployment: DEPLOYMENT, home: drillHome(), external: Boolean(this.options.kubeContext) });
  }

  async up(spec: StackSpec, ctx: RunContext): Promise<Stack> {
    if (ctx.milvusConfig && Object.keys(ctx.milvusConfig).length > 0) throw new Error("an 'up' step's config is applied by the local platform only; remove it on kind");
    const journal = new Journal(stateDir(), ctx.runId);
    const resources = new DisposalStack();
    resources.defer(() => journal.close());
    try {
      const image = (c: ImageComponent): string => spec.images?.[c] ?? defaultImage(c, spec.milvusVersion);
      const { target, cluster } = await this.cluster(ctx, journal, resources);
      const kube = new Kube(target);
      const namespace = this.options.namespace;
      if (cluster) {
        const local = ['etcd', 'minio', 'milvus', ...(spec.topology === 'cluster' ? ['kafka'] : [])].map((c) => image(c as ImageComponent)).filter((ref) => ref.startsWith('localhost/'));
        ctx.log(`importing ${local.length} image(s) built here into kind cluster ${cluster.name}`);
        await loadImages(cluster, local, ctx.log);
      }
      const found = installedKind(drillHome());
      const chaosMesh = await ensureChaosMesh(kube, { cluster, build: 'build' in found ? found.build : null, log: ctx.log, signal: ctx.signal });
      if (chaosMesh === 'absent') ctx.log(`Chaos Mesh is not installed in ${target.context} and not built here: faults will fail (install Chaos Mesh 2.8, or run '${SETUP_KIND_COMMAND}')`);
      const ownsNamespace = await this.namespace(kube, ctx, journal, resources);
      // Disposed in reverse: logs and events are read before the run's objects are deleted.
      resources.defer(() => deleteRun(kube, namespace, ctx.runId, ownsNamespace, ctx.log));
      resources.defer(() => collectDiagnostics(kube, namespace, ctx));
      const options = { deployment: DEPLOYMENT, namespace, runId: ctx.runId, image };
      ctx.log(`deploying Milvus ${spec.milvusVersion} ${spec.topology} into ${target.context}/${namespace}`);
      await deployStages(kube, stackStages(spec, options), namespace, ctx);
      const front = milvusLabels(options, spec.topology === 'cluster' ? 'proxy' : 'standalone');
      const selector = labelSelector(front);
      const grpc = resources.use(await PodPortForward.open(kube, namespace, selector, MILVUS_PORTS['proxy.port']));
      const http = resources.use(await PodPortForward.open(kube, namespace, selector, MILVUS_METRICS_PORT));
      const address = `127.0.0.1:${grpc.localPort}`;
      await waitMilvusServes(address, ctx.signal);
      ctx.log(`Milvus reachable at ${address} (port-forward to ${selector})`);
      return new KindStack(spec, address, `http://127.0.0.1:${http.localPort}`, kube, namespace, ctx, resources.move());
    } catch (err) {
      await resources.disposeAsync().catch((e: unknown) => ctx.log(`teardown after a failed bring-up: ${(e as Error).message}`));
      throw err;
    }
  }

  /** The user's named context (checked against the opt-in rules), or the project's own cluster. */
  private async cluster(ctx: RunContext, journal: Journal, resources: DisposalStack): Promise<{ target: KubeTarget; cluster: { name: string } | null }> {
    if (this.options.kubeContext) {
      const current = new Kube({ kubeconfig: null, context: this.options.kubeContext }).config.getCurrentContext();
      const errors = optInErrors({ context: this.options.kubeContext, namespace: this.options.namespace, allowNonKindContext: this.options.allowNonKindContext }, current);
      if (errors.length > 0) throw new Error(`refusing to touch that cluster:\n  ${errors.map((e) => `${e.path}: ${e.message} (fix: ${e.fix})`).join('\n  ')}`);
      // A kind cluster of the user's (kind-<name>, e.g. the one a CI runner made): images built here are imported into its nodes.
      const kindName = this.options.kubeContext.startsWith('kind-') ? this.options.kubeContext.slice('kind-'.length) : null;
      return { target: { kubeconfig: null, context: this.options.kubeContext }, cluster: kindName && clusterNodes(kindName) ? { name: kindName } : null };
    }
    const cluster = await ensureProjectCluster({ home: drillHome(), log: ctx.log, signal: ctx.signal });
    if (cluster.created && !this.options.keepCluster) {
      const id = randomUUID();
      journal.add({ id, kind: 'fault', name: `kind cluster ${cluster.name}`, undo: [cluster.deleteArgv] });
      resources.defer(async () => {
        ctx.log(`deleting kind cluster ${cluster.name} (created by this run; --keep-cluster keeps it)`);
        await cluster.delete(ctx.log);
        journal.remove(id);
      });
    }
    return { target: { kubeconfig: cluster.kubeconfig, context: cluster.context }, cluster };
  }

  /** Creates the namespace when it does not exist (and then deletes it with the run). */
  private async namespace(kube: Kube, ctx: RunContext, journal: Journal, resources: DisposalStack): Promise<boolean> {
    const namespace = this.options.namespace;
    const existing = await kube.read({ apiVersion: 'v1', kind: 'Namespace', name: namespace });
    const entry = { id: randomUUID(), kind: 'kube' as const, name: `namespace ${namespace} objects of run ${ctx.runId}`, kube: { ...kube.target, namespace, runId: ctx.runId, ownsNamespace: !existing } };
    journal.add(entry);
    resources.defer(() => journal.remove(entry.id));
    if (existing) return false;
    await kube.apply(namespaceObject({ namespace, runId: ctx.runId }));
    return true;
  }
}

export function labelSelector(labels: Record<string, string>): string {
  return Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',');
}

/** Applies each stage, then waits for its pods to be Ready before the next. */
async function deployStages(kube: Kube, stages: readonly StackStage[], namespace: string, ctx: RunContext): Promise<void> {
  const started = Date.now();
  for (const stage of stages) {
    for (const obj of stage.objects) await kube.apply(obj);
    for (const p of stage.pods) await kube.waitPodsReady(namespace, labelSelector(p.labels), p.count, READY_TIMEOUT_MS, ctx.signal);
    ctx.log(`${stage.what} ready (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  }
}

async function waitMilvusServes(address: string, signal: AbortSignal): Promise<void> {
  const client = new MilvusClient({ address, timeout: 5_000 });
  try {
    await waitFor(async () => (await client.checkHealth()).isHealthy, { what: `Milvus at ${address} to report itself healthy`, timeoutMs: 120_000, intervalMs: 1_000, signal });
  } finally {
    await client.closeConnection();
  }
}

/** Pods' logs (and the previous container's, after a kill) and the namespace's events, into the run's work dir. */
async function collectDiagnostics(kube: Kube, namespace: string, ctx: RunContext): Promise<void> {
  const dir = join(ctx.workDir, 'kube');
  mkdirSync(dir, { recursive: true });
  try {
    writeFileSync(join(dir, 'events.log'), (await kube.events(namespace)).join('\n') + '\n');
    for (const pod of await kube.pods(namespace, `${RUN_ID_LABEL}=${ctx.runId}`)) {
      const name = pod.metadata!.name!;
      for (const c of pod.spec?.containers ?? []) {
        writeFileSync(join(dir, `${name}.log`), await kube.podLog(namespace, name, c.name));
        const restarted = (pod.status?.containerStatuses ?? []).some((s) => s.name === c.name && s.restartCount > 0);
        if (restarted) writeFileSync(join(dir, `${name}.previous.log`), await kube.podLog(namespace, name, c.name, true));
      }
    }
  } catch (err) {
    ctx.log(`could not collect pod logs and events: ${(err as Error).message}`);
  }
}

/** Deletes a run's chaos objects first (faults heal), then its stack, then its namespace if it made it. */
export async function deleteRun(kube: Kube, namespace: string, runId: string, ownsNamespace: boolean, log: (m: string) => void): Promise<void> {
  const selector = `${RUN_ID_LABEL}=${runId}`;
  const chaos = await kube.deleteByLabel(CHAOS_KINDS, namespace, selector);
  if (chaos > 0) {
    await kube.waitGone(CHAOS_KINDS, namespace, selector, 120_000);
    log(`deleted ${chaos} chaos object(s) of run ${runId}`);
  }
  const objects = await kube.deleteByLabel(STACK_KINDS, namespace, selector);
  await kube.waitGone([{ apiVersion: 'v1', kind: 'Pod' }], namespace, selector, 120_000);
  if (ownsNamespace) {
    const header = { apiVersion: 'v1', kind: 'Namespace', name: namespace };
    await kube.delete(header);
    await waitFor(async () => (await kube.read(header)) === null, { what: `namespace ${namespace} to be gone`, timeoutMs: 120_000, intervalMs: 500 });
  }
  log(`deleted ${objects} object(s) of run ${runId}${ownsNamespace ? ` and namespace ${namespace}` : ''}`);
}

class KindStack implements Stack {
  readonly milvusVersion: string;
  readonly metricsUrl: string;
  private faultCount = 0;

  constructor(
    private readonly spec: StackSpec,
    readonly milvusAddress: string,
    readonly httpUrl: string,
    private readonly kube: Kube,
    private readonly namespace: string,
    private readonly ctx: RunContext,
    private readonly resources: DisposalStack,
  ) {
    this.milvusVersion = spec.milvusVersion;
    this.metricsUrl = `${httpUrl}/metrics`;
  }

  components(): ComponentInfo[] {
    const roles = this.spec.topology === 'cluster' ? MILVUS_CLUSTER_ROLES.map((r) => r.component) : ['standalone'];
    return [...roles, 'etcd', ...(this.spec.objectStore === 'minio' ? ['minio'] : [])].map((role) => ({ name: role, role, pid: null, logFile: join(this.ctx.workDir, 'kube') }));
  }

  async inject(fault: FaultSpec, signal: AbortSignal): Promise<ActiveFault> {
    const index = this.faultCount++;
    const instancePod = fault.target.instance ? await this.instancePod(fault) : undefined;
    const compiled = compileFault(fault, index, { deployment: DEPLOYMENT, namespace: this.namespace, runId: this.ctx.runId, stack: this.spec, ...(instancePod ? { instancePod } : {}) });
    if (!compiled.ok) throw new Error(`fault '${fault.name}' cannot run on kind: ${compiled.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`);
    const targets: string[] = [];
    return applyAndHold(fault, compiled.objects.map((o) => ({ name: o.metadata.name })), async (undo) => {
      for (const obj of compiled.objects) {
        undo.defer(() => this.heal(obj));
        await this.kube.apply(obj as unknown as KubeObject);
        targets.push(...(await this.waitInjected(obj, signal)));
      }
      this.ctx.log(`${fault.kind} '${fault.name}' injected by Chaos Mesh into ${targets.join(', ') || '(no pod reported)'}`);
    }, signal);
  }

  /** The pod a target.instance names: the n-th Ready pod of the role, by creation time (then name). */
  private async instancePod(fault: FaultSpec): Promise<string> {
    const placement = placeRole(DEPLOYMENT, fault.target.role, this.spec);
    const index = instanceIndex(fault.target.instance!, fault.target.role);
    if (!placement.ok || index === null) throw new Error(`fault '${fault.name}': target.instance '${fault.target.instance}' does not name a pod on kind`);
    const pods = (await this.kube.pods(this.namespace, labelSelector(placement.labels))).filter(isPodReady);
    const created = (p: V1Pod): number => new Date(p.metadata?.creationTimestamp ?? 0).getTime();
    pods.sort((a, b) => created(a) - created(b) || a.metadata!.name!.localeCompare(b.metadata!.name!));
    const pod = pods[index]?.metadata?.name;
    if (!pod) throw new Error(`fault '${fault.name}': ${fault.target.instance} is not running (${pods.length} Ready ${fault.target.role} pod(s))`);
    return pod;
  }

  /** Waits for Chaos Mesh's AllInjected condition; returns the pods it reports. */
  private async waitInjected(obj: ChaosObject, signal: AbortSignal): Promise<string[]> {
    const header = { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name, namespace: obj.metadata.namespace };
    const status = await waitFor(
      async () => {
        const current = (await this.kube.read(header)) as { status?: ChaosStatus } | null;
        const injected = current?.status?.conditions?.some((c) => c.type === 'AllInjected' && c.status === 'True');
        return injected ? current!.status! : false;
      },
      { what: `Chaos Mesh to report ${obj.kind} ${obj.metadata.name} AllInjected`, timeoutMs: 60_000, intervalMs: 250, signal },
    );
    return (status.experiment?.containerRecords ?? []).map((r) => r.id ?? '').filter(Boolean);
  }

  private async heal(obj: ChaosObject): Promise<void> {
    const header = { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name, namespace: obj.metadata.namespace };
    await this.kube.delete(header);
    await waitFor(async () => (await this.kube.read(header)) === null, { what: `${obj.kind} ${obj.metadata.name} to be deleted (Chaos Mesh recovers first)`, timeoutMs: 120_000, intervalMs: 250 });
  }

  perform(action: ActionSpec): Promise<void> {
    return Promise.reject(new Error(`the kind platform does not perform '${action.action}' yet`));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.resources.disposeAsync();
  }
}

interface ChaosStatus {
  conditions?: { type: string; status: string }[];
  experiment?: { containerRecords?: { id?: string }[] };
}

