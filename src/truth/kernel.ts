import type { Metric } from '../core/types.ts';
import type { RowFormula } from '../dataset/index.ts';
import { wasmApi, type WasmMemory, type WasmModule } from './wasm-api.ts';

/** The WebAssembly kernel's exports (src/truth/wasm/knn.c and gen.c); `state` points at struct State. */
interface KnnExports {
  memory: WasmMemory;
  norms_squared(v: number, rows: number, dim: number, out: number): void;
  interleave_queries(state: number): void;
  search_block(state: number, n: number, rowIds: number, firstId: number, mask: number, cluster: number): void;
  nearest_query(state: number, n: number, nearest: number, distance2: number): void;
  search_generated(state: number, lo: number, count: number, firstId: number, mask: number): void;
  generate_rows(state: number, lo: number, count: number): void;
  finish_heaps(state: number): void;
  take_pairs_scored(): number;
}

/** struct State's fields in order (src/truth/wasm/knn.h), 4 bytes each. */
const STATE_FIELDS = [
  'metric', 'dim', 'nq', 'k', 'queries', 'qnorms', 'heapD', 'heapId', 'heapSize', 'threshold', 'block', 'panels',
  'pnorms', 'pids', 'blockRows', 'qlist', 'qtile', 'lowerBounds', 'clusterOrder', 'rowCluster', 'rowOrder', 'clusterStart',
  'taskRows', 'keys', 'centers', 'scales', 'thresholds', 'clusters', 'genFlags', 'genDim', 'qtiles',
] as const;
type StateField = (typeof STATE_FIELDS)[number];

const METRIC_CODE: Record<Metric, number> = { L2: 0, IP: 1, COSINE: 2 };

/** Per query, up to k (badness, id) pairs nearest first; badness is L2 or the negated similarity. */
export interface Candidates {
  k: number;
  ids: Int32Array;
  badness: Float32Array;
  sizes: Int32Array;
  /** (query, row) pairs the kernel scored; pruning skips the rest. */
  pairsScored: number;
}

export interface KernelParams {
  metric: Metric;
  dim: number;
  k: number;
  /** Row-major, `dim` wide. */
  queries: Float32Array;
}

/**
 * Per (query, cluster): a badness no row of the cluster can beat (row-major, queries × clusters;
 * +Infinity: never scan the cluster for the query), and the order in which a task visits generator
 * clusters. See bounds.ts and partition.ts.
 */
export interface ClusterBounds {
  clusters: number;
  lowerBounds: Float32Array;
  order: Int32Array;
}

/** Queries per register tile: QUERY_TILE in knn.c. */
const QUERY_TILE = 4;

/** Rows per block: packed rows that stay in the CPU's L2 cache while every query visits them. */
function blockRowsFor(paddedDim: number): number {
  return Math.max(8, Math.floor(65536 / paddedDim)) & ~7;
}

/**
 * One instance of the kernel with its own memory: queries, per-query heaps and a row block.
 * Not thread-safe; each worker owns one.
 */
export class KnnKernel {
  readonly blockRows: number;
  private readonly exports: KnnExports;
  private readonly paddedDim: number;
  private readonly nq: number;
  private readonly state: number;
  private readonly at: Record<'queries' | 'qnorms' | 'heapD' | 'heapId' | 'heapSize' | 'threshold' | 'block' | 'panels' | 'pnorms' | 'pids' | 'qlist' | 'qtile' | 'qtiles' | 'rowIds' | 'scratch' | 'mask', number>;
  private formula: RowFormula | null = null;
  private taskScratchRows = 0;
  private taskMask = 0;

  constructor(module: WasmModule, private readonly params: KernelParams) {
    const { dim, k, queries, metric } = params;
    if (!Number.isInteger(k) || k < 1) throw new Error(`k must be a positive integer, got ${k}`);
    if (queries.length % dim !== 0) throw new Error(`queries length ${queries.length} is not a multiple of dim ${dim}`);
    this.exports = new wasmApi.Instance(module, {}).exports as unknown as KnnExports;
    this.paddedDim = Math.ceil(dim / 4) * 4;
    this.nq = queries.length / dim;
    this.blockRows = blockRowsFor(this.paddedDim);
    this.state = this.allocate(STATE_FIELDS.length * 4);
    this.at = this.layout();
    for (const [field, at] of Object.entries(this.at)) if (STATE_FIELDS.includes(field as StateField)) this.setState(field as StateField, at);
    this.setState('metric', METRIC_CODE[metric]);
    this.setState('dim', this.paddedDim);
    this.setState('nq', this.nq);
    this.setState('k', k);
    this.setState('blockRows', this.blockRows);
    this.setState('genDim', dim);
    this.writePadded(queries, this.nq, this.at.queries);
    this.exports.norms_squared(this.at.queries, this.nq, this.paddedDim, this.at.qnorms);
    this.exports.interleave_queries(this.state);
    this.reset();
  }

  /** Empties the heaps, keeping the queries. */
  reset(): void {
    this.i32(this.at.heapSize, this.nq).fill(0);
    this.f32(this.at.threshold, this.nq).fill(Infinity);
  }

  /**
   * Offers `count` rows (row-major, unpadded) to every query, or, when they all belong to cluster
   * `cluster` of the bounds (setBounds), to the queries that cluster may still serve. Row i has id
   * rowIds[i], or firstId + i when rowIds is null; rows whose mask byte is 0 are skipped.
   */
  offer(rows: Float32Array, count: number, firstId: number, rowIds: Int32Array | null, mask: Uint8Array | null, cluster = -1): void {
    for (let start = 0; start < count; start += this.blockRows) {
      const n = Math.min(this.blockRows, count - start);
      if (mask && !mask.subarray(start, start + n).includes(1)) continue;
      this.writePadded(rows.subarray(start * this.params.dim, (start + n) * this.params.dim), n, this.at.block);
      if (rowIds) this.i32(this.at.rowIds, n).set(rowIds.subarray(start, start + n));
      if (mask) this.u8(this.at.mask, n).set(mask.subarray(start, start + n));
      this.exports.search_block(this.state, n, rowIds ? this.at.rowIds : 0, firstId + start, mask ? this.at.mask : 0, cluster);
    }
  }

  /**
   * Offers generated rows lo..lo+count-1 of one 2^32-row segment, computing them in WebAssembly
   * (the same bits as Dataset.vectors). Row ids run from firstId. With bounds (setBounds), clusters
   * that cannot hold a row nearer than a query's k-th are neither generated nor scanned for it.
   */
  offerGenerated(formula: RowFormula, lo: number, count: number, firstId: number, mask: Uint8Array | null): void {
    this.placeFormula(formula);
    this.ensureTaskScratch(count, formula.clusterThresholds.length);
    if (mask) this.u8(this.taskMask, count).set(mask.subarray(0, count));
    this.exports.search_generated(this.state, lo, count, firstId, mask ? this.taskMask : 0);
  }

  /** Turns on cluster pruning for generated rows (bounds computed for this kernel's queries). */
  setBounds(bounds: ClusterBounds): void {
    if (bounds.lowerBounds.length !== this.nq * bounds.clusters) throw new Error(`bounds cover ${bounds.lowerBounds.length / bounds.clusters} queries, not ${this.nq}`);
    const lowerBounds = this.allocate(bounds.lowerBounds.byteLength);
    this.f32(lowerBounds, bounds.lowerBounds.length).set(bounds.lowerBounds);
    const order = this.allocate(bounds.order.byteLength);
    this.i32(order, bounds.order.length).set(bounds.order);
    this.setState('lowerBounds', lowerBounds);
    this.setState('clusterOrder', order);
    this.setState('clusters', bounds.clusters);
  }

  /** Starts each query's search from a known k-th badness (rows beyond it are never kept). */
  setThresholds(thresholds: Float32Array): void {
    if (thresholds.length !== this.nq) throw new Error(`${thresholds.length} thresholds for ${this.nq} queries`);
    this.f32(this.at.threshold, this.nq).set(thresholds);
  }

  /**
   * For each of `count` rows (row-major, unpadded): the nearest query by L2 (here the queries are
   * centroids; their count must be a multiple of 4) and the squared distance to it, rounded up.
   */
  nearestQuery(rows: Float32Array, count: number): { nearest: Int32Array; distance2: Float32Array } {
    if (this.nq % QUERY_TILE !== 0) throw new Error(`nearestQuery needs a multiple of ${QUERY_TILE} centroids, got ${this.nq}`);
    const nearest = new Int32Array(count);
    const distance2 = new Float32Array(count);
    for (let start = 0; start < count; start += this.blockRows) {
      const n = Math.min(this.blockRows, count - start);
      this.writePadded(rows.subarray(start * this.params.dim, (start + n) * this.params.dim), n, this.at.block);
      this.exports.nearest_query(this.state, n, this.at.rowIds, this.at.scratch);
      nearest.set(this.i32(this.at.rowIds, n), start);
      distance2.set(this.f32(this.at.scratch, n), start);
    }
    return { nearest, distance2 };
  }

  /** Rows lo..lo+count-1 (count ≤ blockRows) as the kernel generates them, padded to a multiple of 4 floats. */
  generatedRows(formula: RowFormula, lo: number, count: number): Float32Array {
    this.placeFormula(formula);
    this.exports.generate_rows(this.state, lo, count);
    return this.f32(this.at.block, count * this.paddedDim).slice();
  }

  /** The candidates found so far, nearest first; then empties the heaps. */
  candidates(): Candidates {
    const { nq } = this;
    const { k } = this.params;
    this.exports.finish_heaps(this.state);
    const result = {
      k,
      ids: this.i32(this.at.heapId, nq * k).slice(),
      badness: this.f32(this.at.heapD, nq * k).slice(),
      sizes: this.i32(this.at.heapSize, nq).slice(),
      pairsScored: this.exports.take_pairs_scored(),
    };
    this.reset();
    return result;
  }

  /** Copies a row formula's tables into the module's memory (once; keys again for a new segment). */
  private placeFormula(formula: RowFormula): void {
    const placed = this.formula;
    if (placed && placed.keys === formula.keys && placed.centers === formula.centers) return;
    if (!placed || placed.centers !== formula.centers) {
      const centers = this.allocate(formula.centers.byteLength);
      const scales = this.allocate(formula.scales.byteLength);
      const thresholds = this.allocate(formula.clusterThresholds.byteLength);
      this.f32(centers, formula.centers.length).set(formula.centers);
      this.f32(scales, formula.scales.length).set(formula.scales);
      new Uint32Array(this.exports.memory.buffer, thresholds, formula.clusterThresholds.length).set(formula.clusterThresholds);
      this.setState('keys', this.allocate(formula.keys.byteLength));
      this.setState('centers', centers);
      this.setState('scales', scales);
      this.setState('thresholds', thresholds);
      this.setState('clusters', formula.clusterThresholds.length);
      this.setState('genFlags', (formula.quantizeUint8 ? 1 : 0) | (formula.normalize ? 2 : 0));
    }
    new Uint32Array(this.exports.memory.buffer, this.getState('keys'), formula.keys.length).set(formula.keys);
    this.formula = formula;
  }

  /** Per-task scratch for generated rows: their clusters, their order, and their mask. */
  private ensureTaskScratch(rows: number, clusters: number): void {
    if (rows <= this.taskScratchRows) return;
    this.taskScratchRows = rows;
    this.setState('rowCluster', this.allocate(rows * 4));
    this.setState('rowOrder', this.allocate(rows * 4));
    this.setState('clusterStart', this.allocate((clusters + 1) * 4));
    this.setState('taskRows', rows);
    this.taskMask = this.allocate(rows);
  }

  /** Grows the memory by whole pages for `bytes`; returns where they start (16-byte aligned). */
  private allocate(bytes: number): number {
    const memory = this.exports.memory;
    const at = memory.buffer.byteLength;
    memory.grow(Math.ceil(Math.max(bytes, 1) / 65536));
    return at;
  }

  private layout(): typeof this.at {
    const { nq, paddedDim, blockRows } = this;
    const { k } = this.params;
    const sizes = {
      queries: nq * paddedDim * 4, qnorms: nq * 4, heapD: nq * k * 4, heapId: nq * k * 4, heapSize: nq * 4,
      threshold: nq * 4, block: (blockRows + 1) * paddedDim * 4, panels: blockRows * paddedDim * 4, pnorms: blockRows * 4,
      pids: blockRows * 4, qlist: nq * 4, qtile: QUERY_TILE * paddedDim * 4, qtiles: nq * paddedDim * 4, rowIds: blockRows * 4, scratch: blockRows * 4, mask: blockRows,
    };
    const memory = this.exports.memory;
    let offset = memory.buffer.byteLength; // the linker's stack and statics live below
    const at = {} as Record<keyof typeof sizes, number>;
    for (const [name, bytes] of Object.entries(sizes) as [keyof typeof sizes, number][]) {
      at[name] = offset;
      offset += Math.ceil(bytes / 16) * 16;
    }
    const pages = Math.ceil((offset - memory.buffer.byteLength) / 65536);
    if (pages > 0) memory.grow(pages);
    return at;
  }

  private setState(field: StateField, value: number): void {
    this.i32(this.state, STATE_FIELDS.length)[STATE_FIELDS.indexOf(field)] = value;
  }

  private getState(field: StateField): number {
    return this.i32(this.state, STATE_FIELDS.length)[STATE_FIELDS.indexOf(field)]!;
  }

  private writePadded(src: Float32Array, rows: number, at: number): void {
    const { dim } = this.params;
    const dst = this.f32(at, rows * this.paddedDim);
    if (dim === this.paddedDim) {
      dst.set(src.subarray(0, rows * dim));
      return;
    }
    dst.fill(0);
    for (let r = 0; r < rows; r++) dst.set(src.subarray(r * dim, (r + 1) * dim), r * this.paddedDim);
  }

  private f32(at: number, n: number): Float32Array {
    return new Float32Array(this.exports.memory.buffer, at, n);
  }

  private i32(at: number, n: number): Int32Array {
    return new Int32Array(this.exports.memory.buffer, at, n);
  }

  private u8(at: number, n: number): Uint8Array {
    return new Uint8Array(this.exports.memory.buffer, at, n);
  }
}
