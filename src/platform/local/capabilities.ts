import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import { join } from 'node:path';
import type { FaultKind, FaultParams, FaultSpec, StackSpec } from '../../core/types.ts';
import type { ValidationError } from '../../scenario/validate.ts';
import { drillHome } from '../../supervise/home.ts';

/** What this machine lets the local platform do; probed once, cheaply, before anything starts. */
export interface LocalCapabilities {
  /** Network namespaces, veth, bridge and iptables inside a namespace. */
  netns: boolean;
  /** netem-queue, for network-delay and network-corrupt. */
  netemQueue: boolean;
  stressNg: boolean;
  /** Loop-mounted ext4 data volumes, for disk-fill. */
  volumes: boolean;
}

let probed: LocalCapabilities | undefined;

export function localCapabilities(): LocalCapabilities {
  probed ??= {
    netns: canCreateNamespace(),
    netemQueue: existsSync(netemQueueBinary()),
    stressNg: succeeds('stress-ng', ['--version']),
    volumes: process.getuid?.() === 0 && existsSync('/dev/loop-control') && succeeds('mkfs.ext4', ['-V']) && succeeds('fallocate', ['--version']),
  };
  return probed;
}

export function netemQueueBinary(): string {
  return join(drillHome(), 'bin', 'netem-queue');
}

function succeeds(command: string, args: string[]): boolean {
  return spawnSync(command, args, { stdio: 'ignore', timeout: 5_000 }).status === 0;
}

/**
 * Whether namespaces, veth and iptables would work, judged without creating anything (so `plan`
 * and `validate` have no side effects): root with CAP_SYS_ADMIN and CAP_NET_ADMIN, and the tools.
 */
function canCreateNamespace(): boolean {
  if (process.getuid?.() !== 0) return false;
  const capEff = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSafe('/proc/self/status'))?.[1];
  if (!capEff) return false;
  const caps = BigInt(`0x${capEff}`);
  const has = (bit: number): boolean => (caps & (1n << BigInt(bit))) !== 0n;
  const CAP_NET_ADMIN = 12;
  const CAP_SYS_ADMIN = 21;
  return has(CAP_NET_ADMIN) && has(CAP_SYS_ADMIN) && existsSync('/proc/self/ns/net') && succeeds('ip', ['-V']) && succeeds('iptables', ['-V']);
}

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** Roles whose data sits on a volume disk-fill can exhaust. */
const ROLES_WITH_DATA = new Set(['etcd', 'minio', 'mq', 'pulsar-bookie', 'pulsar-zookeeper', 'querynode', 'datanode', 'indexnode']);
const PULSAR_PARTS = new Set(['pulsar-broker', 'pulsar-bookie', 'pulsar-zookeeper']);

/** Every reason a valid scenario cannot run on the local platform here, each with a fix. */
export function localCheck(stack: StackSpec, faults: readonly FaultSpec[], caps: LocalCapabilities): ValidationError[] {
  const errors: ValidationError[] = [];
  const cluster = stack.topology === 'cluster';
  if (!cluster && stack.messageQueue === 'kafka') {
    errors.push({ path: 'stack.messageQueue', message: "'kafka' is not supported by the local standalone stack", fix: "use 'rocksmq' or 'pulsar' (a Pulsar standalone), or set stack.topology to 'cluster' for Kafka" });
  }
  if (cluster && stack.objectStore !== 'minio') {
    errors.push({ path: 'stack.objectStore', message: "a local cluster needs shared object storage", fix: "use 'minio'" });
  }
  const security = stack.security;
  if (cluster && security && (security.authorization || security.tls !== 'off')) {
    errors.push({ path: 'stack.security', message: 'is supported on the local standalone topology only, for now', fix: "set stack.topology to 'standalone', or remove stack.security" });
  }
  for (const component of Object.keys(stack.images ?? {})) {
    errors.push({ path: `stack.images.${component}`, message: 'the local platform runs processes, not images', fix: 'run with --platform containers, or remove stack.images' });
  }
  faults.forEach((fault, i) => errors.push(...pulsarErrors(fault, `faults[${i}]`, stack), ...faultErrors(fault, `faults[${i}]`, cluster, caps)));
  return errors;
}

/** Pulsar standalone is one process; the broker keeps no data of its own. */
function pulsarErrors(fault: FaultSpec, path: string, stack: StackSpec): ValidationError[] {
  if (stack.messageQueue !== 'pulsar') return [];
  const role = fault.target.role;
  if (stack.topology !== 'cluster') {
    const peers = 'peers' in fault.params ? fault.params.peers : [];
    const split = [role, ...peers].find((r) => PULSAR_PARTS.has(r));
    if (split) return [{ path: `${path}.target.role`, message: `'${split}' is not a process of its own in the local standalone stack: Pulsar standalone runs broker, bookie and ZooKeeper in one JVM`, fix: "target 'mq' (the whole Pulsar standalone), or set stack.topology to 'cluster'" }];
  }
  if (fault.kind === 'disk-fill' && (role === 'mq' || role === 'pulsar-broker')) {
    return [{ path: `${path}.target.role`, message: "the Pulsar broker keeps no data on disk (its ledgers live in the bookies)", fix: "target 'pulsar-bookie' (ledgers and journal) or 'pulsar-zookeeper'" }];
  }
  return [];
}

function faultErrors(fault: FaultSpec, path: string, cluster: boolean, caps: LocalCapabilities): ValidationError[] {
  const at = (message: string, fix: string, field = 'kind'): ValidationError[] => [{ path: `${path}.${field}`, message, fix }];
  const kind: FaultKind = fault.kind;
  if (kind.startsWith('network-')) {
    if (!cluster) return at(`'${kind}' needs components in network namespaces, which only the local cluster topology has`, "set stack.topology to 'cluster' (with stack.messageQueue 'kafka')");
    if (!caps.netns) return at(`'${kind}' is unavailable: network namespaces cannot be created here (needs root, iproute2 and iptables); the cluster fell back to loopback`, 'run as root on Linux with iproute2 and iptables (scripts/setup.sh installs them), or remove this fault');
    return networkErrors(fault, path, caps);
  }
  switch (fault.kind) {
    case 'stress-cpu':
    case 'stress-memory':
      if (!caps.stressNg) return at(`'${kind}' needs stress-ng, which is not installed`, 'run scripts/setup.sh (installs Debian stress-ng)');
      return stressErrors(fault, path);
    case 'disk-fill':
      if (!cluster) return at("'disk-fill' needs per-component data volumes, which only the local cluster topology has", "set stack.topology to 'cluster'");
      if (!caps.volumes) return at("'disk-fill' is unavailable: loop-mounted data volumes need root, /dev/loop-control, mkfs.ext4 and fallocate", 'run as root with e2fsprogs and util-linux, or remove this fault');
      if (!ROLES_WITH_DATA.has(fault.target.role)) return at(`role '${fault.target.role}' keeps no data on disk`, `target one of: ${[...ROLES_WITH_DATA].join(', ')}`, 'target.role');
      if (fault.params.path !== null) return at('the local platform fills the role\'s own data volume only', 'remove params.path', 'params.path');
      return [];
    case 'disk-latency':
      return at("'disk-latency' is not implemented on the local platform: this kernel has no device-mapper (dm-delay) to slow a volume, and no FUSE layer is provided", "use 'disk-fill', or run the scenario on the kind platform (Chaos Mesh IOChaos)");
    case 'container-kill':
      if (fault.params.container !== null) return at('each local component is one process, there are no containers to choose', 'remove params.container', 'params.container');
      return [];
    default:
      return [];
  }
}

export function networkErrors(fault: FaultSpec, path: string, caps: LocalCapabilities): ValidationError[] {
  const errors: ValidationError[] = [];
  const params = fault.params as FaultParams['network-loss'];
  const fail = (field: string, message: string, fix: string): number => errors.push({ path: `${path}.${field}`, message, fix });
  if ((fault.kind === 'network-delay' || fault.kind === 'network-corrupt') && !caps.netemQueue) {
    fail('kind', `'${fault.kind}' needs netem-queue (this kernel has no netem qdisc), which is not built`, 'run scripts/setup.sh (scripts/setup.d/50-netfault.sh builds it)');
  }
  if ((fault.kind === 'network-loss' || fault.kind === 'network-duplicate' || fault.kind === 'network-corrupt') && params.correlation !== 0) {
    fail('params.correlation', `${fault.kind} correlation is not implemented locally (packets are chosen independently)`, 'remove params.correlation');
  }
  if (fault.kind === 'network-duplicate' && params.direction !== 'to') {
    fail('params.direction', "duplicate clones packets on egress only", "set params.direction to 'to'");
  }
  if (fault.kind === 'network-bandwidth') {
    if (params.direction !== 'to') fail('params.direction', "bandwidth shapes the target's egress only", "set params.direction to 'to'");
    if (params.peers.length > 0) fail('params.peers', "bandwidth limits all of the target's egress; it cannot pick peers locally", 'remove params.peers');
  }
  return errors;
}

function stressErrors(fault: Extract<FaultSpec, { kind: 'stress-cpu' | 'stress-memory' }>, path: string): ValidationError[] {
  const cores = availableParallelism();
  const maxWorkers = cores * 2;
  if (fault.params.workers > maxWorkers) {
    return [{ path: `${path}.params.workers`, message: `${fault.params.workers} workers on a ${cores}-core machine`, fix: `use at most ${maxWorkers} (2 per core)` }];
  }
  if (fault.kind === 'stress-memory' && fault.params.workers * fault.params.size > totalmem() / 2) {
    return [{ path: `${path}.params.size`, message: `${fault.params.workers} × ${fault.params.size} bytes is more than half of this machine's memory`, fix: 'lower params.size or params.workers' }];
  }
  return [];
}
