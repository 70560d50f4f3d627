// The fault vocabulary shared by every platform: kinds, their parameters, and their validation.
// Pure: reads plain values, returns typed params and every problem at once.
import type {
  EtcdMember,
  TargetMember,
  FaultKind,
  FaultParams,
  FaultSpec,
  FaultTarget,
  NetworkDirection,
  Role,
  StackSpec,
} from '../core/types.ts';
import { ROLES, type ValidationError } from '../core/types.ts';
import { parseDuration } from '../scenario/duration.ts';
import { describe, isObject } from '../scenario/values.ts';

export const FAULT_KINDS = [
  'pod-kill',
  'pod-failure',
  'container-kill',
  'pause',
  'network-delay',
  'network-loss',
  'network-duplicate',
  'network-corrupt',
  'network-bandwidth',
  'network-partition',
  'stress-cpu',
  'stress-memory',
  'disk-fill',
  'disk-latency',
] as const satisfies readonly FaultKind[];

export const ETCD_MEMBERS = ['any', 'leader', 'quorum'] as const satisfies readonly EtcdMember[];
export const TARGET_MEMBERS = [...ETCD_MEMBERS, 'active'] as const satisfies readonly TargetMember[];
const DIRECTIONS = ['to', 'from', 'both'] as const satisfies readonly NetworkDirection[];

/** Bounds that keep a fault from hurting the machine that runs it rather than the system under test. */
export const LIMITS = {
  latencyMs: 60_000,
  cpuWorkers: 32,
  memoryWorkers: 8,
  memoryTotalBytes: 16 * 2 ** 30,
  rateBitsPerSecond: { min: 8_000, max: 100e9 },
  tbfBytes: { min: 1, max: 2 ** 31 - 1 },
  diskDelayMs: 10_000,
} as const;

export function isNetworkKind(kind: FaultKind): kind is Extract<FaultKind, `network-${string}`> {
  return kind.startsWith('network-');
}

/** The number of etcd members whose loss costs the cluster its quorum. */
export function etcdQuorum(members: number): number {
  return Math.floor(members / 2) + 1;
}

type Obj = Record<string, unknown>;

/** Collects parameter problems the way scenario validation does: path, what is wrong, how to fix it. */
class ParamReader {
  readonly errors: ValidationError[] = [];

  constructor(
    readonly raw: Obj,
    readonly path: string,
  ) {}

  fail(key: string, message: string, fix: string): void {
    this.errors.push({ path: `${this.path}.${key}`, message, fix });
  }

  only(known: readonly string[], kind: FaultKind): void {
    for (const key of Object.keys(this.raw)) {
      if (known.includes(key)) continue;
      const fix = known.length === 0 ? `remove it: ${kind} takes no params` : `remove it; ${kind} takes: ${known.join(', ')}`;
      this.fail(key, 'is not a parameter of this fault kind', fix);
    }
  }

  number(key: string, def: number | undefined, min: number, max: number, opts: { integer?: boolean; exclusiveMin?: boolean } = {}): number {
    const value = this.raw[key];
    const shape = opts.integer ? 'an integer' : 'a number';
    const range = `${opts.exclusiveMin ? 'above' : 'from'} ${min} ${opts.exclusiveMin ? 'and at most' : 'to'} ${max}`;
    if (value === undefined) {
      if (def === undefined) this.fail(key, 'is required', `set ${this.path}.${key} to ${shape} ${range}`);
      return def ?? min;
    }
    const ok =
      typeof value === 'number' &&
      Number.isFinite(value) &&
      (!opts.integer || Number.isInteger(value)) &&
      (opts.exclusiveMin ? value > min : value >= min) &&
      value <= max;
    if (!ok) {
      this.fail(key, `must be ${shape} ${range}, got ${describe(value)}`, `set ${this.path}.${key} to ${shape} ${range}`);
      return def ?? min;
    }
    return value as number;
  }

  duration(key: string, def: number | undefined, min: number, max: number): number {
    const value = this.raw[key];
    if (value === undefined) {
      if (def === undefined) this.fail(key, 'is required', `set ${this.path}.${key} to a duration such as '100ms'`);
      return def ?? min;
    }
    const ms = parseDuration(value);
    if (ms === null || ms < min || ms > max) {
      this.fail(key, `must be a duration from ${min} ms to ${max} ms ('100ms', '2s' or milliseconds), got ${describe(value)}`, `set ${this.path}.${key} to a duration such as '100ms'`);
      return def ?? min;
    }
    return ms;
  }

  /** A size in bytes: a number, or '64MiB', '1GB', '512KiB', '100B'. */
  bytes(key: string, def: number | undefined, min: number, max: number): number {
    const value = this.raw[key];
    if (value === undefined) {
      if (def === undefined) this.fail(key, 'is required', `set ${this.path}.${key} to a size such as '256MiB'`);
      return def ?? min;
    }
    const n = parseBytes(value);
    if (n === null || n < min || n > max) {
      this.fail(key, `must be a size from ${min} to ${max} bytes (a number of bytes or e.g. '256MiB', '1GB'), got ${describe(value)}`, `set ${this.path}.${key} to a size such as '256MiB'`);
      return def ?? min;
    }
    return n;
  }

  /** A rate in bits per second: a number, or tc-style '10mbit', '1gbit', '500kbps' (bps = bytes per second). */
  rate(key: string): number {
    const value = this.raw[key];
    const { min, max } = LIMITS.rateBitsPerSecond;
    const n = value === undefined ? null : parseRate(value);
    if (n === null || n < min || n > max) {
      const got = value === undefined ? 'is required' : `must be a rate from ${min} to ${max} bits per second (e.g. '10mbit', '1gbit', '500kbps'), got ${describe(value)}`;
      this.fail(key, got, `set ${this.path}.${key} to a rate such as '10mbit'`);
      return min;
    }
    return n;
  }

  string(key: string): string | null {
    const value = this.raw[key];
    if (value === undefined) return null;
    if (typeof value !== 'string' || value.length === 0) {
      this.fail(key, `must be a non-empty string, got ${describe(value)}`, `set ${this.path}.${key} to a name or leave it out`);
      return null;
    }
    return value;
  }

  absolutePath(key: string): string | null {
    const value = this.string(key);
    if (value !== null && !value.startsWith('/')) {
      this.fail(key, `must be an absolute path, got '${value}'`, `write ${this.path}.${key} as '/var/lib/...' or leave it out for the role's data volume`);
      return null;
    }
    return value;
  }

  direction(def: NetworkDirection): NetworkDirection {
    const value = this.raw.direction;
    if (value === undefined) return def;
    if (typeof value === 'string' && (DIRECTIONS as readonly string[]).includes(value)) return value as NetworkDirection;
    this.fail('direction', `must be one of ${DIRECTIONS.join(', ')}, got ${describe(value)}`, `set ${this.path}.direction to 'to' (egress), 'from' (ingress) or 'both'`);
    return def;
  }

  roles(key: string): Role[] {
    const value = this.raw[key];
    if (value === undefined) return [];
    if (!Array.isArray(value)) {
      this.fail(key, `must be a list of roles, got ${describe(value)}`, `write ${this.path}.${key} as ['etcd', 'querynode']`);
      return [];
    }
    const seen = new Set<Role>();
    value.forEach((v, i) => {
      if (typeof v !== 'string' || !(ROLES as readonly string[]).includes(v)) {
        this.fail(`${key}[${i}]`, `must be one of ${ROLES.join(', ')}, got ${describe(v)}`, `use one of: ${ROLES.join(', ')}`);
      } else if (seen.has(v as Role)) {
        this.fail(`${key}[${i}]`, `'${v}' is listed twice`, `list each role once`);
      } else {
        seen.add(v as Role);
      }
    });
    return [...seen];
  }
}

const NETWORK_SCOPE_KEYS = ['peers', 'direction'];
const NETEM_PERCENT_KEYS = [...NETWORK_SCOPE_KEYS, 'percent', 'correlation'];

function networkScope(p: ParamReader, kind: FaultKind): FaultParams['network-partition'] {
  const peers = p.roles('peers');
  const direction = p.direction(kind === 'network-partition' ? 'both' : 'to');
  if (kind !== 'network-partition' && direction !== 'to' && peers.length === 0) {
    p.fail('direction', `'${direction}' needs peers: shaping incoming traffic works only between named components`, `list the other side in ${p.path}.peers, or set direction to 'to'`);
  }
  return { peers, direction };
}

function netemPercent(p: ParamReader, kind: FaultKind): FaultParams['network-loss'] {
  p.only(NETEM_PERCENT_KEYS, kind);
  return {
    ...networkScope(p, kind),
    percent: p.number('percent', undefined, 0, 100, { exclusiveMin: true }),
    correlation: p.number('correlation', 0, 0, 100),
  };
}

type ParamParsers = { [K in FaultKind]: (p: ParamReader) => FaultParams[K] };

const PARSERS: ParamParsers = {
  'pod-kill': (p) => (p.only([], 'pod-kill'), {}),
  'pod-failure': (p) => (p.only([], 'pod-failure'), {}),
  pause: (p) => (p.only([], 'pause'), {}),
  'container-kill': (p) => (p.only(['container'], 'container-kill'), { container: p.string('container') }),
  'network-delay': (p) => {
    p.only([...NETWORK_SCOPE_KEYS, 'latency', 'jitter', 'correlation'], 'network-delay');
    return {
      ...networkScope(p, 'network-delay'),
      latency: p.duration('latency', undefined, 1, LIMITS.latencyMs),
      jitter: p.duration('jitter', 0, 0, LIMITS.latencyMs),
      correlation: p.number('correlation', 0, 0, 100),
    };
  },
  'network-loss': (p) => netemPercent(p, 'network-loss'),
  'network-duplicate': (p) => netemPercent(p, 'network-duplicate'),
  'network-corrupt': (p) => netemPercent(p, 'network-corrupt'),
  'network-bandwidth': (p) => {
    p.only([...NETWORK_SCOPE_KEYS, 'rate', 'limit', 'buffer'], 'network-bandwidth');
    const { min, max } = LIMITS.tbfBytes;
    return {
      ...networkScope(p, 'network-bandwidth'),
      rate: p.rate('rate'),
      limit: p.bytes('limit', 20_000, min, max),
      buffer: p.bytes('buffer', 10_000, min, max),
    };
  },
  'network-partition': (p) => (p.only(NETWORK_SCOPE_KEYS, 'network-partition'), networkScope(p, 'network-partition')),
  'stress-cpu': (p) => {
    p.only(['workers', 'load'], 'stress-cpu');
    return { workers: p.number('workers', 1, 1, LIMITS.cpuWorkers, { integer: true }), load: p.number('load', 100, 1, 100, { integer: true }) };
  },
  'stress-memory': (p) => {
    p.only(['workers', 'size'], 'stress-memory');
    const workers = p.number('workers', 1, 1, LIMITS.memoryWorkers, { integer: true });
    const size = p.bytes('size', undefined, 2 ** 20, LIMITS.memoryTotalBytes);
    if (workers * size > LIMITS.memoryTotalBytes) {
      p.fail('size', `${workers} workers × ${size} bytes exceeds the ${LIMITS.memoryTotalBytes} byte bound`, 'lower workers or size (size is per worker)');
    }
    return { workers, size };
  },
  'disk-fill': (p) => (p.only(['path'], 'disk-fill'), { path: p.absolutePath('path') }),
  'disk-latency': (p) => {
    p.only(['delay', 'percent', 'path'], 'disk-latency');
    return {
      delay: p.duration('delay', undefined, 1, LIMITS.diskDelayMs),
      percent: p.number('percent', 100, 1, 100, { integer: true }),
      path: p.absolutePath('path'),
    };
  },
};

export interface FaultDetailsInput {
  kind: FaultKind;
  role: Role;
  /** target.mode as written; undefined when the author left it out. */
  rawMode: unknown;
  rawMember: unknown;
  rawParams: unknown;
  duration: number;
  /** Path of the fault, e.g. 'faults[2]'. */
  path: string;
}

export interface FaultDetails {
  params: FaultParams[FaultKind];
  member: TargetMember | undefined;
  errors: ValidationError[];
}

/** Reads a fault's kind-specific parts (params, etcd member) and checks the rules between them. */
export function readFaultDetails(input: FaultDetailsInput): FaultDetails {
  const { kind, path } = input;
  const errors: ValidationError[] = [];
  let raw: Obj = {};
  if (input.rawParams !== undefined) {
    if (isObject(input.rawParams)) raw = input.rawParams;
    else errors.push({ path: `${path}.params`, message: `must be an object, got ${describe(input.rawParams)}`, fix: `write ${path}.params as { ... }` });
  }
  const reader = new ParamReader(raw, `${path}.params`);
  const params = PARSERS[kind](reader);
  errors.push(...reader.errors);
  const member = readMember(input, errors);
  const mode = input.rawMode;
  if (isObject(mode) && typeof mode.percent === 'number' && !Number.isInteger(mode.percent)) {
    errors.push({ path: `${path}.target.mode.percent`, message: `must be a whole percentage, got ${mode.percent}`, fix: `round ${path}.target.mode.percent to an integer from 1 to 100` });
  }
  if (kind !== 'pod-kill' && input.duration < 1000) {
    errors.push({ path: `${path}.duration`, message: `${kind} must hold for at least 1s, got ${input.duration} ms`, fix: `set ${path}.duration to e.g. '30s'` });
  }
  return { params, member, errors };
}

function readMember(input: FaultDetailsInput, errors: ValidationError[]): TargetMember | undefined {
  const { rawMember, role, path } = input;
  if (rawMember === undefined) return undefined;
  const p = `${path}.target.member`;
  if (typeof rawMember !== 'string' || !(TARGET_MEMBERS as readonly string[]).includes(rawMember)) {
    errors.push({ path: p, message: `must be one of ${TARGET_MEMBERS.join(', ')}, got ${describe(rawMember)}`, fix: `set ${p} to 'leader' or 'quorum' (etcd) or 'active' (coordinator)` });
    return undefined;
  }
  if (rawMember === 'active' ? role !== 'coordinator' : role !== 'etcd') {
    const owner = rawMember === 'active' ? 'coordinator' : 'etcd';
    errors.push({ path: p, message: `'${rawMember}' only applies to role '${owner}', not '${role}'`, fix: `remove ${p} or set ${path}.target.role to '${owner}'` });
    return undefined;
  }
  if (rawMember !== 'any' && input.rawMode !== undefined) {
    errors.push({ path: `${path}.target.mode`, message: `cannot be combined with member '${rawMember}', which chooses the members itself`, fix: `remove ${path}.target.mode or set ${p} to 'any'` });
  }
  return rawMember as TargetMember;
}

/** Puts a fault together once its parts were read; the kind and params were checked to match. */
export function assembleFault(base: { name: string; target: FaultTarget; at: number; duration: number }, kind: FaultKind, params: FaultParams[FaultKind]): FaultSpec {
  return { ...base, kind, params } as FaultSpec;
}

/** Rules between faults and the stack they run against: every targeted component must exist. */
export function faultStackErrors(faults: readonly FaultSpec[], stack: StackSpec): ValidationError[] {
  const errors: ValidationError[] = [];
  const present = rolesIn(stack);
  faults.forEach((fault, i) => {
    const path = `faults[${i}]`;
    const role = fault.target.role;
    if (!present.has(role)) errors.push({ path: `${path}.target.role`, ...missingRole(role, stack, present) });
    errors.push(...coordinatorTargetErrors(fault, stack, path));
    if (isNetworkKind(fault.kind)) {
      const peers = (fault.params as FaultParams['network-partition']).peers;
      peers.forEach((peer, j) => {
        if (!present.has(peer)) errors.push({ path: `${path}.params.peers[${j}]`, ...missingRole(peer, stack, present) });
      });
    }
  });
  return errors;
}

/** A coordinator role must exist in the stack's version, and 'active' must say which role's active instance. */
function coordinatorTargetErrors(fault: FaultSpec, stack: StackSpec, path: string): ValidationError[] {
  const { coordinator, member, role } = fault.target;
  if (role !== 'coordinator') return [];
  if (coordinator === 'indexcoord' && !/^2\.[0-2]\./.test(stack.milvusVersion)) {
    return [{ path: `${path}.target.coordinator`, message: `Milvus ${stack.milvusVersion} has no index coordinator (2.3 folded it into the data coordinator)`, fix: "target 'datacoord', or a 2.2 server" }];
  }
  const several = stack.coordinators === 'separate' || stack.coordinators === 'active-standby';
  if (member === 'active' && several && !coordinator) {
    return [{ path: `${path}.target.coordinator`, message: `is required with member 'active' when coordinators are '${stack.coordinators}': each coordinator role elects its own active instance`, fix: `set ${path}.target.coordinator to 'rootcoord', 'datacoord' or 'querycoord'` }];
  }
  return [];
}

/**
 * Fault windows are paired by name (injected, healed), so a name used twice would pair one fault's
 * injection with another's heal. Names default to '<kind>-<role>', so two alike faults need names.
 */
export function duplicateFaultNames(faults: readonly FaultSpec[]): ValidationError[] {
  const first = new Map<string, number>();
  const errors: ValidationError[] = [];
  faults.forEach((fault, i) => {
    const earlier = first.get(fault.name);
    if (earlier === undefined) {
      first.set(fault.name, i);
      return;
    }
    errors.push({
      path: `faults[${i}].name`,
      message: `'${fault.name}' is also the name of faults[${earlier}]; fault windows are paired by name, so each must be unique`,
      fix: `give faults[${earlier}] and faults[${i}] their own names, e.g. name: '${fault.name}-${i}'`,
    });
  });
  return errors;
}

function missingRole(role: Role, stack: StackSpec, present: Set<Role>): Omit<ValidationError, 'path'> {
  const others = `or target one of: ${[...present].join(', ')}`;
  if (role === 'mq') return { message: `'mq' does not exist: rocksmq runs inside Milvus`, fix: `set stack.messageQueue to 'kafka' or 'pulsar', ${others}` };
  if ((PULSAR_ROLES as readonly Role[]).includes(role)) return { message: `'${role}' does not exist: stack.messageQueue is '${stack.messageQueue}'`, fix: `set stack.messageQueue to 'pulsar', ${others}` };
  if (role === 'minio') return { message: `'minio' does not exist: stack.objectStore is 'local'`, fix: `set stack.objectStore to 'minio', ${others}` };
  return { message: `'${role}' does not exist in a ${stack.topology} stack`, fix: `set stack.topology to '${stack.topology === 'cluster' ? 'standalone' : 'cluster'}', ${others}` };
}

/** Pulsar's parts, each a fault target of its own; 'mq' names the broker. */
export const PULSAR_ROLES = ['pulsar-broker', 'pulsar-bookie', 'pulsar-zookeeper'] as const satisfies readonly Role[];

/** The roles that run as their own component in a stack. */
export function rolesIn(stack: StackSpec): Set<Role> {
  const roles = new Set<Role>(stack.topology === 'cluster' ? ['proxy', 'querynode', 'datanode', 'indexnode', 'coordinator'] : ['standalone']);
  roles.add('etcd');
  if (stack.messageQueue !== 'rocksmq') roles.add('mq');
  // Pulsar's parts run as their own pods on Kubernetes whatever Milvus's topology.
  if (stack.messageQueue === 'pulsar') for (const r of PULSAR_ROLES) roles.add(r);
  if (stack.objectStore === 'minio') roles.add('minio');
  return roles;
}

const BYTE_UNITS: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30 };

export function parseBytes(value: unknown): number | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : null;
  if (typeof value !== 'string') return null;
  const match = /^(\d+(?:\.\d+)?)\s*([kmg]i?b|b)$/i.exec(value.trim());
  if (!match) return null;
  return Math.round(Number(match[1]) * BYTE_UNITS[match[2]!.toLowerCase()]!);
}

/** tc's units: kbit = 1000 bit/s; bps = bytes per second. */
const RATE_UNITS: Record<string, number> = { bit: 1, kbit: 1e3, mbit: 1e6, gbit: 1e9, bps: 8, kbps: 8e3, mbps: 8e6, gbps: 8e9 };

export function parseRate(value: unknown): number | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value > 0 ? value : null;
  if (typeof value !== 'string') return null;
  const match = /^(\d+(?:\.\d+)?)\s*([kmg]?(?:bit|bps))$/i.exec(value.trim());
  if (!match) return null;
  return Math.round(Number(match[1]) * RATE_UNITS[match[2]!.toLowerCase()]!);
}


