import type { OpRecord } from '../core/types.ts';

/** What a fault cost until the service took over from the killed component. */
export interface Takeover {
  /**
   * From the fault's start to the start of the first window of `windowMs` in which every
   * operation succeeded, opening after the last failure that started while the fault held: how
   * long until a standby (or anything) served again. 0 when nothing failed; null when no such
   * window was observed.
   */
  ms: number | null;
  /** Operations that started from the fault's start until the takeover (or, without one, the fault's end) and did not succeed. */
  failed: number;
  /** All operations that started in that span. */
  ops: number;
}

/** Client operations that say whether the service serves: probe searches and the SDK's writes and reads. */
export function servingOps(ops: readonly OpRecord[]): OpRecord[] {
  return ops.filter((o) => o.source !== 'k6' && o.phase !== 'verify' && (o.op === 'search' || o.op === 'insert' || o.op === 'delete' || o.op === 'upsert' || o.op === 'query'));
}

/** The takeover of one fault window [start, end], from the operations alone. */
export function takeover(ops: readonly OpRecord[], start: number, end: number, windowMs: number): Takeover {
  const after = ops.filter((o) => o.start >= start).sort((a, b) => a.start - b.start);
  const lastFailure = after.filter((o) => o.start <= end && o.outcome !== 'ok').at(-1)?.start ?? null;
  let windowStart: number | null = null;
  let ms: number | null = null;
  for (const op of after) {
    if (lastFailure !== null && op.start <= lastFailure) continue;
    if (windowStart !== null && op.start >= windowStart + windowMs) {
      ms = lastFailure === null ? 0 : windowStart - start;
      break;
    }
    if (op.outcome !== 'ok') windowStart = null;
    else windowStart ??= op.start;
  }
  const until = ms === null ? end : start + ms;
  const span = after.filter((o) => (ms === null ? o.start <= until : o.start < until));
  return { ms, failed: span.filter((o) => o.outcome !== 'ok').length, ops: span.length };
}
