import type { OpRecord } from '../core/types.ts';
import { rowWrites, stateAt } from './visibility.ts';

export interface DurabilityResult {
  /** Rows that must exist after the run (acknowledged, not deleted since). */
  acknowledged: number;
  /** Must exist, looked up, not found: lost writes. */
  missing: number[];
  /** Acknowledged as deleted, yet found. */
  resurrected: number[];
  /** Found, but not at the version of the last acknowledged upsert. */
  stale: number[];
  /** Last write of unknown outcome or in flight: either state is acceptable. */
  uncertain: number;
  /** Never looked up successfully: durability not shown for them. */
  unverified: number;
  found: number;
  /** The server's row count against the range the acknowledged writes allow, when counted. */
  count: { reported: number; min: number; max: number } | null;
}

/**
 * After the run, every acknowledged insert is present, every acknowledged delete absent, every
 * upsert at its latest acknowledged version. Judged from the verification lookups (op 'query',
 * Strong consistency) against the writes in the history.
 */
export function durability(ops: readonly OpRecord[]): DurabilityResult {
  const writes = rowWrites(ops);
  const lookups = new Map<number, { at: number; version: number | null }>();
  for (const op of ops) {
    if (op.op !== 'query' || op.outcome !== 'ok') continue;
    const found = new Map((op.ids ?? []).map((id, i) => [id, op.versions?.[i] ?? 0]));
    for (const id of op.keys ?? []) lookups.set(id, { at: op.start, version: found.get(id) ?? null });
  }
  const result: DurabilityResult = { acknowledged: 0, missing: [], resurrected: [], stale: [], uncertain: 0, unverified: 0, found: 0, count: null };
  let mustExist = 0;
  let mayExist = 0;
  for (const [id, list] of writes) {
    const lookup = lookups.get(id);
    const state = stateAt(list, lookup?.at ?? Number.POSITIVE_INFINITY, 0);
    if (state.kind === 'present') mustExist++;
    if (state.kind === 'uncertain') mayExist++;
    if (state.kind === 'uncertain') result.uncertain++;
    if (!lookup) {
      if (state.kind !== 'uncertain') result.unverified++;
      continue;
    }
    if (lookup.version !== null) result.found++;
    if (state.kind === 'present' && lookup.version === null) result.missing.push(id);
    else if (state.kind === 'present' && lookup.version !== state.version) result.stale.push(id);
    else if (state.kind === 'absent' && lookup.version !== null) result.resurrected.push(id);
  }
  result.acknowledged = mustExist;
  const counted = ops.filter((o) => o.op === 'count' && o.outcome === 'ok' && o.count !== undefined).at(-1);
  if (counted) result.count = { reported: counted.count!, min: mustExist, max: mustExist + mayExist };
  for (const list of [result.missing, result.resurrected, result.stale]) list.sort((a, b) => a - b);
  return result;
}

/** Writes lost or wrong: the durability SLO's measure. */
export function durabilityViolations(d: DurabilityResult): number {
  return d.missing.length + d.resurrected.length + d.stale.length + countDiscrepancy(d);
}

/** Rows the server's count is off by, beyond what uncertain writes allow. */
export function countDiscrepancy(d: DurabilityResult): number {
  if (!d.count) return 0;
  const { reported, min, max } = d.count;
  return reported < min ? min - reported : reported > max ? reported - max : 0;
}
