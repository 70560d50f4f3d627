import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Millis } from '../../core/types.ts';
import { waitFor } from '../../util/poll.ts';
import type { Journal } from '../../supervise/journal.ts';
import { runCommand, runUndo, type NetnsNetwork } from './netns.ts';
import { ManagedProcess } from '../../supervise/process.ts';

/**
 * Network faults between components of a NetnsNetwork, named and shaped after Chaos Mesh's
 * NetworkChaos actions. The kernel here has no netem qdisc, so:
 *  - loss and partition are iptables DROP rules (loss with the statistic match),
 *  - duplicate is the iptables TEE target (a clone goes to the same destination),
 *  - bandwidth is a tc tbf qdisc on the source's egress,
 *  - delay (latency, jitter, correlation) and corrupt go through an NFQUEUE queue served by
 *    `netem-queue` (tools/netem-queue), which holds or bit-flips each packet.
 * Every rule lives inside the namespaces of the NetnsNetwork; the host namespace is never touched.
 */
export type NetworkAction =
  | { action: 'delay'; latency: Millis; jitter?: Millis; correlation?: number }
  | { action: 'loss'; loss: number }
  | { action: 'duplicate'; duplicate: number }
  | { action: 'corrupt'; corrupt: number }
  | { action: 'bandwidth'; rate: string; limit: number; buffer: number }
  | { action: 'partition' };

export type Direction = 'to' | 'from' | 'both';

export type NetworkFaultSpec = NetworkAction & {
  /** The component the fault is attached to (Chaos Mesh: selector). */
  source: string;
  /**
   * The other side (Chaos Mesh: target): component names, or 'host' for the harness's own
   * address. Default: every other component and the host.
   */
  targets?: readonly string[];
  /** 'to': packets from source to targets; 'from': targets to source; 'both'. Default 'to'. */
  direction?: Direction;
};

export interface NetworkFaultContext {
  network: NetnsNetwork;
  journal: Journal;
  /** Path of the netem-queue binary (needed for delay and corrupt). */
  netemQueueBinary: string;
  /** Where netem-queue writes its log. */
  logDir: string;
}

/** One place a fault acts: a hook in one namespace, matching packets to or from some peers. */
interface Leg {
  namespace: string;
  hook: 'OUTPUT' | 'INPUT';
  peers: string[];
}

export class ActiveNetworkFault implements AsyncDisposable {
  readonly startedAt = Date.now();
  healedAt: number | null = null;

  constructor(
    readonly spec: NetworkFaultSpec,
    private readonly undo: string[][],
    private readonly helpers: ManagedProcess[],
    private readonly journal: Journal,
    private readonly journalId: string,
  ) {}

  async heal(): Promise<void> {
    if (this.healedAt !== null) return;
    this.healedAt = Date.now();
    const failures = await runUndo(this.undo);
    for (const helper of this.helpers) await helper.stop(2_000);
    if (failures.length > 0) throw new AggregateError(failures, `could not fully heal network fault ${describe(this.spec)}`);
    this.journal.remove(this.journalId);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.heal();
  }
}

export function validateNetworkFault(spec: NetworkFaultSpec, components: readonly string[]): string[] {
  const problems: string[] = [];
  const direction = spec.direction ?? 'to';
  if (!components.includes(spec.source)) problems.push(`source: no component '${spec.source}' (have ${components.join(', ')})`);
  for (const t of spec.targets ?? []) {
    if (t !== 'host' && !components.includes(t)) problems.push(`targets: no component '${t}' (have ${components.join(', ')}, host)`);
    if (t === spec.source) problems.push(`targets: '${t}' is the source itself`);
  }
  if (spec.targets?.length === 0) problems.push('targets: empty list; omit it to mean every other component');
  const percent = (field: string, value: number): void => {
    if (!(value > 0 && value <= 100)) problems.push(`${field}: must be a percentage in (0, 100], got ${value}`);
  };
  switch (spec.action) {
    case 'delay':
      if (!(spec.latency > 0)) problems.push(`latency: must be > 0 ms, got ${spec.latency}`);
      if (spec.jitter !== undefined && !(spec.jitter >= 0)) problems.push(`jitter: must be >= 0 ms, got ${spec.jitter}`);
      if (spec.correlation !== undefined && !(spec.correlation >= 0 && spec.correlation <= 100)) problems.push(`correlation: must be 0-100, got ${spec.correlation}`);
      break;
    case 'loss':
      percent('loss', spec.loss);
      break;
    case 'duplicate':
      percent('duplicate', spec.duplicate);
      if (direction !== 'to') problems.push(`direction: duplicate supports only 'to' (packets are cloned on egress), got '${direction}'`);
      break;
    case 'corrupt':
      percent('corrupt', spec.corrupt);
      break;
    case 'bandwidth':
      if (!/^\d+(\.\d+)?(bit|kbit|mbit|gbit|bps|kbps|mbps|gbps)$/.test(spec.rate)) problems.push(`rate: use a tc rate such as '1mbps' or '512kbit', got '${spec.rate}'`);
      if (!(spec.limit > 0)) problems.push(`limit: bytes that can queue, must be > 0, got ${spec.limit}`);
      if (!(spec.buffer > 0)) problems.push(`buffer: burst size in bytes, must be > 0, got ${spec.buffer}`);
      if (direction !== 'to') problems.push(`direction: bandwidth supports only 'to' (it shapes the source's egress), got '${direction}'`);
      if (spec.targets !== undefined) problems.push('targets: bandwidth limits all egress of the source; omit targets');
      break;
    case 'partition':
      break;
  }
  return problems;
}

/** Applies a network fault: journals its undo first, then changes the namespaces. */
export async function applyNetworkFault(ctx: NetworkFaultContext, spec: NetworkFaultSpec): Promise<ActiveNetworkFault> {
  const problems = validateNetworkFault(spec, ctx.network.components);
  if (problems.length > 0) throw new Error(`invalid network fault ${describe(spec)}:\n  ${problems.join('\n  ')}`);
  const chain = `DRILL-${randomBytes(4).toString('hex')}`;
  const table = spec.action === 'duplicate' ? 'mangle' : 'filter';
  const legs = legsOf(ctx.network, spec);
  const undo = legs.flatMap((leg) => legUndo(leg, table, chain));
  if (spec.action === 'bandwidth') undo.push(['ip', 'netns', 'exec', ctx.network.member(spec.source).namespace, 'tc', 'qdisc', 'del', 'dev', 'eth0', 'root']);
  const journalId = randomUUID();
  ctx.journal.add({ id: journalId, kind: 'fault', name: describe(spec), undo });
  const helpers: ManagedProcess[] = [];
  const fault = new ActiveNetworkFault(spec, undo, helpers, ctx.journal, journalId);
  try {
    if (spec.action === 'bandwidth') await applyBandwidth(ctx.network.member(spec.source).namespace, spec);
    for (const leg of legs) {
      const target = await legTarget(ctx, spec, leg, helpers);
      await installChain(leg, table, chain, target);
    }
  } catch (err) {
    await fault.heal().catch(() => undefined);
    throw err;
  }
  return fault;
}

function legsOf(network: NetnsNetwork, spec: NetworkFaultSpec): Leg[] {
  const direction = spec.direction ?? 'to';
  const source = network.member(spec.source).namespace;
  const targets = spec.targets ?? [...network.components.filter((c) => c !== spec.source), ...(network.hostIp ? ['host'] : [])];
  const peers = targets.map((t) => (t === 'host' ? (network.hostIp ?? '') : network.member(t).ip)).filter((ip) => ip !== '');
  const legs: Leg[] = [];
  if (spec.action === 'bandwidth') return legs;
  if (direction !== 'from') legs.push({ namespace: source, hook: 'OUTPUT', peers });
  if (direction !== 'to') legs.push({ namespace: source, hook: 'INPUT', peers });
  return legs;
}

function iptables(namespace: string, table: string, ...args: string[]): string[] {
  return ['ip', 'netns', 'exec', namespace, 'iptables', '-w', '-t', table, ...args];
}

function legChain(leg: Leg, chain: string): string {
  return `${chain}-${leg.hook === 'OUTPUT' ? 'O' : 'I'}`;
}

function legUndo(leg: Leg, table: string, chain: string): string[][] {
  const name = legChain(leg, chain);
  return [
    iptables(leg.namespace, table, '-D', leg.hook, '-j', name),
    iptables(leg.namespace, table, '-F', name),
    iptables(leg.namespace, table, '-X', name),
  ];
}

/** The iptables target (with its match) each matching packet goes to. */
async function legTarget(ctx: NetworkFaultContext, spec: NetworkFaultSpec, leg: Leg, helpers: ManagedProcess[]): Promise<(peer: string) => string[]> {
  switch (spec.action) {
    case 'partition':
      return () => ['-j', 'DROP'];
    case 'loss':
      return () => ['-m', 'statistic', '--mode', 'random', '--probability', String(spec.loss / 100), '-j', 'DROP'];
    case 'duplicate':
      return (peer) => ['-m', 'statistic', '--mode', 'random', '--probability', String(spec.duplicate / 100), '-j', 'TEE', '--gateway', peer];
    case 'bandwidth':
      throw new Error('bandwidth is a tc qdisc, not an iptables rule');
    case 'delay':
    case 'corrupt': {
      const queue = 1 + (randomBytes(2).readUInt16BE() % 65000);
      helpers.push(await startNetemQueue(ctx, leg.namespace, queue, netemArgs(spec)));
      return () => ['-j', 'NFQUEUE', '--queue-num', String(queue), '--queue-bypass'];
    }
  }
}

function netemArgs(spec: NetworkFaultSpec): string[] {
  if (spec.action === 'corrupt') return ['-corrupt', String(spec.corrupt)];
  if (spec.action !== 'delay') return [];
  return [
    '-delay', `${spec.latency}ms`,
    '-jitter', `${spec.jitter ?? 0}ms`,
    '-correlation', String(spec.correlation ?? 0),
  ];
}

async function installChain(leg: Leg, table: string, chain: string, target: (peer: string) => string[]): Promise<void> {
  const name = legChain(leg, chain);
  const match = leg.hook === 'OUTPUT' ? '-d' : '-s';
  await runCommand(iptables(leg.namespace, table, '-N', name));
  for (const peer of leg.peers) await runCommand(iptables(leg.namespace, table, '-A', name, match, peer, ...target(peer)));
  await runCommand(iptables(leg.namespace, table, '-I', leg.hook, '-j', name));
}

async function applyBandwidth(namespace: string, spec: Extract<NetworkAction, { action: 'bandwidth' }>): Promise<void> {
  await runCommand(['ip', 'netns', 'exec', namespace, 'tc', 'qdisc', 'add', 'dev', 'eth0', 'root', 'tbf',
    'rate', spec.rate, 'burst', String(spec.buffer), 'limit', String(spec.limit)]);
}

async function startNetemQueue(ctx: NetworkFaultContext, namespace: string, queue: number, args: string[]): Promise<ManagedProcess> {
  const logFile = join(ctx.logDir, `netem-queue-${namespace}-${queue}.log`);
  const helper = new ManagedProcess(
    { name: `netem-queue ${namespace} ${queue}`, command: 'ip', args: ['netns', 'exec', namespace, ctx.netemQueueBinary, '-queue', String(queue), ...args], logFile },
    ctx.journal,
  );
  const ready = `serving queue ${queue} `;
  await waitFor(
    () => tail(logFile).includes(ready),
    { what: `netem-queue on queue ${queue} in ${namespace}`, timeoutMs: 10_000, intervalMs: 50, process: helper },
  ).catch(async (err: unknown) => {
    await helper.stop(1_000);
    throw err;
  });
  return helper;
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').slice(-2_000);
  } catch {
    return '';
  }
}

export function describe(spec: NetworkFaultSpec): string {
  const detail = (() => {
    switch (spec.action) {
      case 'delay': return `${spec.latency}ms±${spec.jitter ?? 0}ms`;
      case 'loss': return `${spec.loss}%`;
      case 'duplicate': return `${spec.duplicate}%`;
      case 'corrupt': return `${spec.corrupt}%`;
      case 'bandwidth': return spec.rate;
      case 'partition': return '';
    }
  })();
  const targets = spec.targets?.join(',') ?? '*';
  return `network ${spec.action}${detail ? ` ${detail}` : ''} ${spec.source} ${spec.direction ?? 'to'} ${targets}`;
}
