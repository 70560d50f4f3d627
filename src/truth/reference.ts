import type { Metric } from '../core/types.ts';

/**
 * The plain scalar exact-kNN reference: obviously correct, slow. Everything faster is tested
 * against it. Distances follow Milvus: L2 is squared Euclidean (smaller is nearer); IP and
 * COSINE are similarities (larger is nearer).
 */
export interface TopK {
  /** k row ids per query, nearest first; -1 where fewer than k rows exist. */
  ids: Int32Array;
  /** The matching Milvus-style distances. */
  distances: Float32Array;
}

export function largerIsNearer(metric: Metric): boolean {
  return metric !== 'L2';
}

export function distance(metric: Metric, a: Float32Array, aOff: number, b: Float32Array, bOff: number, dim: number): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  let l2 = 0;
  for (let i = 0; i < dim; i++) {
    const x = a[aOff + i]!;
    const y = b[bOff + i]!;
    dot += x * y;
    na += x * x;
    nb += y * y;
    const d = x - y;
    l2 += d * d;
  }
  if (metric === 'L2') return l2;
  if (metric === 'IP') return dot;
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

/** Exact top-k of each query over `base` (row-major, `dim` wide); row ids are `rowIds[i]` or `i`. */
export function referenceTopK(
  base: Float32Array,
  queries: Float32Array,
  dim: number,
  k: number,
  metric: Metric,
  rowIds?: ArrayLike<number>,
): TopK {
  const rows = base.length / dim;
  const nq = queries.length / dim;
  const ids = new Int32Array(nq * k).fill(-1);
  const distances = new Float32Array(nq * k).fill(largerIsNearer(metric) ? -Infinity : Infinity);
  const sign = largerIsNearer(metric) ? -1 : 1;
  for (let q = 0; q < nq; q++) {
    const scored: { id: number; d: number }[] = [];
    for (let r = 0; r < rows; r++) {
      scored.push({ id: rowIds ? rowIds[r]! : r, d: distance(metric, queries, q * dim, base, r * dim, dim) });
    }
    scored.sort((x, y) => sign * (x.d - y.d) || x.id - y.id);
    for (let j = 0; j < Math.min(k, scored.length); j++) {
      ids[q * k + j] = scored[j]!.id;
      distances[q * k + j] = scored[j]!.d;
    }
  }
  return { ids, distances };
}
