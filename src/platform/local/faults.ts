import { join } from 'node:path';
import type { ActiveFault } from '../../core/platform.ts';
import type { CoordinatorRole, FaultParams, FaultSpec, Role, TargetMode } from '../../core/types.ts';
import { hashWords } from '../../dataset/hash.ts';
import { etcdQuorum } from '../../faults/spec.ts';
import { DisposalStack } from '../../util/disposal.ts';
import { delay } from '../../util/poll.ts';
import { netemQueueBinary } from './capabilities.ts';
import type { Journal } from '../../supervise/journal.ts';
import { applyNetworkFault, type NetworkAction } from './netfault.ts';
import type { NetnsNetwork } from './netns.ts';
import type { ManagedProcess } from '../../supervise/process.ts';
import { PausedProcess, startStress } from './stress.ts';
import type { DataVolume } from './volumes.ts';

/** One component of a local stack as the fault executor sees it: a process it can kill and start again. */
export interface LocalComponent {
  /** Unique in the stack, e.g. 'querynode-2', 'etcd-0'; also its network namespace's member name. */
  readonly name: string;
  readonly role: Role;
  /** The current process (a restart replaces it). */
  readonly process: ManagedProcess;
  restart(): void;
  readonly logFile: string;
  /** Whether it runs in a namespace of FaultContext.network. */
  readonly inNetns: boolean;
  readonly volume: DataVolume | null;
  /** Applies milvus.yaml overrides for its next start (Milvus components that support it). */
  reconfigure?(overrides: Record<string, unknown>): void;
  /** The coordinator roles the process runs (coordinators of a cluster only). */
  readonly coordinatorRoles?: readonly CoordinatorRole[];
  /** Replaces it with another Milvus version in place (Milvus standalone). */
  upgrade?(version: string, overrides: Record<string, unknown>, signal: AbortSignal): Promise<{ stopMs: number; killed: boolean }>;
}

/** A component handle whose process is looked up on each use, so a restart is seen at once. */
export function localComponent(
  name: string,
  role: Role,
  current: () => ManagedProcess,
  restart: () => void,
  logFile: string,
  place: { inNetns: boolean; volumes: ReadonlyMap<string, DataVolume> } = { inNetns: false, volumes: new Map() },
): LocalComponent {
  return {
    name,
    role,
    get process() {
      return current();
    },
    restart,
    logFile,
    inNetns: place.inNetns,
    volume: place.volumes.get(name) ?? null,
  };
}

export interface FaultContext {
  components: readonly LocalComponent[];
  journal: Journal;
  network: NetnsNetwork | null;
  /** Where helper processes (stress-ng, netem-queue) write their logs. */
  logDir: string;
  /** Name of the current etcd leader. */
  etcdLeader(): Promise<string>;
  /** The run's seed: which components a fault hits is drawn from it. */
  seed: number;
  /** The name of the component serving a coordinator role as its active instance (clusters). */
  activeCoordinator?(role: CoordinatorRole): Promise<string>;
}

/** What pickTargets needs to resolve the members that choose themselves (etcd leader, active coordinator). */
export interface TargetResolver {
  seed: number;
  etcdLeader(): Promise<string>;
  activeCoordinator?(role: CoordinatorRole): Promise<string>;
}

/** Whose dice: the run's seed and the fault's name, so each fault draws its own, repeatably. */
export interface TargetDraw {
  seed: number;
  fault: string;
}

/**
 * Chaos Mesh's modes. As Chaos Mesh does, 'one', count and percent pick at random; here the
 * randomness is a pure function of the run's seed and the fault's name over the name-sorted
 * candidates, so a run repeats with its seed and two faults of one run need not hit the same one.
 */
export function selectTargets<T extends { name: string }>(candidates: readonly T[], mode: TargetMode, draw: TargetDraw): T[] {
  const sorted = [...candidates].sort((a, b) => a.name.localeCompare(b.name));
  if (mode === 'all') return sorted;
  const wanted =
    mode === 'one' ? 1 : 'count' in mode ? Math.min(mode.count, sorted.length) : Math.max(1, Math.floor((sorted.length * mode.percent) / 100));
  return shuffledPrefix(sorted, Math.min(wanted, sorted.length), draw);
}

/** The first n of a seeded Fisher-Yates shuffle, in their sorted order. */
function shuffledPrefix<T>(items: T[], n: number, { seed, fault }: TargetDraw): T[] {
  const faultHash = hashWords(...Array.from(fault, (ch) => ch.codePointAt(0)!));
  const order = items.map((_, i) => i);
  for (let i = 0; i < n; i++) {
    const j = i + (hashWords(seed, faultHash, i) % (order.length - i));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order.slice(0, n).sort((a, b) => a - b).map((i) => items[i]!);
}

/** The components a fault hits on the local platform. */
export function faultTargets(ctx: FaultContext, fault: FaultSpec): Promise<LocalComponent[]> {
  return pickTargets(ctx.components, fault, ctx);
}

/**
 * The components a fault hits, on any platform that runs components by name and role: a named
 * instance, the active coordinator, the etcd leader or a quorum, or a seeded draw by mode.
 */
export async function pickTargets<T extends { name: string; role: Role; coordinatorRoles?: readonly CoordinatorRole[] }>(components: readonly T[], fault: FaultSpec, ctx: TargetResolver): Promise<T[]> {
  const coordinator = fault.target.coordinator;
  const candidates = components.filter((c) => c.role === fault.target.role && (!coordinator || (c.coordinatorRoles ?? []).includes(coordinator)));
  if (candidates.length === 0) throw new Error(`fault '${fault.name}': no component has role '${fault.target.role}'${coordinator ? ` running ${coordinator}` : ''}`);
  const instance = fault.target.instance;
  if (instance) {
    const named = candidates.filter((c) => c.name === instance);
    if (named.length === 0) throw new Error(`fault '${fault.name}': no ${fault.target.role} named '${instance}'; there are: ${candidates.map((c) => c.name).join(', ')}`);
    return named;
  }
  const member = fault.target.member ?? 'any';
  if (member === 'active') return [await activeOf(candidates, fault, ctx)];
  if (member === 'leader') {
    const leader = await ctx.etcdLeader();
    return candidates.filter((c) => c.name === leader);
  }
  const draw = { seed: ctx.seed, fault: fault.name };
  if (member === 'quorum') return selectTargets(candidates, { count: etcdQuorum(candidates.length) }, draw);
  return selectTargets(candidates, fault.target.mode, draw);
}

/** The active instance of the fault's coordinator role, as the cluster itself says (its etcd session). */
async function activeOf<T extends { name: string; coordinatorRoles?: readonly CoordinatorRole[] }>(candidates: readonly T[], fault: FaultSpec, ctx: TargetResolver): Promise<T> {
  // Without active-standby each coordinator role runs once, and that one is the active one.
  if (candidates.length === 1) return candidates[0]!;
  const role = fault.target.coordinator;
  if (!role) throw new Error(`fault '${fault.name}': ${candidates.length} coordinator processes run; set target.coordinator to say whose active instance (rootcoord, datacoord, querycoord)`);
  if (!ctx.activeCoordinator) throw new Error(`fault '${fault.name}': this platform cannot tell which ${role} instance is active`);
  const name = await ctx.activeCoordinator(role);
  const active = candidates.find((c) => c.name === name);
  if (!active) throw new Error(`fault '${fault.name}': the active ${role} is '${name}', which is not among ${candidates.map((c) => c.name).join(', ')}`);
  return active;
}

/** Applies a fault now; it heals after fault.duration, when the run's signal aborts, or when disposed. */
export async function startFault(ctx: FaultContext, fault: FaultSpec, signal: AbortSignal): Promise<ActiveFault> {
  const targets = await faultTargets(ctx, fault);
  const active = await applyAndHold(fault, targets, (undo) => apply(ctx, fault, targets, undo), signal);
  return Object.assign(active, { targets: targets.map((t) => t.name) });
}

/**
 * Applies a fault to its targets (every undo step pushed on `undo` as it is taken), then holds it
 * until its heal; a fault that fails half-way is undone at once and the error names it.
 */
export async function applyAndHold(fault: FaultSpec, targets: readonly { name: string }[], applyTo: (undo: DisposalStack) => Promise<void>, signal: AbortSignal): Promise<ActiveFault> {
  const undo = new DisposalStack();
  try {
    await applyTo(undo);
  } catch (err) {
    await undo.disposeAsync().catch(() => undefined);
    throw new Error(`fault '${fault.name}' (${fault.kind} on ${targets.map((t) => t.name).join(', ')}): ${(err as Error).message}`, { cause: err });
  }
  return holdFault(fault, undo, signal);
}

async function apply(ctx: FaultContext, fault: FaultSpec, targets: LocalComponent[], undo: DisposalStack): Promise<void> {
  switch (fault.kind) {
    case 'pod-kill':
    case 'pod-failure':
    case 'container-kill':
      await Promise.all(targets.map((t) => t.process.kill()));
      undo.defer(() => {
        for (const t of targets) if (!t.process.running) t.restart();
      });
      return;
    case 'pause':
      for (const t of targets) undo.use(await PausedProcess.pause(t.process, ctx.journal));
      return;
    case 'stress-cpu':
    case 'stress-memory':
      for (const t of targets) {
        const stressors = fault.kind === 'stress-cpu' ? { cpu: fault.params } : { memory: fault.params };
        const logFile = join(ctx.logDir, `stress-ng-${fault.name}-${t.name}.log`.replace(/[^\w./-]/g, '_'));
        const stress = startStress({ ...stressors, duration: fault.duration }, { journal: ctx.journal, logFile });
        undo.defer(async () => void (await stress.stop(2_000)));
      }
      return;
    case 'disk-fill':
      for (const t of targets) {
        if (!t.volume) throw new Error(`${t.name} has no data volume to fill`);
        undo.use(await t.volume.fill(ctx.journal));
      }
      return;
    case 'disk-latency':
      throw new Error('disk-latency is not implemented on the local platform');
    default:
      return applyNetwork(ctx, fault, targets, undo);
  }
}

type NetworkFault = Extract<FaultSpec, { kind: `network-${string}` }>;

async function applyNetwork(ctx: FaultContext, fault: NetworkFault, targets: LocalComponent[], undo: DisposalStack): Promise<void> {
  const network = ctx.network;
  if (!network) throw new Error('network faults need the components in network namespaces; this stack runs on loopback');
  const peers = ctx.components.filter((c) => fault.params.peers.includes(c.role));
  for (const source of targets) {
    if (!source.inNetns) throw new Error(`${source.name} does not run in a network namespace`);
    const others = peers.filter((p) => p.name !== source.name && p.inNetns).map((p) => p.name);
    if (fault.params.peers.length > 0 && others.length === 0) throw new Error(`no peer of ${source.name} has role ${fault.params.peers.join(' or ')}`);
    undo.use(
      await applyNetworkFault(
        { network, journal: ctx.journal, netemQueueBinary: netemQueueBinary(), logDir: ctx.logDir },
        { ...networkAction(fault), source: source.name, direction: fault.params.direction, ...(others.length > 0 ? { targets: others } : {}) },
      ),
    );
  }
}

export function networkAction(fault: NetworkFault): NetworkAction {
  switch (fault.kind) {
    case 'network-delay':
      return { action: 'delay', latency: fault.params.latency, jitter: fault.params.jitter, correlation: fault.params.correlation };
    case 'network-loss':
      return { action: 'loss', loss: fault.params.percent };
    case 'network-duplicate':
      return { action: 'duplicate', duplicate: fault.params.percent };
    case 'network-corrupt':
      return { action: 'corrupt', corrupt: fault.params.percent };
    case 'network-bandwidth': {
      const p: FaultParams['network-bandwidth'] = fault.params;
      return { action: 'bandwidth', rate: `${p.rate}bit`, limit: p.limit, buffer: p.buffer };
    }
    case 'network-partition':
      return { action: 'partition' };
  }
}

/** Holds an applied fault until its duration ends, the run aborts, or it is disposed; then heals it once. */
export function holdFault(fault: FaultSpec, undo: DisposalStack, signal: AbortSignal): ActiveFault {
  let healing: Promise<void> | null = null;
  const heal = (): Promise<void> => (healing ??= undo.disposeAsync());
  const timer = new AbortController();
  const onAbort = (): void => timer.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  const healed = delay(fault.duration, timer.signal)
    .catch(() => undefined)
    .finally(() => signal.removeEventListener('abort', onAbort))
    .then(heal);
  // A failed heal surfaces through `healed`; never as an unhandled rejection of the timer chain.
  healed.catch(() => undefined);
  return {
    spec: fault,
    healed,
    [Symbol.asyncDispose]: async () => {
      timer.abort();
      await healed;
    },
  };
}
