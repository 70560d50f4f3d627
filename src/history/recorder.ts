import type { History, HistoryEvent, HistoryRecord, OpRecord, PhaseName } from '../core/types.ts';

export type NewOp = Omit<OpRecord, 'seq' | 'phase' | 'latencyMs' | 'start' | 'end'> & { start: number; end: number };

/**
 * The append-only history of a run. Times are ms since `epochMs`; the phase of an op is the
 * phase in force when it started, so an op that straddles a boundary belongs to where it began.
 */
export class HistoryRecorder {
  private readonly ops: OpRecord[] = [];
  private readonly events: HistoryEvent[] = [];
  private currentPhase: PhaseName = 'setup';
  private seq = 0;

  /** `sink` receives every record as it happens (the run streams them to history.jsonl). */
  constructor(
    readonly epochMs: number,
    private readonly clock: () => number = Date.now,
    private readonly sink: (record: HistoryRecord) => void = () => {},
  ) {}

  /** Passes a record that is not an op or an event (header, versions, scrapes, ...) to the sink. */
  note(record: Exclude<HistoryRecord, { type: 'op' } | { type: 'event' }>): void {
    this.sink(record);
  }

  /** Milliseconds since the epoch, now. */
  now(): number {
    return this.clock() - this.epochMs;
  }

  get phase(): PhaseName {
    return this.currentPhase;
  }

  /** Entering the phase already current does nothing (the runner enters the first one before its drivers start). */
  enterPhase(phase: PhaseName): void {
    if (phase === this.currentPhase) return;
    if (this.currentPhase !== 'setup') this.event('phase-end', this.currentPhase);
    this.currentPhase = phase;
    this.event('phase-start', phase);
  }

  phaseAt(start: number): PhaseName {
    let phase: PhaseName = 'setup';
    for (const e of this.events) {
      if (e.at > start) break;
      if (e.kind === 'phase-start') phase = e.name as PhaseName;
    }
    return phase;
  }

  record(op: NewOp): OpRecord {
    const record: OpRecord = { ...op, seq: this.seq++, phase: this.phaseAt(op.start), latencyMs: op.end - op.start };
    this.ops.push(record);
    this.sink({ type: 'op', op: record });
    return record;
  }

  /** Ops recorded by another driver (times already relative to this epoch): renumbered and re-phased here. */
  import(ops: readonly OpRecord[], source: OpRecord['source']): void {
    for (const op of ops) {
      const record: OpRecord = { ...op, seq: this.seq++, phase: this.phaseAt(op.start), source };
      this.ops.push(record);
      this.sink({ type: 'op', op: record });
    }
  }

  event(kind: HistoryEvent['kind'], name: string, detail?: string): void {
    const e: HistoryEvent = { at: this.now(), kind, name };
    if (detail !== undefined) e.detail = detail;
    this.events.push(e);
    this.sink({ type: 'event', event: e });
  }

  snapshot(): History {
    const ops = [...this.ops].sort((a, b) => a.start - b.start || a.seq - b.seq);
    return { epochMs: this.epochMs, ops, events: [...this.events] };
  }
}
