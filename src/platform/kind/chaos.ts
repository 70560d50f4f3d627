// Compiles the fault vocabulary into Chaos Mesh (v2.8) custom resources. Pure: the executor applies
// what this returns with kubectl and deletes it to heal.
import { createHash } from 'node:crypto';
import type { FaultParams, FaultSpec, Role, StackSpec, TargetMode } from '../../core/types.ts';
import type { ValidationError } from '../../scenario/validate.ts';
import { formatDuration } from '../../scenario/duration.ts';
import { etcdQuorum } from '../../faults/spec.ts';
import { dataVolume, placeRole, type KindDeployment } from './deployment.ts';

export const CHAOS_API_VERSION = 'chaos-mesh.org/v1alpha1';
/** Chaos Mesh kinds milvus-drill creates, with their resource names for kubectl. */
export const CHAOS_RESOURCES = { PodChaos: 'podchaos', NetworkChaos: 'networkchaos', StressChaos: 'stresschaos', IOChaos: 'iochaos' } as const;
export type ChaosKind = keyof typeof CHAOS_RESOURCES;

export const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'milvus-drill' } as const;
export const RUN_ID_LABEL = 'milvus-drill/run-id';
const FAULT_INDEX_LABEL = 'milvus-drill/fault-index';
const ENOSPC = 28;
/** I/O calls that allocate space: the ones a full disk fails. */
const SPACE_ALLOCATING_METHODS = ['write', 'create', 'mkdir', 'mknod', 'symlink', 'link', 'rename', 'setxattr', 'fsync', 'flush'];

export interface ChaosObject {
  apiVersion: typeof CHAOS_API_VERSION;
  kind: ChaosKind;
  metadata: { name: string; namespace: string; labels: Record<string, string>; annotations: Record<string, string> };
  spec: Record<string, unknown>;
}

export interface ChaosContext {
  deployment: KindDeployment;
  namespace: string;
  runId: string;
  stack: StackSpec;
  /** The current etcd leader's pod, looked up just before a fault with target.member 'leader' starts. */
  etcdLeaderPod?: string;
  /** The pod of the fault's target.instance ('querynode-2': the second query node pod), looked up just before it starts. */
  instancePod?: string;
}

export type CompileResult = { ok: true; objects: ChaosObject[] } | { ok: false; errors: ValidationError[] };

interface Selection {
  mode: string;
  value?: string;
  selector: { namespaces: string[]; labelSelectors?: Record<string, string>; pods?: Record<string, string[]> };
}

/** Compiles every fault, reporting every fault that cannot run on kind at once. */
export function compileFaults(faults: readonly FaultSpec[], ctx: ChaosContext): CompileResult {
  const objects: ChaosObject[] = [];
  const errors: ValidationError[] = [];
  faults.forEach((fault, i) => {
    const result = compileFault(fault, i, ctx);
    if (result.ok) objects.push(...result.objects);
    else errors.push(...result.errors);
  });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, objects };
}

/** One fault becomes one object, or one per peer role for network faults scoped to peers. */
export function compileFault(fault: FaultSpec, index: number, ctx: ChaosContext): CompileResult {
  const path = `faults[${index}]`;
  const errors: ValidationError[] = [];
  if (!isLabelValue(ctx.runId)) {
    errors.push({ path: 'runId', message: `'${ctx.runId}' cannot be a Kubernetes label value`, fix: 'use at most 63 letters, digits, dots, dashes or underscores, starting and ending with a letter or digit' });
  }
  const source = selectTarget(fault, ctx, path, errors);
  const bodies = source ? specBodies(fault, source, ctx, path, errors) : [];
  if (errors.length > 0) return { ok: false, errors };
  const objects = bodies.map((body, part): ChaosObject => ({
    apiVersion: CHAOS_API_VERSION,
    kind: body.kind,
    metadata: {
      name: objectName(ctx.runId, index, fault.name, bodies.length > 1 ? part : null),
      namespace: ctx.namespace,
      labels: { ...MANAGED_BY, [RUN_ID_LABEL]: ctx.runId, [FAULT_INDEX_LABEL]: String(index) },
      annotations: { 'milvus-drill/fault': `${fault.name} (${fault.kind} on ${fault.target.role})` },
    },
    spec: { ...source!.selection, ...body.spec, duration: formatDuration(fault.duration) },
  }));
  return { ok: true, objects };
}

interface Source {
  selection: Selection;
  container: string;
}

function selectTarget(fault: FaultSpec, ctx: ChaosContext, path: string, errors: ValidationError[]): Source | null {
  const placement = placeRole(ctx.deployment, fault.target.role, ctx.stack);
  if (!placement.ok) {
    errors.push({ path: `${path}.target.role`, message: placement.message, fix: placement.fix });
    return null;
  }
  const namespaces = [ctx.namespace];
  const member = fault.target.member ?? 'any';
  if (fault.target.instance && ctx.instancePod) {
    return { container: placement.container, selection: { mode: 'one', selector: { namespaces, pods: { [ctx.namespace]: [ctx.instancePod] } } } };
  }
  if (fault.target.instance || member === 'active') {
    const what = fault.target.instance ? `instance '${fault.target.instance}'` : "member 'active'";
    errors.push({ path: `${path}.target.${fault.target.instance ? 'instance' : 'member'}`, message: `${what} is not resolved to a pod on kind yet`, fix: 'target the role with a mode instead' });
    return null;
  }
  if (member === 'leader') {
    if (!ctx.etcdLeaderPod) {
      errors.push({ path: `${path}.target.member`, message: 'the etcd leader has not been looked up', fix: 'run the leader lookup (etcdLeaderLookup) just before injecting and pass its pod as etcdLeaderPod' });
      return null;
    }
    return { container: placement.container, selection: { mode: 'one', selector: { namespaces, pods: { [ctx.namespace]: [ctx.etcdLeaderPod] } } } };
  }
  const mode: TargetMode = member === 'quorum' ? { count: etcdQuorum(ctx.stack.etcd.members) } : fault.target.mode;
  return { container: placement.container, selection: { ...chaosMode(mode), selector: { namespaces, labelSelectors: placement.labels } } };
}

export function chaosMode(mode: TargetMode): { mode: string; value?: string } {
  if (mode === 'one' || mode === 'all') return { mode };
  if ('count' in mode) return { mode: 'fixed', value: String(mode.count) };
  return { mode: 'fixed-percent', value: String(mode.percent) };
}

interface SpecBody {
  kind: ChaosKind;
  spec: Record<string, unknown>;
}

function specBodies(fault: FaultSpec, source: Source, ctx: ChaosContext, path: string, errors: ValidationError[]): SpecBody[] {
  const containerNames = [source.container];
  switch (fault.kind) {
    case 'pod-kill':
      // A zero grace period makes the kill a SIGKILL; the pod's controller restarts it.
      return [{ kind: 'PodChaos', spec: { action: 'pod-kill', gracePeriod: 0 } }];
    case 'pod-failure':
      return [{ kind: 'PodChaos', spec: { action: 'pod-failure' } }];
    case 'container-kill':
      return [{ kind: 'PodChaos', spec: { action: 'container-kill', containerNames: [fault.params.container ?? source.container] } }];
    case 'pause':
      // Chaos Mesh cannot stop a process. Cutting all of the pod's traffic is the closest: peers see
      // a member that is up but silent (timeouts, not resets) until the fault heals.
      return [{ kind: 'NetworkChaos', spec: { action: 'partition', direction: 'both' } }];
    case 'network-delay':
    case 'network-loss':
    case 'network-duplicate':
    case 'network-corrupt':
    case 'network-bandwidth':
    case 'network-partition':
      return networkBodies(fault, ctx, path, errors);
    case 'stress-cpu':
      return [{ kind: 'StressChaos', spec: { containerNames, stressors: { cpu: { workers: fault.params.workers, load: fault.params.load } } } }];
    case 'stress-memory':
      return [{ kind: 'StressChaos', spec: { containerNames, stressors: { memory: { workers: fault.params.workers, size: String(fault.params.size) } } } }];
    case 'disk-fill':
    case 'disk-latency':
      return diskBodies(fault, containerNames, ctx, path, errors);
  }
}

type NetworkFault = Extract<FaultSpec, { kind: `network-${string}` }>;

function networkBodies(fault: NetworkFault, ctx: ChaosContext, path: string, errors: ValidationError[]): SpecBody[] {
  const action = fault.kind.slice('network-'.length);
  const base = { action, direction: fault.params.direction, ...netemParams(fault) };
  if (fault.params.peers.length === 0) return [{ kind: 'NetworkChaos', spec: base }];
  return fault.params.peers.flatMap((peer, j) => {
    const labels = peerLabels(peer, ctx, `${path}.params.peers[${j}]`, errors);
    if (!labels) return [];
    const target = { mode: 'all', selector: { namespaces: [ctx.namespace], labelSelectors: labels } };
    return [{ kind: 'NetworkChaos' as const, spec: { ...base, target } }];
  });
}

function peerLabels(peer: Role, ctx: ChaosContext, path: string, errors: ValidationError[]): Record<string, string> | null {
  const placement = placeRole(ctx.deployment, peer, ctx.stack);
  if (placement.ok) return placement.labels;
  errors.push({ path, message: placement.message, fix: placement.fix });
  return null;
}

function netemParams(fault: NetworkFault): Record<string, unknown> {
  switch (fault.kind) {
    case 'network-delay': {
      const { latency, jitter, correlation } = fault.params;
      return { delay: { latency: formatDuration(latency), jitter: formatDuration(jitter), correlation: String(correlation) } };
    }
    case 'network-loss':
      return { loss: { loss: String(fault.params.percent), correlation: String(fault.params.correlation) } };
    case 'network-duplicate':
      return { duplicate: { duplicate: String(fault.params.percent), correlation: String(fault.params.correlation) } };
    case 'network-corrupt':
      return { corrupt: { corrupt: String(fault.params.percent), correlation: String(fault.params.correlation) } };
    case 'network-bandwidth':
      return { bandwidth: { rate: tcRate(fault.params.rate), limit: fault.params.limit, buffer: fault.params.buffer } };
    case 'network-partition':
      return {};
  }
}

/** Chaos Mesh takes whole numbers with a tc unit; use the largest unit that keeps the rate exact. */
export function tcRate(bitsPerSecond: number): string {
  for (const [unit, factor] of [['gbit', 1e9], ['mbit', 1e6], ['kbit', 1e3]] as const) {
    if (bitsPerSecond % factor === 0) return `${bitsPerSecond / factor}${unit}`;
  }
  return `${bitsPerSecond}bit`;
}

type DiskFault = Extract<FaultSpec, { kind: 'disk-fill' | 'disk-latency' }>;

function diskBodies(fault: DiskFault, containerNames: string[], ctx: ChaosContext, path: string, errors: ValidationError[]): SpecBody[] {
  const volumePath = fault.params.path ?? dataVolume(ctx.deployment, fault.target.role, ctx.stack);
  if (!volumePath) {
    errors.push({ path: `${path}.params.path`, message: `'${fault.target.role}' has no data volume under ${ctx.deployment.method} on kind`, fix: `set ${path}.params.path to a volume mounted in the pod, or target a role with data (etcd, minio, standalone)` });
    return [];
  }
  if (fault.kind === 'disk-fill') {
    // Chaos Mesh cannot fill a pod's volume; failing every space-allocating call with ENOSPC is what
    // the component would see on a full disk.
    return [{ kind: 'IOChaos', spec: { action: 'fault', errno: ENOSPC, volumePath, methods: SPACE_ALLOCATING_METHODS, percent: 100, containerNames } }];
  }
  const params: FaultParams['disk-latency'] = fault.params;
  return [{ kind: 'IOChaos', spec: { action: 'latency', delay: formatDuration(params.delay), percent: params.percent, volumePath, containerNames } }];
}

/** A DNS-1123 name, unique per run, fault and part, that still says which fault it is. */
export function objectName(runId: string, index: number, faultName: string, part: number | null): string {
  const run = createHash('sha256').update(runId).digest('hex').slice(0, 6);
  const suffix = part === null ? '' : `-${part}`;
  const slug = faultName.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  const head = `drill-${run}-${index}`;
  const room = 63 - head.length - suffix.length - 1;
  const middle = slug.slice(0, Math.max(0, room)).replace(/-+$/, '');
  return middle ? `${head}-${middle}${suffix}` : `${head}${suffix}`;
}

export function isLabelValue(value: string): boolean {
  return value.length <= 63 && /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/.test(value) && value.length > 0;
}
