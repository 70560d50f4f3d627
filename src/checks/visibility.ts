import type { ConsistencyLevel, OpRecord } from '../core/types.ts';

/**
 * How stale a read may legitimately be, per consistency level. Bounded reads may miss writes of
 * the last `common.gracefulTime` (5000 ms by default in Milvus); Strong and Session (our probes
 * and writes share one client) must see every acknowledged write; Eventually promises nothing.
 */
export const STALENESS_MS: Record<ConsistencyLevel, number> = {
  Strong: 0,
  Session: 0,
  Bounded: 5000,
  Eventually: Number.POSITIVE_INFINITY,
};

/** One row write taken from the history. */
export interface RowWrite {
  id: number;
  kind: 'insert' | 'delete' | 'upsert';
  /** For upserts: the version written (Dataset.upsertVector(id, version)); 0 otherwise. */
  version: number;
  start: number;
  end: number;
  outcome: OpRecord['outcome'];
}

/** What a read at some time must see of one row. */
export type RowState = { kind: 'present'; version: number } | { kind: 'absent' } | { kind: 'uncertain' };

/** The writes of a history, per row, in start order. Failed writes had no effect and are dropped. */
export function rowWrites(ops: readonly OpRecord[]): Map<number, RowWrite[]> {
  const byId = new Map<number, RowWrite[]>();
  for (const op of ops) {
    if ((op.op !== 'insert' && op.op !== 'delete' && op.op !== 'upsert') || op.outcome === 'fail') continue;
    (op.ids ?? []).forEach((id, i) => {
      const write: RowWrite = { id, kind: op.op as RowWrite['kind'], version: op.versions?.[i] ?? 0, start: op.start, end: op.end, outcome: op.outcome };
      const list = byId.get(id) ?? [];
      list.push(write);
      byId.set(id, list);
    });
  }
  for (const list of byId.values()) list.sort((a, b) => a.start - b.start);
  return byId;
}

/**
 * The state a read starting at `t` must observe for a row. A write counts as applied once it was
 * acknowledged at least `stalenessMs` before t. A write in flight at t, acknowledged within the
 * staleness window, or of unknown outcome may or may not be seen. Writes whose calls overlapped in
 * time may have been applied in either order, so the row may end as any write that no applied
 * write strictly followed (started after it ended): the row is uncertain unless all of those agree.
 */
export function stateAt(writes: readonly RowWrite[] | undefined, t: number, stalenessMs: number): RowState {
  const started = (writes ?? []).filter((w) => w.start < t);
  const applied = started.filter((w) => w.outcome === 'ok' && w.end + stalenessMs <= t);
  const overridden = (w: RowWrite): boolean => applied.some((a) => a !== w && a.start > w.end);
  const outcomes: RowState[] = started.filter((w) => !overridden(w)).map(effect);
  if (applied.length === 0) outcomes.push({ kind: 'absent' });
  const [first] = outcomes;
  return outcomes.every((o) => sameState(o, first!)) ? first! : { kind: 'uncertain' };
}

function effect(w: RowWrite): RowState {
  return w.kind === 'delete' ? { kind: 'absent' } : { kind: 'present', version: w.version };
}

function sameState(a: RowState, b: RowState): boolean {
  if (a.kind !== b.kind) return false;
  return a.kind !== 'present' || (b.kind === 'present' && a.version === b.version);
}
