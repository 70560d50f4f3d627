import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { FaultSpec, StackSpec, ValidationError } from '../../core/types.ts';
import { localCapabilities, networkErrors } from '../local/capabilities.ts';
import { drillHome } from '../../supervise/home.ts';
import { join } from 'node:path';
import { configEnvErrors } from '../config-env.ts';
import { platformMilvusEnvNames } from './components.ts';

/** What this machine's container engine lets the platform do; probed once, cheaply. */
export interface ContainersCapabilities {
  /** Some engine can be reached or started: DOCKER_HOST, Docker's socket, Podman's socket, or podman installed. */
  engine: boolean;
  /** Containers' network namespaces can be entered here (root, iproute2, iptables, and an engine on this host). */
  netns: boolean;
  netemQueue: boolean;
  /** Size-bounded loop-mounted data volumes bind-mounted into the containers (root, loop devices, an engine on this host), for disk-fill. */
  volumes: boolean;
  /** Milvus versions with a server binary installed here, from which `images build` makes an image. */
  localMilvusVersions: (version: string) => boolean;
}

let probed: ContainersCapabilities | undefined;

export function containersCapabilities(): ContainersCapabilities {
  if (probed) return probed;
  const host = process.env.DOCKER_HOST;
  const podman = spawnSync('podman', ['--version'], { stdio: 'ignore', timeout: 10_000 }).status === 0;
  const engine = Boolean(host) || existsSync('/var/run/docker.sock') || existsSync('/run/podman/podman.sock') || podman;
  const remote = Boolean(host && !host.startsWith('unix://'));
  const local = localCapabilities();
  probed = {
    engine,
    netns: engine && !remote && local.netns,
    netemQueue: local.netemQueue,
    volumes: engine && !remote && local.volumes,
    localMilvusVersions: (version) => existsSync(join(drillHome(), 'milvus', version, 'bin', 'milvus')),
  };
  return probed;
}

const KILLS = new Set(['pod-kill', 'pod-failure', 'container-kill']);
const ROLES_WITH_DATA = new Set(['etcd', 'minio', 'mq', 'querynode', 'datanode', 'indexnode']);

/** Every reason a valid scenario cannot run on containers here, each with a fix. */
export function containersCheck(stack: StackSpec, faults: readonly FaultSpec[], caps: ContainersCapabilities): ValidationError[] {
  const errors: ValidationError[] = [];
  const fail = (path: string, message: string, fix: string): number => errors.push({ path, message, fix });
  if (!caps.engine) {
    fail('(platform)', 'no container engine: DOCKER_HOST is unset, no Docker or Podman socket, and podman is not installed', "run 'npm run setup' (installs Debian's podman and runc), or start Docker");
  }
  errors.push(...configEnvErrors(stack.config, platformMilvusEnvNames(stack), 'containers'));
  const cluster = stack.topology === 'cluster';
  if (cluster && stack.messageQueue !== 'kafka') fail('stack.messageQueue', `'${stack.messageQueue}' is not available for a container cluster`, "use 'kafka'");
  if (!cluster && stack.messageQueue !== 'rocksmq') fail('stack.messageQueue', `'${stack.messageQueue}' is not supported by the standalone container stack`, "use 'rocksmq', or set stack.topology to 'cluster' for Kafka");
  if (cluster && stack.objectStore !== 'minio') fail('stack.objectStore', 'a cluster needs shared object storage', "use 'minio'");
  if (stack.coordinators !== undefined && stack.coordinators !== 'mixture') fail('stack.coordinators', `'${stack.coordinators}' coordinators run on the local platform only, for now`, "use --platform local, or remove stack.coordinators (one mixture process)");
  if (!stack.images?.milvus && !caps.localMilvusVersions(stack.milvusVersion)) {
    fail(
      'stack.images.milvus',
      `no Milvus ${stack.milvusVersion} image can be built here (only versions installed by setup have a server binary)`,
      `name an official image, e.g. --image milvus=milvusdb/milvus:v${stack.milvusVersion} (needs a reachable registry), or use stack.milvusVersion '2.3.5'`,
    );
  }
  faults.forEach((fault, i) => {
    const at = `faults[${i}]`;
    if (KILLS.has(fault.kind)) {
      if (fault.kind === 'container-kill' && fault.params.container !== null) fail(`${at}.params.container`, 'each component is one container with one process', 'remove params.container');
      return;
    }
    if (fault.kind === 'pause') return;
    if (fault.kind.startsWith('network-')) {
      if (!cluster) return fail(`${at}.kind`, `'${fault.kind}' is supported on the container cluster topology only`, "set stack.topology to 'cluster' (with stack.messageQueue 'kafka')");
      if (!caps.netns) {
        return fail(`${at}.kind`, `'${fault.kind}' needs to enter the containers' network namespaces: root, iproute2, iptables and an engine on this host`, 'run as root on the engine\'s Linux host (scripts/setup.sh installs the tools), or remove this fault');
      }
      errors.push(...networkErrors(fault, at, { netns: true, netemQueue: caps.netemQueue, stressNg: false, volumes: false }));
      return;
    }
    if (fault.kind === 'disk-fill') {
      if (!cluster) return fail(`${at}.kind`, "'disk-fill' needs size-bounded per-component volumes, which only the container cluster topology has", "set stack.topology to 'cluster'");
      if (!caps.volumes) return fail(`${at}.kind`, "'disk-fill' is unavailable: size-bounded volumes are loop-mounted file systems, which need root, /dev/loop-control, mkfs.ext4 and an engine on this host", 'run as root on the engine\'s Linux host, or remove this fault');
      if (!ROLES_WITH_DATA.has(fault.target.role)) return fail(`${at}.target.role`, `role '${fault.target.role}' keeps no data on disk`, `target one of: ${[...ROLES_WITH_DATA].join(', ')}`);
      if (fault.params.path !== null) return fail(`${at}.params.path`, "the containers platform fills the role's own data volume only", 'remove params.path');
      return;
    }
    fail(`${at}.kind`, `'${fault.kind}' is not implemented on the containers platform yet`, "use --platform local for it, or one of: pod-kill, pod-failure, container-kill, pause, network-* and disk-fill (cluster)");
  });
  return errors;
}
