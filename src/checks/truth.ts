import type { Metric, OpRecord } from '../core/types.ts';
import { stateAt, type RowWrite } from './visibility.ts';

/** Exact answers for one search, as the recall check needs them. */
export interface SearchTruth {
  /** Exact distance of the k-th nearest row that the search had to see. */
  kthDistance: number;
  /** How many results a perfect answer holds: k, or fewer when fewer rows matched. */
  expected: number;
  /** Exact distance from the query to the row as it stood for this search; null if it did not exist. */
  distance(id: number): number | null;
  /** The row was being written around the search's time: it may or may not be seen. */
  uncertain(id: number): boolean;
}

export interface Truth {
  k: number;
  metric: Metric;
  /** null when the op is not a scorable search. */
  forSearch(op: OpRecord): SearchTruth | null;
}

/** Relative slack on the k-th distance, so float rounding in the server does not cost recall. */
export const TIE_EPSILON = 1e-4;

export function nearer(metric: Metric): (a: number, b: number) => number {
  return metric === 'L2' ? (a, b) => a - b : (a, b) => b - a;
}

/** Ranked exact neighbours of one (query, filter) over the rows as first loaded. */
export interface BaseList {
  ids: ArrayLike<number>;
  distances: ArrayLike<number>;
  /** True when the list stops short of all matching rows (so rows below it are unknown). */
  truncated: boolean;
}

export interface ChurnTruthInput {
  k: number;
  metric: Metric;
  stalenessMs: number;
  /** Rows loaded before the workload began, all at version 0. */
  isBaseRow: (id: number) => boolean;
  /** Writes made during the workload, per row (rowWrites of the history's churn ops). */
  churn: Map<number, RowWrite[]>;
  baseList: (queryIndex: number, filter: OpRecord['filter']) => BaseList;
  /** Exact distance of a row at a version (version 0 = as first inserted). */
  distance: (queryIndex: number, id: number, version: number) => number;
  matchesFilter: (id: number, filter: OpRecord['filter']) => boolean;
  /**
   * Exact k-th distance over every row present at the search's time, for the rare search whose
   * base list ran out because churn removed too many of its rows.
   */
  kthByScan: (queryIndex: number, filter: OpRecord['filter'], present: (id: number) => number | null) => number;
}

/**
 * Truth that follows churn: a search at time t is scored against the rows acknowledged before t
 * (less the consistency level's staleness), minus acknowledged deletes, with upserts at their
 * latest value; rows written around t are uncertain and neither credited nor penalised.
 */
export function churnAwareTruth(input: ChurnTruthInput): Truth {
  const { k, metric } = input;
  const order = nearer(metric);
  return {
    k,
    metric,
    forSearch(op) {
      if (op.op !== 'search' || op.outcome !== 'ok' || op.queryIndex === undefined || !op.ids || op.source === 'k6') return null;
      const q = op.queryIndex;
      const filter = op.filter;
      const state = (id: number): ReturnType<typeof stateAt> | null => {
        const writes = input.churn.get(id);
        if (!writes) return input.isBaseRow(id) ? { kind: 'present', version: 0 } : { kind: 'absent' };
        const base = input.isBaseRow(id) ? [{ id, kind: 'insert' as const, version: 0, start: -Infinity, end: -Infinity, outcome: 'ok' as const }] : [];
        return stateAt([...base, ...writes], op.start, input.stalenessMs);
      };
      const present = (id: number): number | null => {
        const s = state(id);
        if (!s || s.kind !== 'present' || !input.matchesFilter(id, filter)) return null;
        return input.distance(q, id, s.version);
      };
      return {
        ...kthDistance(input, q, filter, present, order),
        distance: present,
        uncertain: (id) => state(id)?.kind === 'uncertain',
      };
    },
  };
}

function kthDistance(
  input: ChurnTruthInput,
  q: number,
  filter: OpRecord['filter'],
  present: (id: number) => number | null,
  order: (a: number, b: number) => number,
): { kthDistance: number; expected: number } {
  const list = input.baseList(q, filter);
  const candidates: number[] = [];
  let untouched = 0;
  for (let i = 0; i < list.ids.length; i++) {
    const id = list.ids[i]!;
    if (input.churn.has(id)) continue; // judged below with its current value
    candidates.push(list.distances[i]!);
    untouched++;
  }
  if (untouched < input.k && list.truncated) return { kthDistance: input.kthByScan(q, filter, present), expected: input.k };
  for (const id of input.churn.keys()) {
    const d = present(id);
    if (d !== null) candidates.push(d);
  }
  candidates.sort(order);
  const expected = Math.min(input.k, candidates.length);
  return { kthDistance: candidates[expected - 1] ?? Number.NaN, expected };
}
