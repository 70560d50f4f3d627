// Turns k6's JSON-lines output (--out json=FILE) into the run's operation history. Pure.
import type { OpRecord, Outcome, PhaseName } from '../../core/types.ts';
import { GRPC_DURATION_METRIC, OP_METRIC } from './render.ts';

const DROPPED_METRIC = 'dropped_iterations';
const OPS = new Set<OpRecord['op']>(['insert', 'flush', 'index', 'load', 'search', 'query', 'delete', 'upsert', 'ddl']);
const OUTCOMES = new Set<Outcome>(['ok', 'fail', 'unknown']);

interface K6Point {
  metric: string;
  /** Unix ms, with sub-millisecond precision kept. */
  timeMs: number;
  value: number;
  tags: Record<string, string>;
  metadata: Record<string, string>;
}

export interface K6Dropped {
  total: number;
  byScenario: Record<string, number>;
}

export interface K6Ingested {
  ops: OpRecord[];
  dropped: K6Dropped;
}

/** RFC 3339 with any number of fractional digits (k6 writes nanoseconds) → unix ms. */
export function parseRfc3339Ms(text: string): number {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(text);
  const whole = m ? Date.parse(`${m[1]}${m[3]}`) : Number.NaN;
  if (!m || Number.isNaN(whole)) throw new Error(`not an RFC 3339 time: ${JSON.stringify(text)}`);
  return whole + (m[2] ? Number(`0.${m[2]}`) * 1000 : 0);
}

function parsePoint(line: string, lineNo: number): K6Point | null {
  let parsed: { type?: string; metric?: string; data?: { time?: string; value?: number; tags?: Record<string, string>; metadata?: Record<string, string> } };
  try {
    parsed = JSON.parse(line) as typeof parsed;
  } catch (err) {
    throw new Error(`k6 output line ${lineNo}: not JSON (${(err as Error).message})`);
  }
  if (parsed.type !== 'Point') return null;
  const { metric, data } = parsed;
  if (!metric || !data || typeof data.time !== 'string' || typeof data.value !== 'number') {
    throw new Error(`k6 output line ${lineNo}: Point without metric, time or value`);
  }
  return { metric, timeMs: parseRfc3339Ms(data.time), value: data.value, tags: data.tags ?? {}, metadata: data.metadata ?? {} };
}

/** A comma-separated list from metadata; '' is an empty list (a search that found nothing). */
function numbers(csv: string | undefined): number[] | undefined {
  if (csv === undefined) return undefined;
  return csv === '' ? [] : csv.split(',').map(Number);
}

function oneOf<T extends string>(allowed: Set<T>, value: string | undefined, what: string, lineNo: number): T {
  if (value === undefined || !allowed.has(value as T)) {
    throw new Error(`k6 output line ${lineNo}: ${OP_METRIC} has ${what} ${JSON.stringify(value)}, expected one of ${[...allowed].join(', ')}`);
  }
  return value as T;
}

/** One op from its drill_op point, timed by k6's own grpc_req_duration sample when the call reached gRPC. */
function toOp(point: K6Point, grpc: K6Point | undefined, epochMs: number, lineNo: number): Omit<OpRecord, 'seq'> {
  const timed = grpc ?? point;
  const end = timed.timeMs - epochMs;
  const op: Omit<OpRecord, 'seq'> = {
    op: oneOf(OPS, point.tags.op, 'op', lineNo),
    start: end - timed.value,
    end,
    outcome: oneOf(OUTCOMES, point.tags.outcome, 'outcome', lineNo),
    latencyMs: timed.value,
    // Phases are the scenario's own names; the runner re-phases every op by its start time anyway.
    phase: (point.tags.phase || 'setup') as PhaseName,
  };
  const { error, query_index: queryIndex, ids, scores, versions } = point.metadata;
  const errorClass = point.tags.error_class;
  if (errorClass) op.errorClass = errorClass;
  if (error) op.error = error;
  if (queryIndex !== undefined) op.queryIndex = Number(queryIndex);
  const idList = numbers(ids);
  if (idList) op.ids = idList;
  const scoreList = numbers(scores);
  if (scoreList) op.scores = scoreList;
  const versionList = numbers(versions);
  if (versionList) op.versions = versionList;
  return op;
}

/**
 * Turns k6's JSON output into ops as it is written: fed chunks of the file in order (a line may be
 * split across chunks), it returns each op as soon as its drill_op line is complete, numbered from
 * `firstSeq` in output order. A call's grpc_req_duration sample precedes its drill_op sample in the
 * output: k6 pushes it from the gRPC stats handler before invoke() returns, the script records
 * drill_op after, and one VU's samples keep their order through k6's output.
 */
export class K6Ingester {
  private readonly grpcByOpId = new Map<string, K6Point>();
  private readonly droppedIterations: K6Dropped = { total: 0, byScenario: {} };
  private partial = '';
  private lineNo = 0;
  private nextSeq: number;

  constructor(private readonly epochMs: number, firstSeq = 0) {
    this.nextSeq = firstSeq;
  }

  /** Iterations k6 dropped so far because no VU was free. */
  get dropped(): K6Dropped {
    return { total: this.droppedIterations.total, byScenario: { ...this.droppedIterations.byScenario } };
  }

  /** A chunk of the output as read; returns the ops of the lines it completed. */
  push(chunk: string): OpRecord[] {
    const lines = (this.partial + chunk).split('\n');
    this.partial = lines.pop()!;
    return lines.flatMap((line) => this.line(line));
  }

  /** The output ended: a last line without a newline is ingested too. */
  finish(): OpRecord[] {
    const last = this.partial;
    this.partial = '';
    return last === '' ? [] : this.line(last);
  }

  private line(line: string): OpRecord[] {
    const lineNo = ++this.lineNo;
    if (line.trim() === '') return [];
    const point = parsePoint(line, lineNo);
    if (!point) return [];
    if (point.metric === GRPC_DURATION_METRIC && point.metadata.op_id) this.grpcByOpId.set(point.metadata.op_id, point);
    else if (point.metric === OP_METRIC) {
      const opId = point.metadata.op_id ?? '';
      const op = toOp(point, this.grpcByOpId.get(opId), this.epochMs, lineNo);
      this.grpcByOpId.delete(opId);
      return [{ seq: this.nextSeq++, ...op }];
    } else if (point.metric === DROPPED_METRIC) {
      const scenario = point.tags.scenario ?? 'default';
      this.droppedIterations.total += point.value;
      this.droppedIterations.byScenario[scenario] = (this.droppedIterations.byScenario[scenario] ?? 0) + point.value;
    }
    return [];
  }
}

/**
 * Ingests a finished k6 output, given as its lines: one OpRecord per drill_op sample (times in ms
 * since `epochMs`, ordered by start, seq numbered from `firstSeq`), and the iterations k6 dropped
 * because no VU was free.
 */
export function ingestK6Output(lines: Iterable<string>, epochMs: number, firstSeq = 0): K6Ingested {
  const ingester = new K6Ingester(epochMs);
  const ops: OpRecord[] = [];
  for (const line of lines) ops.push(...ingester.push(`${line}\n`));
  ops.push(...ingester.finish());
  return {
    ops: ops
      .map(({ seq: _seq, ...op }) => op)
      .sort((a, b) => a.start - b.start || a.end - b.end)
      .map((op, i) => ({ seq: firstSeq + i, ...op })),
    dropped: ingester.dropped,
  };
}
