import type { OpRecord } from '../core/types.ts';

export interface DurabilityResult {
  acknowledged: number;
  /** Acknowledged ids that a successful lookup asked for and did not find. */
  missing: number[];
  /** Acknowledged ids never looked up successfully: durability not shown for them. */
  unverified: number;
  found: number;
}

/** Every acknowledged insert must be found by the verification lookups (op 'query'). */
export function durability(ops: readonly OpRecord[]): DurabilityResult {
  const acknowledged = new Set<number>();
  const asked = new Set<number>();
  const found = new Set<number>();
  for (const op of ops) {
    if (op.op === 'insert' && op.outcome === 'ok') op.ids?.forEach((id) => acknowledged.add(id));
    if (op.op === 'query' && op.outcome === 'ok') {
      op.keys?.forEach((id) => asked.add(id));
      op.ids?.forEach((id) => found.add(id));
    }
  }
  const missing: number[] = [];
  let unverified = 0;
  for (const id of acknowledged) {
    if (!asked.has(id)) unverified++;
    else if (!found.has(id)) missing.push(id);
  }
  return { acknowledged: acknowledged.size, missing: missing.sort((a, b) => a - b), unverified, found: found.size };
}
