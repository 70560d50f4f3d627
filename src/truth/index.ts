import type { Metric } from '../core/types.ts';
import { readBinHeader, type Dataset } from '../dataset/index.ts';
import { WorkerPool, mergeCandidates, type TaskWithTransfer } from './engine.ts';
import { generatorBounds } from './bounds.ts';
import type { Candidates, ClusterBounds } from './kernel.ts';
import type { ScanSetup } from './protocol.ts';
import { freemem } from 'node:os';
import { largerIsNearer, type TopK } from './reference.ts';
import { buildPartition, partitionBounds, type Partition } from './partition.ts';
import { openFbinReader, type RowSourceSpec } from './rows.ts';
import { knnModule } from './wasm-build.ts';

export type { TopK } from './reference.ts';

/** Base rows streamed from a big-ann-benchmarks .fbin file (header: uint32 rows, uint32 dim). */
export interface FbinBase {
  fbin: string;
  rows: number;
}

export interface TruthRequest {
  dim: number;
  metric: Metric;
  k: number;
  queries: Float32Array;
  /**
   * In-memory rows, rows streamed from the generator, or rows streamed from an .fbin file. Worker
   * threads read an in-memory base on a SharedArrayBuffer in place (it stays mapped until their
   * next garbage collection); any other is copied to them task by task through a few reused
   * buffers per thread. Either way the search adds only a few MB per thread to the base.
   */
  base: Float32Array | { dataset: Dataset; rows: number; startId?: number } | FbinBase;
  /** Ids of in-memory base rows (default: position). */
  rowIds?: ArrayLike<number>;
  /** Scalar predicate selecting candidate rows. */
  filter?: (id: number) => boolean;
  /** Churn: base rows deleted (or superseded by an update) before the query's time. */
  excluded?: (id: number, queryIndex: number) => boolean;
  /** Churn: later values of rows (upserts), each seen only by the queries it is visible to. */
  updates?: RowUpdates;
  threads?: number;
  /** Rows per unit of work handed to a thread (default and most: about 2 MB of floats, which bounds the threads' buffers). */
  taskRows?: number;
  /**
   * Exact pruning: skip rows that cannot be nearer than a query's current k-th, by the generator's
   * clusters (a generated base; on unless false) or by a partition of a stored base into leaves
   * bounded by a ball and a box (an in-memory base, or an .fbin that fits in half the free memory;
   * only when true: building the partition still costs about as much as it saves, see
   * bench/truth/README.md). The answer is the same exact one either way.
   */
  prune?: boolean;
  /** Called as base rows are scanned (not for rescans and updates). */
  onProgress?: (rowsDone: number, rowsTotal: number) => void;
}

/**
 * Upserted values: update i gives row ids[i] the vector vectors[i*dim..] for the queries where
 * visible(i, queryIndex) holds. Hide the base value from those queries with `excluded`.
 */
export interface RowUpdates {
  ids: ArrayLike<number>;
  vectors: Float32Array;
  visible: (updateIndex: number, queryIndex: number) => boolean;
}

const MAX_K = 16384;
const MAX_ID = 2 ** 31 - 1;
/**
 * Floats per task: large enough to amortise messaging, small enough to balance the threads and
 * keep the per-thread copy buffers of an ordinary in-memory base small (2 MB each).
 */
const TASK_FLOATS = 1 << 19;
/**
 * Rows per task from the generator: nothing is copied, and pruning buckets a task's rows by
 * cluster, so larger is better; but a smaller base is still cut into GENERATED_TASKS_AT_LEAST tasks
 * (of at least MIN_GENERATED_TASK_ROWS), so the threads share it evenly.
 */
const GENERATED_TASK_ROWS = 1 << 16;
const GENERATED_TASKS_AT_LEAST = 16;
const MIN_GENERATED_TASK_ROWS = 4096;

/** Exact top-k with a temporary pool of `req.threads` worker threads (default: all cores). */
export async function exactTopK(req: TruthRequest): Promise<TopK> {
  await using engine = new TruthEngine(req.threads);
  return await engine.topK(req);
}

/** A reusable engine: keeps its worker threads between searches. Dispose it when done. */
export class TruthEngine implements AsyncDisposable {
  /** (query, row) pairs the last search scored, rescans included: below queries × rows when pruning skipped some. */
  lastPairsScored = 0;
  private readonly pool: WorkerPool;

  constructor(threads?: number) {
    this.pool = new WorkerPool(threads);
  }

  get threads(): number {
    return this.pool.threads;
  }

  /**
   * Starts every thread and runs a small search on it in full-size tasks (so the threads' copy
   * buffers exist too), so timed searches measure steady state.
   */
  async warm(): Promise<void> {
    const dim = 16;
    const taskRows = TASK_FLOATS / dim;
    const base = new Float32Array(this.pool.threads * taskRows * dim).map((_, i) => (i * 7919) % 13);
    await this.topK({ dim, metric: 'L2', k: 10, queries: base.slice(0, 8 * dim), base, taskRows });
  }

  async topK(req: TruthRequest): Promise<TopK> {
    validate(req);
    const nq = req.queries.length / req.dim;
    let found = await this.candidatesExcluding(req, req.queries, Array.from({ length: nq }, (_, q) => q));
    req.onProgress?.(baseRows(req), baseRows(req));
    if (req.updates) found = mergeCandidates([found, await this.updateCandidates(req, req.updates)], nq, req.k);
    this.lastPairsScored = found.pairsScored;
    return toTopK(found, req.metric);
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /**
   * Top-k of `queries` (the request's queries numbered `queryIndexes`) with excluded rows removed.
   * Rows are excluded per query, so the scan keeps `spare` candidates and rescans, with four times
   * as many, only the queries whose spares ran out.
   */
  private async candidatesExcluding(req: TruthRequest, queries: Float32Array, queryIndexes: number[], spare = 2 * req.k + 16): Promise<Candidates> {
    const { excluded, k, dim } = req;
    if (!excluded) return this.scan(req, queries, k);
    const rows = baseRows(req);
    const keep = Math.max(k, Math.min(spare, rows));
    const found = await this.scan(req, queries, keep);
    const nq = queryIndexes.length;
    const result: Candidates = { k, ids: new Int32Array(nq * k), badness: new Float32Array(nq * k), sizes: new Int32Array(nq), pairsScored: found.pairsScored };
    const short: number[] = [];
    for (let q = 0; q < nq; q++) {
      const kept = keepVisible(found, q, (id) => !excluded(id, queryIndexes[q]!), result, q);
      if (kept < k && found.sizes[q] === keep && keep < rows) short.push(q);
    }
    if (short.length === 0) return result;
    const retryQueries = new Float32Array(short.length * dim);
    short.forEach((q, i) => retryQueries.set(queries.subarray(q * dim, (q + 1) * dim), i * dim));
    const retry = await this.candidatesExcluding(req, retryQueries, short.map((q) => queryIndexes[q]!), keep * 4);
    short.forEach((q, i) => keepVisible(retry, i, () => true, result, q));
    result.pairsScored += retry.pairsScored;
    return result;
  }

  private async scan(req: TruthRequest, queries: Float32Array, k: number): Promise<Candidates> {
    const stored = storedBaseToPrune(req);
    if (stored) return this.scanPruned(req, queries, k, stored);
    const { source, tasks, taskCount } = planTasks(req);
    const setup: ScanSetup = { module: knnModule(), metric: req.metric, dim: req.dim, k, queries, source, bounds: boundsFor(req, queries) };
    const parts = await this.pool.scan({ setup, tasks, taskCount, taskRows: taskRowsOf(req) }, progressOf(req));
    return mergeCandidates(parts, queries.length / req.dim, k);
  }

  /**
   * Exact search of a stored base by its partition's leaves, in two passes: each query's most
   * promising leaves first (2k rows or more), which gives every thread each query's k-th badness
   * from the start; then every other leaf, for the queries its bound does not rule out.
   */
  private async scanPruned(req: TruthRequest, queries: Float32Array, k: number, base: Float32Array): Promise<Candidates> {
    const nq = queries.length / req.dim;
    const partition = partitionOf(base, baseRows(req), req.dim);
    const bounds = partitionBounds(partition, req.metric, queries);
    const { leaves } = partition;
    const seedBounds = new Float32Array(nq * leaves).fill(Infinity);
    for (let q = 0; q < nq; q++) {
      for (const leaf of seedLeaves(partition, bounds.lowerBounds.subarray(q * leaves, (q + 1) * leaves), 2 * k)) {
        seedBounds[q * leaves + leaf] = -Infinity;
        bounds.lowerBounds[q * leaves + leaf] = Infinity;
      }
    }
    const seed = await this.scanLeaves(req, base, queries, k, partition, { ...bounds, lowerBounds: seedBounds }, undefined);
    const thresholds = Float32Array.from({ length: nq }, (_, q) => (seed.sizes[q] === k ? seed.badness[q * seed.k + k - 1]! : Infinity));
    const rest = await this.scanLeaves(req, base, queries, k, partition, bounds, thresholds);
    return mergeCandidates([seed, rest], nq, k);
  }

  /** Scans the leaves some query may need (bound within its threshold), each for those queries only. */
  private async scanLeaves(req: TruthRequest, base: Float32Array, queries: Float32Array, k: number, partition: Partition, bounds: ClusterBounds, thresholds: Float32Array | undefined): Promise<Candidates> {
    const nq = queries.length / req.dim;
    const { leaves, order, start } = partition;
    const needed = Array.from({ length: leaves }, (_, c) => c).filter((c) => {
      for (let q = 0; q < nq; q++) {
        const bound = bounds.lowerBounds[q * leaves + c]!;
        if (bound !== Infinity && bound <= (thresholds?.[q] ?? Infinity)) return true;
      }
      return false;
    });
    const step = taskRowsOf(req);
    const rowIds = req.rowIds ? Int32Array.from(req.rowIds) : null;
    const { filter } = req;
    let taskCount = 0;
    for (const c of needed) taskCount += Math.ceil((start[c + 1]! - start[c]!) / step);
    function* tasks(): Generator<TaskWithTransfer> {
      for (const cluster of needed) {
        for (let at = start[cluster]!; at < start[cluster + 1]!; at += step) {
          const positions = order.subarray(at, Math.min(at + step, start[cluster + 1]!));
          const ids = rowIds ? Int32Array.from(positions, (p) => rowIds[p]!) : positions.slice();
          const task: TaskWithTransfer['task'] = { position: 0, count: positions.length, firstId: 0, positions: positions.slice(), rowIds: ids, cluster };
          const transfer: ArrayBuffer[] = [task.positions!.buffer as ArrayBuffer, ids.buffer as ArrayBuffer];
          if (filter) {
            task.mask = Uint8Array.from(ids, (id) => (filter(id) ? 1 : 0));
            transfer.push(task.mask.buffer as ArrayBuffer);
          }
          yield { task, transfer };
        }
      }
    }
    const setup: ScanSetup = { module: knnModule(), metric: req.metric, dim: req.dim, k, queries, source: { kind: 'memory', rows: base }, bounds, thresholds };
    const parts = await this.pool.scan({ setup, tasks: tasks(), taskCount, taskRows: step }, thresholds ? progressOf(req) : undefined);
    return mergeCandidates(parts, nq, k);
  }

  private async updateCandidates(req: TruthRequest, updates: RowUpdates): Promise<Candidates> {
    const { ids, vectors, visible } = updates;
    if (vectors.length !== ids.length * req.dim) throw new Error(`updates: ${ids.length} ids but ${vectors.length / req.dim} vectors of dim ${req.dim}`);
    const { filter } = req;
    const found = await this.candidatesExcluding(
      {
        ...req,
        base: vectors,
        rowIds: undefined,
        filter: filter ? (i) => filter(ids[i]!) : undefined,
        excluded: (i, q) => !visible(i, q),
        updates: undefined,
        threads: 1,
      },
      req.queries,
      Array.from({ length: req.queries.length / req.dim }, (_, q) => q),
    );
    for (let i = 0; i < found.ids.length; i++) found.ids[i] = ids[found.ids[i]!]!;
    return found;
  }
}

/** Turns task completions into throttled row counts for req.onProgress. */
function progressOf(req: TruthRequest): ((rows: number) => void) | undefined {
  const report = req.onProgress;
  if (!report) return undefined;
  const total = baseRows(req);
  let done = 0;
  let last = Date.now();
  return (rows) => {
    done += rows;
    const now = Date.now();
    if (now - last < 5000 || done >= total) return;
    last = now;
    report(done, total);
  };
}

/** An .fbin base is read into memory for pruning only when it takes at most this share of free memory. */
const FBIN_IN_MEMORY_SHARE = 0.5;

const partitions = new WeakMap<Float32Array, Partition>();

/** The partition of an in-memory base, built once per base (the runner searches one base per filter). */
function partitionOf(base: Float32Array, rows: number, dim: number): Partition {
  let partition = partitions.get(base);
  if (!partition || partition.dim !== dim || partition.order.length !== rows) {
    partition = buildPartition(knnModule(), base, rows, dim);
    partitions.set(base, partition);
  }
  return partition;
}

/** The stored base to search by pruning (an .fbin read into shared memory), or null for brute force. */
function storedBaseToPrune(req: TruthRequest): Float32Array | null {
  const { base, prune } = req;
  if (prune !== true || (!(base instanceof Float32Array) && 'dataset' in base)) return null;
  const rows = baseRows(req);
  if (base instanceof Float32Array) return base;
  if (rows * req.dim * 4 > FBIN_IN_MEMORY_SHARE * freemem()) return null;
  const shared = new Float32Array(new SharedArrayBuffer(rows * req.dim * 4));
  const reader = openFbinReader(base.fbin, req.dim);
  try {
    const step = Math.max(1, Math.floor(TASK_FLOATS / req.dim));
    for (let at = 0; at < rows; at += step) reader.readInto(at, Math.min(step, rows - at), shared.subarray(at * req.dim));
  } finally {
    reader.close();
  }
  return shared;
}

/** A query's most promising leaves (least bound first) holding at least `rows` rows between them. */
function seedLeaves(partition: Partition, bounds: Float32Array, rows: number): number[] {
  const byBound = Array.from({ length: bounds.length }, (_, c) => c).sort((a, b) => bounds[a]! - bounds[b]!);
  const chosen: number[] = [];
  let held = 0;
  for (const leaf of byBound) {
    if (held >= rows) break;
    chosen.push(leaf);
    held += partition.start[leaf + 1]! - partition.start[leaf]!;
  }
  return chosen;
}

/** Pruning bounds for a generated base (rows of one 2^32-id segment share the cluster tables). */
function boundsFor(req: TruthRequest, queries: Float32Array): ClusterBounds | undefined {
  const { base } = req;
  if (req.prune === false || base instanceof Float32Array || !('dataset' in base)) return undefined;
  return generatorBounds(base.dataset.rowFormula(0), req.metric, queries);
}

function baseRows(req: TruthRequest): number {
  const { base } = req;
  if (base instanceof Float32Array) return base.length / req.dim;
  return base.rows;
}

function taskRowsOf(req: TruthRequest): number {
  const generated = !(req.base instanceof Float32Array) && 'dataset' in req.base;
  const most = generated
    ? Math.min(GENERATED_TASK_ROWS, Math.max(MIN_GENERATED_TASK_ROWS, Math.ceil(baseRows(req) / GENERATED_TASKS_AT_LEAST)))
    : Math.max(256, Math.floor(TASK_FLOATS / req.dim));
  return Math.min(req.taskRows ?? most, most);
}

function* taskRanges(rows: number, step: number): Generator<[number, number]> {
  for (let position = 0; position < rows; position += step) yield [position, Math.min(step, rows - position)];
}

function planTasks(req: TruthRequest): { source: RowSourceSpec; tasks: Iterator<TaskWithTransfer>; taskCount: number } {
  const { base, filter } = req;
  const rows = baseRows(req);
  const step = taskRowsOf(req);
  const taskCount = Math.ceil(rows / step);
  const firstId = base instanceof Float32Array || 'fbin' in base ? 0 : (base.startId ?? 0);
  const rowIds = req.rowIds ? Int32Array.from(req.rowIds) : null;
  const idOf = (position: number): number => (rowIds ? rowIds[position]! : firstId + position);
  function* tasks(): Generator<TaskWithTransfer> {
    for (const [position, count] of taskRanges(rows, step)) {
      const transfer: ArrayBuffer[] = [];
      const task: TaskWithTransfer['task'] = { position, count, firstId: firstId + position };
      if (rowIds) task.rowIds = rowIds.slice(position, position + count);
      if (filter) {
        task.mask = new Uint8Array(count);
        for (let i = 0; i < count; i++) task.mask[i] = filter(idOf(position + i)) ? 1 : 0;
        transfer.push(task.mask.buffer as ArrayBuffer);
      }
      yield { task, transfer };
    }
  }
  return { source: sourceSpec(req), tasks: tasks(), taskCount };
}

function sourceSpec(req: TruthRequest): RowSourceSpec {
  const { base } = req;
  if (base instanceof Float32Array) return { kind: 'memory', rows: base };
  if ('fbin' in base) return { kind: 'fbin', path: base.fbin, dim: req.dim };
  const { dataset } = base;
  return { kind: 'dataset', params: { profile: dataset.profile.name, dim: dataset.dim, metric: dataset.metric, seed: dataset.seed }, startId: base.startId ?? 0 };
}

/** Copies query q's candidates that pass `visible` into out's row `outQ` (up to out.k); returns how many. */
function keepVisible(found: Candidates, q: number, visible: (id: number) => boolean, out: Candidates, outQ: number): number {
  const { k } = out;
  let kept = 0;
  for (let i = 0; i < found.sizes[q]! && kept < k; i++) {
    const id = found.ids[q * found.k + i]!;
    if (!visible(id)) continue;
    out.ids[outQ * k + kept] = id;
    out.badness[outQ * k + kept] = found.badness[q * found.k + i]!;
    kept++;
  }
  out.sizes[outQ] = kept;
  return kept;
}

function toTopK(found: Candidates, metric: Metric): TopK {
  const { k, sizes } = found;
  const nq = sizes.length;
  const sign = largerIsNearer(metric) ? -1 : 1;
  const ids = new Int32Array(nq * k).fill(-1);
  const distances = new Float32Array(nq * k).fill(sign * Infinity);
  for (let q = 0; q < nq; q++) {
    for (let i = 0; i < sizes[q]!; i++) {
      ids[q * k + i] = found.ids[q * found.k + i]!;
      distances[q * k + i] = sign * found.badness[q * found.k + i]! || 0;
    }
  }
  return { ids, distances };
}

function validate(req: TruthRequest): void {
  const { dim, k, metric, queries, base } = req;
  const errors: string[] = [];
  if (!Number.isInteger(dim) || dim < 1) errors.push(`dim must be a positive integer, got ${dim}`);
  if (!Number.isInteger(k) || k < 1 || k > MAX_K) errors.push(`k must be an integer in [1, ${MAX_K}], got ${k}`);
  if (metric !== 'L2' && metric !== 'IP' && metric !== 'COSINE') errors.push(`metric must be L2, IP or COSINE, got '${String(metric)}'`);
  if (req.taskRows !== undefined && (!Number.isInteger(req.taskRows) || req.taskRows < 1)) errors.push(`taskRows must be a positive integer, got ${req.taskRows}`);
  if (queries.length % dim !== 0) errors.push(`queries hold ${queries.length} floats, not a multiple of dim ${dim}`);
  if (base instanceof Float32Array) {
    if (base.length % dim !== 0) errors.push(`base holds ${base.length} floats, not a multiple of dim ${dim}`);
    if (req.rowIds && req.rowIds.length * dim !== base.length) errors.push(`rowIds has ${req.rowIds.length} ids for ${base.length / dim} base rows`);
    if (req.rowIds && Array.prototype.some.call(req.rowIds, (id: number) => !Number.isInteger(id) || id < 0 || id > MAX_ID)) errors.push(`rowIds must be integers in [0, 2^31)`);
  } else {
    if (req.rowIds) errors.push('rowIds apply only to an in-memory base');
    if (!Number.isSafeInteger(base.rows) || base.rows < 0) errors.push(`base.rows must be a non-negative integer, got ${base.rows}`);
    const startId = 'dataset' in base ? (base.startId ?? 0) : 0;
    if ('fbin' in base) errors.push(...fbinErrors(base, dim));
    if ('dataset' in base && base.dataset.dim !== dim) errors.push(`base dataset has dim ${base.dataset.dim} but the request says ${dim}`);
    if (startId + base.rows - 1 > MAX_ID) errors.push(`row ids up to ${startId + base.rows - 1} do not fit the int32 ids of ground truth (max ${MAX_ID})`);
  }
  if (errors.length > 0) throw new Error(`invalid truth request: ${errors.join('; ')}`);
}

function fbinErrors(base: FbinBase, dim: number): string[] {
  const header = readBinHeader(base.fbin, 'fbin');
  const errors: string[] = [];
  if (header.dim !== dim) errors.push(`${base.fbin} holds dim ${header.dim} vectors but the request says ${dim}`);
  if (base.rows > header.rows) errors.push(`${base.fbin} holds ${header.rows} rows, fewer than the ${base.rows} requested`);
  return errors;
}
