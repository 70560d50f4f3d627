import type { ConsistencyLevel, Metric, Millis, PhaseName } from '../../core/types.ts';

/** Open-model arrivals: iterations start on schedule whether or not earlier ones finished. */
export type ArrivalSpec =
  | { kind: 'constant'; rate: number; duration: Millis }
  | { kind: 'ramping'; startRate: number; stages: readonly { target: number; duration: Millis }[] };

/** k6 starts preAllocated VUs up front and adds more, up to max, when calls pile up. */
export interface VuSpec {
  preAllocated: number;
  max: number;
}

export type WriteOp = 'insert' | 'upsert' | 'delete' | 'query';

/** A stream of batched writes (or id lookups for 'query') at a set rate. */
export interface WriteStreamSpec {
  op: WriteOp;
  /** Batches per second. */
  rate: number;
  /** From the start of the k6 run. */
  startAfter: Millis;
  duration: Millis;
  /** A JSON list of K6Batch: iteration n sends batch n. */
  batchesFile: string;
  vus: VuSpec;
}

/** One batch of a write stream, as the runner writes it for the k6 script. */
export interface K6Batch {
  ids: number[];
  /** Inserts and upserts: every other field of the rows, one value per id. */
  columns?: { name: string; type: 'Int64' | 'Double'; values: number[] }[];
  /** Inserts and upserts: the rows' vectors, row-major, `dim` floats per id. */
  vectors?: number[];
  /** The version each row is written at, for the history (durability and truth read it). */
  versions?: number[];
}

export interface PhaseStart {
  name: PhaseName;
  /** Unix time in ms; an op belongs to the last phase started at or before it began. */
  startsAtMs: number;
}

export interface K6WorkloadSpec {
  collection: string;
  /** Int64 primary key field (autoID off), and the float vector field. */
  idField: string;
  vectorField: string;
  dim: number;
  metric: Metric;
  topK: number;
  /** Index search parameters, e.g. { ef: 64 } for HNSW. */
  searchParams: Record<string, number>;
  /** null: the collection's own consistency level. */
  consistency: ConsistencyLevel | null;
  search: { arrival: ArrivalSpec; vus: VuSpec } | null;
  writes: readonly WriteStreamSpec[];
  /** A call slower than this is abandoned and recorded as outcome 'unknown'. */
  timeout: Millis;
  /** fbin file (int32 count, int32 dim, float32 rows) of the query vectors. */
  queryVectorsFile: string;
  /** Empty: every op is in phase 'steady'. */
  phases: readonly PhaseStart[];
  /** Keep returned ids and scores of every search (for recall checks); costs output size. */
  recordSearchResults: boolean;
}

const positive = (n: number): boolean => Number.isFinite(n) && n > 0;
const positiveInt = (n: number): boolean => Number.isInteger(n) && n > 0;

function vuProblems(vus: VuSpec, path: string): string[] {
  const out: string[] = [];
  if (!positiveInt(vus.preAllocated)) out.push(`${path}.preAllocated must be a positive integer, got ${vus.preAllocated}`);
  if (!positiveInt(vus.max) || vus.max < vus.preAllocated) {
    out.push(`${path}.max must be an integer >= preAllocated (${vus.preAllocated}), got ${vus.max}`);
  }
  return out;
}

function arrivalProblems(a: ArrivalSpec, path: string): string[] {
  if (a.kind === 'constant') {
    return [
      ...(positive(a.rate) ? [] : [`${path}.rate must be > 0 per second, got ${a.rate}`]),
      ...(positiveInt(a.duration) ? [] : [`${path}.duration must be a positive whole number of ms, got ${a.duration}`]),
    ];
  }
  const out: string[] = [];
  if (!(Number.isFinite(a.startRate) && a.startRate >= 0)) out.push(`${path}.startRate must be >= 0 per second, got ${a.startRate}`);
  if (a.stages.length === 0) out.push(`${path}.stages must list at least one { target, duration }`);
  a.stages.forEach((s, i) => {
    if (!(Number.isFinite(s.target) && s.target >= 0)) out.push(`${path}.stages[${i}].target must be >= 0 per second, got ${s.target}`);
    if (!positiveInt(s.duration)) out.push(`${path}.stages[${i}].duration must be a positive whole number of ms, got ${s.duration}`);
  });
  return out;
}

function writeProblems(w: WriteStreamSpec, path: string): string[] {
  const out: string[] = [];
  if (!positive(w.rate)) out.push(`${path}.rate must be > 0 batches per second, got ${w.rate}`);
  if (!positiveInt(w.duration)) out.push(`${path}.duration must be a positive whole number of ms, got ${w.duration}`);
  if (!(Number.isInteger(w.startAfter) && w.startAfter >= 0)) out.push(`${path}.startAfter must be a whole number of ms >= 0, got ${w.startAfter}`);
  if (w.batchesFile === '') out.push(`${path}.batchesFile must name the stream's batches file`);
  return [...out, ...vuProblems(w.vus, `${path}.vus`)];
}

/** Every problem with the spec, each naming its field; empty when it is valid. */
export function k6SpecProblems(spec: K6WorkloadSpec): string[] {
  const out: string[] = [];
  if (!positiveInt(spec.dim)) out.push(`dim must be a positive integer, got ${spec.dim}`);
  if (!positiveInt(spec.topK)) out.push(`topK must be a positive integer, got ${spec.topK}`);
  if (!positiveInt(spec.timeout)) out.push(`timeout must be a positive whole number of ms, got ${spec.timeout}`);
  if (spec.collection === '') out.push('collection must name a collection');
  if (spec.search === null && spec.writes.length === 0) out.push('search is null and writes is empty: nothing to drive');
  if (spec.search) out.push(...arrivalProblems(spec.search.arrival, 'search.arrival'), ...vuProblems(spec.search.vus, 'search.vus'));
  spec.writes.forEach((w, i) => out.push(...writeProblems(w, `writes[${i}]`)));
  return out;
}
