import type { Truth } from '../checks/truth.ts';
import type { Dataset } from '../dataset/index.ts';
import type { Metric } from '../core/types.ts';
import { distance, referenceTopK } from '../truth/reference.ts';

/**
 * Exact ground truth over exactly the rows the cluster acknowledged, for the probe queries.
 * Distances of returned rows are recomputed from the generator, never taken from the server.
 */
export function buildTruth(dataset: Dataset, acknowledged: readonly number[], queries: Float32Array, k: number): Truth {
  const dim = dataset.dim;
  const ids = [...acknowledged].sort((a, b) => a - b);
  const base = gather(dataset, ids);
  const top = referenceTopK(base, queries, dim, k, dataset.metric, ids);
  return truthFrom(top.ids, top.distances, k, dataset.metric, (q, id) => distance(dataset.metric, queries, q * dim, dataset.vectors(id, 1), 0, dim));
}

export function truthFrom(
  ids: Int32Array,
  distances: Float32Array,
  k: number,
  metric: Metric,
  distanceOf: (queryIndex: number, id: number) => number,
): Truth {
  return {
    k,
    metric,
    ids: (q) => ids.subarray(q * k, (q + 1) * k),
    kthDistance: (q) => distances[(q + 1) * k - 1]!,
    distance: distanceOf,
  };
}

/** The acknowledged rows, contiguous runs generated in one call each. */
function gather(dataset: Dataset, sortedIds: readonly number[]): Float32Array {
  const dim = dataset.dim;
  const out = new Float32Array(sortedIds.length * dim);
  let i = 0;
  while (i < sortedIds.length) {
    let j = i + 1;
    while (j < sortedIds.length && sortedIds[j] === sortedIds[j - 1]! + 1) j++;
    out.set(dataset.vectors(sortedIds[i]!, j - i), i * dim);
    i = j;
  }
  return out;
}
