import type { OpRecord } from '../core/types.ts';
import { TIE_EPSILON, type Truth } from './truth.ts';

/**
 * Recall@k of one search, as ann-benchmarks counts it: a returned id is correct when its exact
 * distance is no worse than the k-th true distance (so ties are not penalised). Fewer than k
 * results count as misses.
 */
export function searchRecall(op: OpRecord, truth: Truth, k = truth.k): number | null {
  if (op.op !== 'search' || op.outcome !== 'ok' || op.queryIndex === undefined || !op.ids) return null;
  const q = op.queryIndex;
  const kth = truth.kthDistance(q);
  const larger = truth.metric !== 'L2';
  const slack = Math.abs(kth) * TIE_EPSILON + 1e-6;
  let correct = 0;
  const seen = new Set<number>();
  for (const id of op.ids.slice(0, k)) {
    if (seen.has(id)) continue;
    seen.add(id);
    const d = truth.distance(q, id);
    if (larger ? d >= kth - slack : d <= kth + slack) correct++;
  }
  return correct / k;
}

/** Mean recall over the searches given, with the number of searches scored. */
export function meanRecall(ops: readonly OpRecord[], truth: Truth): { value: number | null; samples: number } {
  let sum = 0;
  let samples = 0;
  for (const op of ops) {
    const r = searchRecall(op, truth);
    if (r === null) continue;
    sum += r;
    samples++;
  }
  return { value: samples === 0 ? null : sum / samples, samples };
}
