import type { Metric } from '../core/types.ts';

/** Exact answers for the probe queries, as the checks need them. Pure: no server, no I/O. */
export interface Truth {
  k: number;
  metric: Metric;
  /** The exact k nearest ids of query q, nearest first. */
  ids(queryIndex: number): ArrayLike<number>;
  /** The exact distance of the k-th nearest row of query q (Milvus convention). */
  kthDistance(queryIndex: number): number;
  /** The exact distance between query q and row id, from the data itself (not from the server). */
  distance(queryIndex: number, id: number): number;
}

/** Relative slack on the k-th distance, so float rounding in the server does not cost recall. */
export const TIE_EPSILON = 1e-4;
