import type {
  CollectionSpec,
  DatasetSpec,
  FaultSpec,
  LoadWriteSpec,
  Scenario,
  SloSpec,
  StackSpec,
  TargetMode,
  WorkloadSpec,
} from '../core/types.ts';
import { parseDuration } from './duration.ts';
import { describe } from './values.ts';
import { IMAGE_COMPONENTS, ROLES } from '../core/types.ts';
import { sdkForServer, supportedServerLines } from '../core/sdk-versions.ts';
import { FAULT_KINDS, assembleFault, faultStackErrors, readFaultDetails } from '../faults/spec.ts';
import { loadWriteProblems } from './load-writes.ts';

import type { ValidationError } from '../core/types.ts';
export type { ValidationError };

export type ValidationResult = { ok: true; scenario: Scenario } | { ok: false; errors: ValidationError[] };

type Obj = Record<string, unknown>;

const METRICS = ['L2', 'IP', 'COSINE'] as const;
const CONSISTENCY = ['Strong', 'Bounded', 'Session', 'Eventually'] as const;
const TOPOLOGIES = ['standalone', 'cluster'] as const;
const QUEUES = ['rocksmq', 'kafka', 'pulsar'] as const;
const STORES = ['minio', 'local'] as const;
const INDEX_TYPES = ['HNSW', 'IVF_FLAT', 'FLAT'] as const;
const SCALARS = ['tenant', 'category', 'ts', 'num'] as const;
const PHASES = ['steady', 'fault', 'recovered'] as const;
const SLO_KINDS = ['recall', 'latency', 'errorRate', 'recoveryTime', 'durability'] as const;
const LOAD_WRITE_OPS = ['insert', 'upsert', 'delete'] as const;

/** Reads fields with defaults and collects every problem instead of stopping at the first. */
class Reader {
  readonly errors: ValidationError[] = [];

  fail(path: string, message: string, fix: string): void {
    this.errors.push({ path, message, fix });
  }

  object(value: unknown, path: string): Obj {
    if (value === undefined) return {};
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      this.fail(path, `must be an object, got ${describe(value)}`, `write ${path} as { ... } or leave it out for defaults`);
      return {};
    }
    return value as Obj;
  }

  unknownKeys(obj: Obj, path: string, known: readonly string[]): void {
    for (const key of Object.keys(obj)) {
      if (!known.includes(key)) {
        const hint = closest(key, known);
        this.fail(join(path, key), 'is not a known field', hint ? `did you mean '${hint}'?` : `remove it; known fields: ${known.join(', ')}`);
      }
    }
  }

  int(obj: Obj, key: string, path: string, def: number | undefined, min: number, max = Number.MAX_SAFE_INTEGER): number {
    const p = join(path, key);
    const value = obj[key];
    if (value === undefined) {
      if (def === undefined) this.fail(p, 'is required', `set ${p} to an integer between ${min} and ${max}`);
      return def ?? min;
    }
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.fail(p, `must be an integer between ${min} and ${max}, got ${describe(value)}`, `set ${p} to an integer between ${min} and ${max}`);
      return def ?? min;
    }
    return value;
  }

  num(obj: Obj, key: string, path: string, def: number | undefined): number {
    const p = join(path, key);
    const value = obj[key];
    if (value === undefined) {
      if (def === undefined) this.fail(p, 'is required', `set ${p} to a number`);
      return def ?? 0;
    }
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      this.fail(p, `must be a number, got ${describe(value)}`, `set ${p} to a number`);
      return def ?? 0;
    }
    return value;
  }

  str(obj: Obj, key: string, path: string, def: string | undefined): string {
    const p = join(path, key);
    const value = obj[key];
    if (value === undefined) {
      if (def === undefined) this.fail(p, 'is required', `set ${p} to a non-empty string`);
      return def ?? '';
    }
    if (typeof value !== 'string' || value.length === 0) {
      this.fail(p, `must be a non-empty string, got ${describe(value)}`, `set ${p} to a non-empty string`);
      return def ?? '';
    }
    return value;
  }

  oneOf<T extends string>(obj: Obj, key: string, path: string, options: readonly T[], def: T | undefined): T {
    const p = join(path, key);
    const value = obj[key];
    if (value === undefined) {
      if (def === undefined) this.fail(p, 'is required', `set ${p} to one of: ${options.join(', ')}`);
      return def ?? options[0]!;
    }
    if (typeof value !== 'string' || !options.includes(value as T)) {
      const hint = typeof value === 'string' ? closest(value, options) : undefined;
      this.fail(p, `must be one of ${options.join(', ')}, got ${describe(value)}`, hint ? `did you mean '${hint}'?` : `set ${p} to one of: ${options.join(', ')}`);
      return def ?? options[0]!;
    }
    return value as T;
  }

  duration(obj: Obj, key: string, path: string, def: number | undefined, minMs = 0): number {
    const p = join(path, key);
    const value = obj[key];
    if (value === undefined) {
      if (def === undefined) this.fail(p, 'is required', `set ${p} to a duration such as '30s' or '2m'`);
      return def ?? 0;
    }
    const ms = parseDuration(value);
    if (ms === null || ms < minMs) {
      const least = minMs > 0 ? ` of at least ${minMs} ms` : '';
      this.fail(p, `must be a duration${least} ('500ms', '30s', '2m', '1h' or milliseconds), got ${describe(value)}`, `set ${p} to a duration such as '30s'`);
      return def ?? minMs;
    }
    return ms;
  }

  array(value: unknown, path: string): unknown[] {
    if (value === undefined) return [];
    if (!Array.isArray(value)) {
      this.fail(path, `must be a list, got ${describe(value)}`, `write ${path} as [ ... ]`);
      return [];
    }
    return value;
  }
}

export function validateScenario(input: unknown): ValidationResult {
  const r = new Reader();
  const root = r.object(input, 'scenario');
  r.unknownKeys(root, '', ['name', 'description', 'seed', 'stack', 'collection', 'dataset', 'workload', 'phases', 'faults', 'recovery', 'slos']);

  const name = r.str(root, 'name', '', undefined);
  const description = typeof root.description === 'string' ? root.description : '';
  const seed = r.int(root, 'seed', '', 1, 0, 2 ** 32 - 1);
  const stack = readStack(r, r.object(root.stack, 'stack'));
  const dataset = readDataset(r, r.object(root.dataset, 'dataset'));
  const collection = readCollection(r, r.object(root.collection, 'collection'), name);
  const workload = readWorkload(r, r.object(root.workload, 'workload'));
  const phasesObj = r.object(root.phases, 'phases');
  r.unknownKeys(phasesObj, 'phases', PHASES);
  const phases = {
    steady: r.duration(phasesObj, 'steady', 'phases', 30_000, 1000),
    fault: r.duration(phasesObj, 'fault', 'phases', 30_000, 0),
    recovered: r.duration(phasesObj, 'recovered', 'phases', 30_000, 1000),
  };
  const faults = r.array(root.faults, 'faults').map((f, i) => readFault(r, f, `faults[${i}]`, phases.fault));
  const recoveryObj = r.object(root.recovery, 'recovery');
  r.unknownKeys(recoveryObj, 'recovery', ['window']);
  const recovery = { window: r.duration(recoveryObj, 'window', 'recovery', 10_000, 100) };
  const slos = r.array(root.slos, 'slos').map((s, i) => readSlo(r, s, `slos[${i}]`));

  crossChecks(r, { collection, dataset, workload, faults, slos, phases, recovery, stack });

  if (r.errors.length > 0) return { ok: false, errors: r.errors };
  return {
    ok: true,
    scenario: { name, description, seed, stack, collection, dataset, workload, phases, faults, recovery, slos },
  };
}

function readStack(r: Reader, o: Obj): StackSpec {
  r.unknownKeys(o, 'stack', ['milvusVersion', 'topology', 'etcd', 'messageQueue', 'objectStore', 'images']);
  const etcd = r.object(o.etcd, 'stack.etcd');
  r.unknownKeys(etcd, 'stack.etcd', ['members']);
  return {
    milvusVersion: readMilvusVersion(r, o),
    topology: r.oneOf(o, 'topology', 'stack', TOPOLOGIES, 'standalone'),
    etcd: { members: r.int(etcd, 'members', 'stack.etcd', 1, 1, 7) },
    messageQueue: r.oneOf(o, 'messageQueue', 'stack', QUEUES, 'rocksmq'),
    objectStore: r.oneOf(o, 'objectStore', 'stack', STORES, 'minio'),
    images: readImages(r, r.object(o.images, 'stack.images')),
  };
}

function readMilvusVersion(r: Reader, o: Obj): string {
  const version = r.str(o, 'milvusVersion', 'stack', '2.3.5');
  if (!sdkForServer(version)) {
    r.fail('stack.milvusVersion', `no Node SDK is known to serve Milvus '${version}'`, `use a server version of ${supportedServerLines().join(', ')} (the table in src/core/sdk-versions.ts)`);
  }
  return version;
}

function readImages(r: Reader, o: Obj): NonNullable<StackSpec['images']> {
  r.unknownKeys(o, 'stack.images', IMAGE_COMPONENTS);
  const images: NonNullable<StackSpec['images']> = {};
  for (const component of IMAGE_COMPONENTS) {
    if (o[component] === undefined) continue;
    const ref = r.str(o, component, 'stack.images', undefined);
    if (!/^[a-z0-9][\w./:@-]*$/i.test(ref)) r.fail(`stack.images.${component}`, `'${ref}' is not an image reference`, "write it as registry/name:tag, e.g. 'milvusdb/milvus:v2.5.4'");
    else images[component] = ref;
  }
  return images;
}

function readDataset(r: Reader, o: Obj): DatasetSpec {
  r.unknownKeys(o, 'dataset', ['profile', 'dim', 'metric', 'rows', 'batchSize', 'queries']);
  return {
    profile: r.str(o, 'profile', 'dataset', 'sift-128'),
    dim: r.int(o, 'dim', 'dataset', 128, 2, 32_768),
    metric: r.oneOf(o, 'metric', 'dataset', METRICS, 'L2'),
    rows: r.int(o, 'rows', 'dataset', 50_000, 1, 2 ** 40),
    // The Node SDK 2.3 copies the whole vector column once per row it encodes, so the cost of a
    // batch grows with its square; 1,000 rows keeps encoding well under the server's time.
    batchSize: r.int(o, 'batchSize', 'dataset', 1_000, 1, 100_000),
    queries: r.int(o, 'queries', 'dataset', 200, 1, 100_000),
  };
}

function readCollection(r: Reader, o: Obj, scenarioName: string): CollectionSpec {
  const path = 'collection';
  r.unknownKeys(o, path, ['name', 'shards', 'partitionKey', 'scalarFields', 'index', 'consistency']);
  const scalarFields = r.array(o.scalarFields ?? ['tenant', 'category'], `${path}.scalarFields`).map((v, i) => {
    if (typeof v !== 'string' || !(SCALARS as readonly string[]).includes(v)) {
      r.fail(`${path}.scalarFields[${i}]`, `must be one of ${SCALARS.join(', ')}, got ${describe(v)}`, `use one of: ${SCALARS.join(', ')}`);
      return 'tenant' as const;
    }
    return v as CollectionSpec['scalarFields'][number];
  });
  let partitionKey: CollectionSpec['partitionKey'] = null;
  if (o.partitionKey !== null && o.partitionKey !== undefined) {
    const pk = r.object(o.partitionKey, `${path}.partitionKey`);
    r.unknownKeys(pk, `${path}.partitionKey`, ['field', 'partitions']);
    partitionKey = {
      field: r.oneOf(pk, 'field', `${path}.partitionKey`, SCALARS, undefined),
      partitions: r.int(pk, 'partitions', `${path}.partitionKey`, 16, 1, 4096),
    };
  }
  const idx = r.object(o.index, `${path}.index`);
  r.unknownKeys(idx, `${path}.index`, ['type', 'params', 'searchParams']);
  const type = r.oneOf(idx, 'type', `${path}.index`, INDEX_TYPES, 'HNSW');
  const defaults = INDEX_DEFAULTS[type];
  const index = {
    type,
    params: readNumberMap(r, idx.params, `${path}.index.params`) ?? defaults.params,
    searchParams: readNumberMap(r, idx.searchParams, `${path}.index.searchParams`) ?? defaults.searchParams,
  };
  return {
    name: r.str(o, 'name', path, `drill_${scenarioName.replace(/[^A-Za-z0-9_]/g, '_')}`),
    shards: r.int(o, 'shards', path, 2, 1, 64),
    partitionKey,
    scalarFields,
    index,
    consistency: r.oneOf(o, 'consistency', path, CONSISTENCY, 'Bounded'),
  };
}

const INDEX_DEFAULTS: Record<(typeof INDEX_TYPES)[number], { params: Record<string, number>; searchParams: Record<string, number> }> = {
  HNSW: { params: { M: 16, efConstruction: 200 }, searchParams: { ef: 64 } },
  IVF_FLAT: { params: { nlist: 128 }, searchParams: { nprobe: 16 } },
  FLAT: { params: {}, searchParams: {} },
};

function readNumberMap(r: Reader, value: unknown, path: string): Record<string, number> | undefined {
  if (value === undefined) return undefined;
  const o = r.object(value, path);
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(o)) {
    if (typeof v !== 'number' || !Number.isFinite(v)) r.fail(`${path}.${k}`, `must be a number, got ${describe(v)}`, `set ${path}.${k} to a number`);
    else out[k] = v;
  }
  return out;
}

function readWorkload(r: Reader, o: Obj): WorkloadSpec {
  r.unknownKeys(o, 'workload', ['search', 'churn', 'load']);
  const s = r.object(o.search, 'workload.search');
  const path = 'workload.search';
  r.unknownKeys(s, path, ['every', 'concurrency', 'topK', 'timeout', 'filtered']);
  return {
    search: {
      every: r.duration(s, 'every', path, 100, 1),
      concurrency: r.int(s, 'concurrency', path, 2, 1, 64),
      topK: r.int(s, 'topK', path, 10, 1, 16_384),
      timeout: r.duration(s, 'timeout', path, 5_000, 10),
      filtered: readFiltered(r, s.filtered, `${path}.filtered`),
    },
    churn: o.churn === undefined || o.churn === null ? null : readChurn(r, r.object(o.churn, 'workload.churn')),
    load: o.load === undefined || o.load === null ? null : readLoad(r, r.object(o.load, 'workload.load')),
  };
}

function readFiltered(r: Reader, value: unknown, path: string): WorkloadSpec['search']['filtered'] {
  const o = r.object(value, path);
  r.unknownKeys(o, path, ['share', 'categories']);
  const share = r.num(o, 'share', path, 0);
  if (share < 0 || share > 1) r.fail(`${path}.share`, `must be between 0 and 1, got ${share}`, 'write e.g. 0.25 for a quarter of the probes');
  const categories = r.array(o.categories ?? [0, 1, 2], `${path}.categories`).map((c, i) => {
    if (typeof c !== 'number' || !Number.isInteger(c) || c < 0 || c > 9) {
      r.fail(`${path}.categories[${i}]`, `must be a category from 0 to 9, got ${describe(c)}`, 'use 0 (50% of rows), 1 (10%) or 2 (1%)');
      return 0;
    }
    return c;
  });
  return { share, categories };
}

function readChurn(r: Reader, o: Obj): NonNullable<WorkloadSpec['churn']> {
  const path = 'workload.churn';
  r.unknownKeys(o, path, ['deletesPerSecond', 'upsertsPerSecond']);
  const rate = (key: string): number => {
    const v = r.num(o, key, path, 0);
    if (v < 0 || v > 10_000) r.fail(`${path}.${key}`, `must be between 0 and 10000, got ${v}`, `set ${path}.${key} to a rate per second`);
    return v;
  };
  return { deletesPerSecond: rate('deletesPerSecond'), upsertsPerSecond: rate('upsertsPerSecond') };
}

function readLoad(r: Reader, o: Obj): NonNullable<WorkloadSpec['load']> {
  const path = 'workload.load';
  r.unknownKeys(o, path, ['rate', 'stages', 'maxVUs', 'timeout', 'writes']);
  const stages = r.array(o.stages, `${path}.stages`).map((v, i) => {
    const st = r.object(v, `${path}.stages[${i}]`);
    r.unknownKeys(st, `${path}.stages[${i}]`, ['target', 'duration']);
    return { target: r.int(st, 'target', `${path}.stages[${i}]`, undefined, 0, 100_000), duration: r.duration(st, 'duration', `${path}.stages[${i}]`, undefined, 1000) };
  });
  const writes = r.array(o.writes, `${path}.writes`).map((v, i) => readLoadWrite(r, r.object(v, `${path}.writes[${i}]`), `${path}.writes[${i}]`));
  const rate = r.int(o, 'rate', path, stages.length > 0 || writes.length > 0 ? 0 : undefined, 0, 100_000);
  if (rate === 0 && stages.length === 0 && writes.length === 0) {
    r.fail(`${path}.rate`, 'is 0, with no stages and no writes: the load drives nothing', `set ${path}.rate to searches per second, or remove ${path}`);
  }
  return { rate, stages, maxVUs: r.int(o, 'maxVUs', path, 32, 1, 1000), timeout: r.duration(o, 'timeout', path, 5_000, 10), writes };
}

function readLoadWrite(r: Reader, o: Obj, path: string): LoadWriteSpec {
  r.unknownKeys(o, path, ['op', 'rate', 'batchSize']);
  const rate = r.num(o, 'rate', path, undefined);
  if (rate <= 0 || rate > 1000) r.fail(`${path}.rate`, `must be between 0 (exclusive) and 1000 batches per second, got ${rate}`, `set ${path}.rate to batches per second, e.g. 2`);
  return { op: r.oneOf(o, 'op', path, LOAD_WRITE_OPS, undefined), rate, batchSize: r.int(o, 'batchSize', path, undefined, 1, 10_000) };
}

function readFault(r: Reader, value: unknown, path: string, faultPhaseMs: number): FaultSpec {
  const o = r.object(value, path);
  r.unknownKeys(o, path, ['name', 'kind', 'target', 'at', 'duration', 'params']);
  const kind = r.oneOf(o, 'kind', path, FAULT_KINDS, undefined);
  const target = r.object(o.target, `${path}.target`);
  if (o.target === undefined) r.fail(`${path}.target`, 'is required', `set ${path}.target to { role: 'standalone' }`);
  r.unknownKeys(target, `${path}.target`, ['role', 'mode', 'member']);
  const role = r.oneOf(target, 'role', `${path}.target`, ROLES, undefined);
  const mode = readMode(r, target.mode, `${path}.target.mode`);
  const at = r.duration(o, 'at', path, 0);
  const duration = r.duration(o, 'duration', path, undefined, 0);
  if (at + duration > faultPhaseMs) {
    r.fail(`${path}.duration`, `the fault runs until ${at + duration} ms but the fault phase lasts ${faultPhaseMs} ms`, 'shorten the fault (at + duration) or lengthen phases.fault');
  }
  // With an unknown kind there is no telling which params are right: report the kind alone.
  const rawParams = (FAULT_KINDS as readonly unknown[]).includes(o.kind) ? o.params : undefined;
  const details = readFaultDetails({ kind, role, rawMode: target.mode, rawMember: target.member, rawParams, duration, path });
  r.errors.push(...details.errors);
  const name = typeof o.name === 'string' ? o.name : `${kind}-${role}`;
  const faultTarget = details.member === undefined ? { role, mode } : { role, mode, member: details.member };
  return assembleFault({ name, target: faultTarget, at, duration }, kind, details.params);
}

function readMode(r: Reader, value: unknown, path: string): TargetMode {
  if (value === undefined || value === 'one' || value === 'all') return value ?? 'one';
  if (value && typeof value === 'object') {
    const o = value as Obj;
    if (typeof o.count === 'number' && Number.isInteger(o.count) && o.count >= 1) return { count: o.count };
    if (typeof o.percent === 'number' && o.percent > 0 && o.percent <= 100) return { percent: o.percent };
  }
  r.fail(path, `must be 'one', 'all', { count: N } or { percent: P }, got ${describe(value)}`, `set ${path} to 'one'`);
  return 'one';
}

function readSlo(r: Reader, value: unknown, path: string): SloSpec {
  const o = r.object(value, path);
  r.unknownKeys(o, path, ['name', 'kind', 'phase', 'percentile', 'op', 'threshold', 'abortOnBreach']);
  const kind = r.oneOf(o, 'kind', path, SLO_KINDS, undefined);
  const needsPhase = kind === 'recall' || kind === 'latency' || kind === 'errorRate';
  const phase = needsPhase ? r.oneOf(o, 'phase', path, PHASES, undefined) : null;
  const percentile = kind === 'latency' ? r.num(o, 'percentile', path, 99) : undefined;
  if (percentile !== undefined && (percentile <= 0 || percentile >= 100)) {
    r.fail(`${path}.percentile`, `must be between 0 and 100 exclusive, got ${percentile}`, 'use e.g. 99 for p99');
  }
  const defaultOp = kind === 'recall' ? '>=' : '<=';
  const op = r.oneOf(o, 'op', path, ['<=', '>='] as const, defaultOp);
  const threshold = r.num(o, 'threshold', path, kind === 'durability' ? 0 : undefined);
  if (kind === 'recall' && (threshold < 0 || threshold > 1)) {
    r.fail(`${path}.threshold`, `recall is a fraction between 0 and 1, got ${threshold}`, 'write e.g. 0.95 for 95%');
  }
  const label = kind === 'latency' ? `p${percentile} latency` : kind;
  const name = typeof o.name === 'string' ? o.name : phase ? `${phase} ${label}` : label;
  if (o.abortOnBreach !== undefined && typeof o.abortOnBreach !== 'boolean') {
    r.fail(`${path}.abortOnBreach`, `must be true or false, got ${describe(o.abortOnBreach)}`, 'write abortOnBreach: true to stop the run when this SLO is missed');
  }
  const slo: SloSpec = { name, kind, phase, op, threshold, abortOnBreach: o.abortOnBreach === true };
  if (percentile !== undefined) slo.percentile = percentile;
  return slo;
}

function crossChecks(
  r: Reader,
  s: Pick<Scenario, 'collection' | 'dataset' | 'workload' | 'faults' | 'slos' | 'phases' | 'recovery' | 'stack'>,
): void {
  const pk = s.collection.partitionKey;
  if (pk && !s.collection.scalarFields.includes(pk.field)) {
    r.fail('collection.partitionKey.field', `'${pk.field}' is not among collection.scalarFields`, `add '${pk.field}' to collection.scalarFields`);
  }
  if (s.workload.search.topK > s.dataset.rows) {
    r.fail('workload.search.topK', `asks for ${s.workload.search.topK} results from ${s.dataset.rows} rows`, 'lower topK or raise dataset.rows');
  }
  if (s.faults.length > 0 && s.phases.fault === 0) {
    r.fail('phases.fault', 'is 0 but faults are declared', 'give the fault phase a duration');
  }
  if (s.recovery.window > s.phases.recovered) {
    r.fail('recovery.window', `(${s.recovery.window} ms) is longer than phases.recovered (${s.phases.recovered} ms), so recovery could never be measured`, 'shorten recovery.window or lengthen phases.recovered');
  }
  const names = new Set<string>();
  s.slos.forEach((slo, i) => {
    if (names.has(slo.name)) r.fail(`slos[${i}].name`, `'${slo.name}' is used twice`, 'give each SLO its own name');
    names.add(slo.name);
    if (slo.kind === 'recoveryTime' && s.faults.length === 0) {
      r.fail(`slos[${i}]`, 'a recoveryTime SLO needs at least one fault', 'declare a fault or remove this SLO');
    }
  });
  r.errors.push(...faultStackErrors(s.faults, s.stack));
  const load = s.workload.load;
  if (load && load.writes.length > 0) {
    const durationMs = s.phases.steady + s.phases.fault + s.phases.recovered;
    r.errors.push(...loadWriteProblems({ rows: s.dataset.rows, dim: s.dataset.dim, writes: load.writes, timeout: load.timeout, durationMs }));
  }
  if (s.stack.topology === 'cluster' && s.stack.messageQueue === 'rocksmq') {
    r.fail('stack.messageQueue', 'rocksmq cannot serve a cluster (Milvus needs a shared message queue)', "set stack.messageQueue to 'kafka' or 'pulsar'");
  }
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}


/** The known name within edit distance 2, for "did you mean" hints. */
function closest(word: string, options: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const option of options) {
    const d = editDistance(word.toLowerCase(), option.toLowerCase());
    if (d < bestDistance) {
      best = option;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}
