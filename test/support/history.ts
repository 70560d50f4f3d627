import type { History, HistoryEvent, OpRecord } from '../../src/core/types.ts';

let seq = 0;

/** A search op for hand-built histories. */
export function search(start: number, outcome: OpRecord['outcome'], extra: Partial<OpRecord> = {}): OpRecord {
  const latencyMs = extra.latencyMs ?? 5;
  return { seq: seq++, op: 'search', start, end: start + latencyMs, outcome, latencyMs, phase: 'steady', ...extra };
}

export function history(ops: OpRecord[], events: HistoryEvent[] = []): History {
  return { epochMs: 0, ops, events };
}
