import type { Metric } from '../core/types.ts';
import type { RowFormula } from '../dataset/index.ts';
import { wasmApi, type WasmMemory, type WasmModule } from './wasm-api.ts';

/** The WebAssembly kernel's exports (src/truth/wasm/knn.c). */
interface KnnExports {
  memory: WasmMemory;
  norms_squared(v: number, rows: number, dim: number, out: number): void;
  search_block(
    metric: number, queries: number, qnorms: number, nq: number, base: number, bnorms: number, nb: number, dim: number,
    rowIds: number, mask: number, heapD: number, heapId: number, heapSize: number, threshold: number, k: number,
  ): void;
  finish_heaps(heapD: number, heapId: number, heapSize: number, nq: number, k: number): void;
  generate_rows(
    lo: number, count: number, dim: number, stride: number, keys: number, centers: number, scales: number,
    thresholds: number, clusters: number, flags: number, out: number,
  ): void;
}

interface FormulaInMemory {
  formula: RowFormula;
  keys: number;
  centers: number;
  scales: number;
  thresholds: number;
}

const METRIC_CODE: Record<Metric, number> = { L2: 0, IP: 1, COSINE: 2 };

/** Per query, up to k (badness, id) pairs nearest first; badness is L2 or the negated similarity. */
export interface Candidates {
  k: number;
  ids: Int32Array;
  badness: Float32Array;
  sizes: Int32Array;
}

export interface KernelParams {
  metric: Metric;
  dim: number;
  k: number;
  /** Row-major, `dim` wide. */
  queries: Float32Array;
}

/** Rows per kernel call: a block that stays in the CPU's L1/L2 cache while every query visits it. */
function blockRowsFor(paddedDim: number): number {
  return Math.max(8, Math.floor(16384 / paddedDim)) & ~1;
}

/**
 * One instance of the kernel with its own memory: queries, per-query heaps and a row block.
 * Not thread-safe; each worker owns one.
 */
export class KnnKernel {
  readonly blockRows: number;
  private formula: FormulaInMemory | null = null;
  private readonly exports: KnnExports;
  private readonly paddedDim: number;
  private readonly nq: number;
  private readonly at: Record<'queries' | 'qnorms' | 'heapD' | 'heapId' | 'heapSize' | 'threshold' | 'block' | 'bnorms' | 'rowIds' | 'mask', number>;

  constructor(module: WasmModule, private readonly params: KernelParams) {
    const { dim, k, queries } = params;
    if (!Number.isInteger(k) || k < 1) throw new Error(`k must be a positive integer, got ${k}`);
    if (queries.length % dim !== 0) throw new Error(`queries length ${queries.length} is not a multiple of dim ${dim}`);
    this.exports = new wasmApi.Instance(module, {}).exports as unknown as KnnExports;
    this.paddedDim = Math.ceil(dim / 4) * 4;
    this.nq = queries.length / dim;
    this.blockRows = blockRowsFor(this.paddedDim);
    this.at = this.layout();
    this.writePadded(queries, this.nq, this.at.queries);
    this.exports.norms_squared(this.at.queries, this.nq, this.paddedDim, this.at.qnorms);
    this.reset();
  }

  /** Empties the heaps, keeping the queries. */
  reset(): void {
    this.i32(this.at.heapSize, this.nq).fill(0);
    this.f32(this.at.threshold, this.nq).fill(Infinity);
  }

  /**
   * Offers `count` rows (row-major, unpadded) to every query. Row i has id rowIds[i], or
   * firstId + i when rowIds is null; rows whose mask byte is 0 are skipped.
   */
  offer(rows: Float32Array, count: number, firstId: number, rowIds: Int32Array | null, mask: Uint8Array | null): void {
    for (let start = 0; start < count; start += this.blockRows) {
      const n = Math.min(this.blockRows, count - start);
      if (mask && !mask.subarray(start, start + n).includes(1)) continue;
      this.writePadded(rows.subarray(start * this.params.dim, (start + n) * this.params.dim), n, this.at.block);
      const ids = this.i32(this.at.rowIds, n);
      if (rowIds) ids.set(rowIds.subarray(start, start + n));
      else for (let i = 0; i < n; i++) ids[i] = firstId + start + i;
      if (mask) new Uint8Array(this.exports.memory.buffer, this.at.mask, n).set(mask.subarray(start, start + n));
      this.searchBlock(n, mask !== null);
    }
  }

  /**
   * Offers generated rows lo..lo+count-1 of one 2^32-row segment, computing them in WebAssembly
   * straight into the block (the same bits as Dataset.vectors). Row ids run from firstId.
   */
  offerGenerated(formula: RowFormula, lo: number, count: number, firstId: number, mask: Uint8Array | null): void {
    const f = this.placeFormula(formula);
    for (let start = 0; start < count; start += this.blockRows) {
      const n = Math.min(this.blockRows, count - start);
      if (mask && !mask.subarray(start, start + n).includes(1)) continue;
      this.exports.generate_rows(
        lo + start, n, formula.dim, this.paddedDim, f.keys, f.centers, f.scales, f.thresholds,
        formula.clusterThresholds.length, (formula.quantizeUint8 ? 1 : 0) | (formula.normalize ? 2 : 0), this.at.block,
      );
      const ids = this.i32(this.at.rowIds, n);
      for (let i = 0; i < n; i++) ids[i] = firstId + start + i;
      if (mask) new Uint8Array(this.exports.memory.buffer, this.at.mask, n).set(mask.subarray(start, start + n));
      this.searchBlock(n, mask !== null);
    }
  }

  /** The candidates found so far, nearest first. Resets nothing; call reset() to start over. */
  candidates(): Candidates {
    const { nq } = this;
    const { k } = this.params;
    this.exports.finish_heaps(this.at.heapD, this.at.heapId, this.at.heapSize, nq, k);
    const result = {
      k,
      ids: this.i32(this.at.heapId, nq * k).slice(),
      badness: this.f32(this.at.heapD, nq * k).slice(),
      sizes: this.i32(this.at.heapSize, nq).slice(),
    };
    this.reset();
    return result;
  }

  /** Copies a row formula's tables into the module's memory (once; keys again for a new segment). */
  private placeFormula(formula: RowFormula): FormulaInMemory {
    let placed = this.formula;
    if (!placed || placed.formula.centers !== formula.centers) {
      const keys = this.allocate(formula.keys.byteLength);
      const centers = this.allocate(formula.centers.byteLength);
      const scales = this.allocate(formula.scales.byteLength);
      const thresholds = this.allocate(formula.clusterThresholds.byteLength);
      this.f32(centers, formula.centers.length).set(formula.centers);
      this.f32(scales, formula.scales.length).set(formula.scales);
      new Uint32Array(this.exports.memory.buffer, thresholds, formula.clusterThresholds.length).set(formula.clusterThresholds);
      placed = { formula, keys, centers, scales, thresholds };
      this.formula = placed;
    }
    if (placed.formula.keys !== formula.keys) placed.formula = formula;
    new Uint32Array(this.exports.memory.buffer, placed.keys, formula.keys.length).set(formula.keys);
    return placed;
  }

  private allocate(bytes: number): number {
    const memory = this.exports.memory;
    const at = memory.buffer.byteLength;
    memory.grow(Math.ceil(bytes / 65536));
    return at;
  }

  private searchBlock(n: number, masked: boolean): void {
    const { metric, k } = this.params;
    if (metric !== 'IP') this.exports.norms_squared(this.at.block, n, this.paddedDim, this.at.bnorms);
    const a = this.at;
    this.exports.search_block(
      METRIC_CODE[metric], a.queries, a.qnorms, this.nq, a.block, a.bnorms, n, this.paddedDim,
      a.rowIds, masked ? a.mask : 0, a.heapD, a.heapId, a.heapSize, a.threshold, k,
    );
  }

  private layout(): typeof this.at {
    const { nq, paddedDim, blockRows } = this;
    const { k } = this.params;
    const sizes = {
      queries: nq * paddedDim * 4, qnorms: nq * 4, heapD: nq * k * 4, heapId: nq * k * 4, heapSize: nq * 4,
      threshold: nq * 4, block: blockRows * paddedDim * 4, bnorms: blockRows * 4, rowIds: blockRows * 4, mask: blockRows,
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
}
