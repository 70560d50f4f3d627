import type { Metric } from '../core/types.ts';
import { largerIsNearer } from './reference.ts';

/** ann-benchmarks' tolerance: a result within this of the k-th true distance counts as a hit. */
export const RECALL_EPSILON = 1e-3;

/**
 * Recall@k as ann-benchmarks computes it: a returned id counts as correct when its true distance
 * to the query is no worse than the k-th true distance (plus epsilon), so ties at the boundary
 * are not held against the system. Unfilled (-1) and repeated ids never count.
 */
export function recallAtK(
  returnedIds: ArrayLike<number>,
  returnedTrueDistances: ArrayLike<number>,
  trueKthDistance: number,
  k: number,
  metric: Metric,
  epsilon = RECALL_EPSILON,
): number {
  if (!Number.isInteger(k) || k < 1) throw new Error(`k must be a positive integer, got ${k}`);
  const similarity = largerIsNearer(metric);
  const seen = new Set<number>();
  let hits = 0;
  for (let i = 0; i < Math.min(k, returnedIds.length); i++) {
    const id = returnedIds[i]!;
    if (id < 0 || seen.has(id)) continue;
    seen.add(id);
    const d = returnedTrueDistances[i]!;
    if (similarity ? d >= trueKthDistance - epsilon : d <= trueKthDistance + epsilon) hits++;
  }
  return hits / k;
}
