import type { OpRecord } from '../core/types.ts';
import { TIE_EPSILON, type Truth } from './truth.ts';

/**
 * Recall@k of one search, as ann-benchmarks counts it: a returned id is correct when its exact
 * distance, for the row as it stood at the search's time, is no worse than the k-th true distance
 * (so ties are not penalised). A row that did not exist then is wrong; a row written around that
 * time (uncertain) is neither credited nor penalised and leaves the denominator. Fewer than k
 * results count as misses.
 */
export function searchRecall(op: OpRecord, truth: Truth): number | null {
  const t = truth.forSearch(op);
  if (!t || !op.ids) return null;
  const k = t.expected;
  const larger = truth.metric !== 'L2';
  const kth = t.kthDistance;
  if (k === 0 || Number.isNaN(kth)) return null; // nothing matched: recall is undefined, not perfect
  const slack = Math.abs(kth) * TIE_EPSILON + 1e-6;
  let correct = 0;
  let uncertain = 0;
  const seen = new Set<number>();
  for (const id of op.ids.slice(0, truth.k)) {
    if (seen.has(id)) continue;
    seen.add(id);
    if (t.uncertain(id)) {
      uncertain++;
      continue;
    }
    const d = t.distance(id);
    if (d !== null && (larger ? d >= kth - slack : d <= kth + slack)) correct++;
  }
  return k - uncertain <= 0 ? null : Math.min(1, correct / (k - uncertain));
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
