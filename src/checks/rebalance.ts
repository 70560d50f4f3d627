import type { History, HistoryEvent, NodeBalanceView, OpRecord, RebalanceStep } from '../core/types.ts';
import { percentile } from './percentile.ts';

/** History note names the runner writes around a scale step. */
export const SCALE_NODES = 'scale-nodes';
export const SEGMENT_DISTRIBUTION = 'segment-distribution';

/** Each query node serves within this share of the mean row count: balanced. */
export const BALANCE_TOLERANCE = 0.2;
/** Fewer sealed segments than this per node cannot balance to the tolerance; the measurement says so. */
export const MIN_SEGMENTS_PER_NODE = 4;

/** One sealed segment as the query coordinator reports it (SDK getQuerySegmentInfo). */
export interface ServedSegment {
  /** int64 segment id, as a string (a Number would lose its low digits). */
  id: string;
  /** Query nodes serving it (several with more than one replica). */
  nodes: readonly number[];
  rows: number;
  /** Bytes of memory the query node reports for it. */
  memBytes: number;
}

/** The query coordinator's view at one moment: recorded as a note, JSON in its detail. */
export interface DistributionSample {
  at: number;
  segments: readonly ServedSegment[];
}

/** What a scale step's note records once its processes are up (or stopped). */
export interface ScaleNodesNote {
  role: string;
  from: number;
  to: number;
  added: readonly string[];
  removed: readonly string[];
}

/** Rows and segments per query node id in one sample. */
export type NodeBalance = NodeBalanceView;

/** Rows and segments per query node in one sample. */
export function nodeBalance(sample: DistributionSample): NodeBalance {
  const rowsByNode: Record<string, number> = {};
  const segmentsByNode: Record<string, number> = {};
  // A segment being moved is listed once per node that holds it (loaded on the target before the
  // source releases it): count its rows once, and count it as moving.
  const nodesOf = new Map<string, Set<number>>();
  const rowsOf = new Map<string, number>();
  for (const s of sample.segments) {
    const held = nodesOf.get(s.id) ?? new Set<number>();
    for (const n of s.nodes) {
      if (held.has(n)) continue;
      held.add(n);
      rowsByNode[n] = (rowsByNode[n] ?? 0) + s.rows;
      segmentsByNode[n] = (segmentsByNode[n] ?? 0) + 1;
    }
    nodesOf.set(s.id, held);
    rowsOf.set(s.id, s.rows);
  }
  const copies = [...nodesOf.values()].map((n) => n.size);
  const replicas = copies.length === 0 ? 0 : Math.min(...copies);
  const moving = copies.filter((c) => c > replicas).length;
  const counts = Object.values(rowsByNode);
  const mean = counts.reduce((a, b) => a + b, 0) / (counts.length || 1);
  const maxDeviation = counts.length === 0 || mean === 0 ? null : Math.max(...counts.map((c) => Math.abs(c - mean) / mean));
  return { rowsByNode, segmentsByNode, nodes: counts.length, segments: nodesOf.size, rows: [...rowsOf.values()].reduce((a, r) => a + r, 0), maxDeviation, moving };
}

/** Exactly `nodes` query nodes serve, no segment is mid-move, and each node is within the tolerance of the mean row count. */
/** The distinct sealed segments a sample lists (a segment being moved is listed once per node). */
export function segmentCount(sample: DistributionSample): number {
  return new Set(sample.segments.map((s) => s.id)).size;
}

/**
 * Why `nodes` query nodes can never balance a collection of `segments` sealed segments, or null:
 * fewer segments than nodes leave a node with none however long the coordinator balances.
 */
export function unbalanceable(segments: number, nodes: number): string | null {
  if (segments >= nodes) return null;
  return `the collection has ${segments} sealed segment${segments === 1 ? '' : 's'}, so ${nodes} query nodes cannot each serve a share: give it more rows (dataset.rows; a segment holds up to dataCoord.segment.maxSize) or scale to at most ${Math.max(1, segments)} nodes`;
}

export function isBalanced(sample: DistributionSample, nodes: number, tolerance = BALANCE_TOLERANCE): boolean {
  const b = nodeBalance(sample);
  return b.nodes === nodes && b.moving === 0 && b.maxDeviation !== null && b.maxDeviation <= tolerance;
}

/** One scale step, measured from the history around its action (fields: RebalanceStep in core). */
export type Rebalance = RebalanceStep;

/** Every query-node or data-node scale step of the run, in order. */
export function rebalances(history: History): Rebalance[] {
  const events = history.events;
  const out: Rebalance[] = [];
  events.forEach((e, i) => {
    if (e.kind !== 'action-start' || e.name !== 'scale') return;
    const end = events.slice(i + 1).find((x) => x.kind === 'action-end' && x.name === 'scale') ?? null;
    const endAt = end?.at ?? Number.POSITIVE_INFINITY;
    const within = (x: HistoryEvent): boolean => x.at >= e.at && x.at <= endAt;
    const nodesNote = events.find((x) => within(x) && x.kind === 'note' && x.name === SCALE_NODES);
    const note = nodesNote?.detail ? (JSON.parse(nodesNote.detail) as ScaleNodesNote) : null;
    const samples = events.filter((x) => within(x) && x.kind === 'note' && x.name === SEGMENT_DISTRIBUTION && x.detail).map((x) => JSON.parse(x.detail!) as DistributionSample);
    out.push(measureStep(history.ops, e.at, end, note, nodesNote?.at ?? null, samples));
  });
  return out;
}

function measureStep(ops: readonly OpRecord[], start: number, end: HistoryEvent | null, note: ScaleNodesNote | null, nodesReadyAt: number | null, samples: readonly DistributionSample[]): Rebalance {
  const problems: string[] = [];
  const scaleOut = note !== null && note.to > note.from;
  const from = scaleOut ? nodesReadyAt : start;
  const balanced = note && from !== null ? samples.find((s) => s.at >= from && isBalanced(s, note.to)) ?? null : null;
  const windowEnd = balanced?.at ?? end?.at ?? Math.max(start, ...ops.map((o) => o.start));
  const searches = ops.filter((o) => o.op === 'search' && o.start >= start && o.start <= windowEnd);
  const ok = searches.filter((o) => o.outcome === 'ok').length;
  const failed = searches.filter((o) => o.outcome === 'fail').length;
  const unknown = searches.filter((o) => o.outcome === 'unknown').length;
  const latencies = searches.filter((o) => o.outcome !== 'fail').map((o) => o.latencyMs);
  const before = samples[0] ? nodeBalance(samples[0]) : null;
  const after = balanced ? nodeBalance(balanced) : samples.at(-1) ? nodeBalance(samples.at(-1)!) : null;
  const most = note ? Math.max(note.from, note.to) : 0;
  const segments = Math.max(before?.segments ?? 0, after?.segments ?? 0);
  const enoughSegments = note !== null && segments >= MIN_SEGMENTS_PER_NODE * most;
  if (end?.detail && end.detail !== 'ok') problems.push(`the scale step ${end.detail}`);
  if (!note) problems.push('the scale step recorded no node change (it failed before its processes were up or stopped)');
  if (note && note.role === 'querynode') {
    if (samples.length === 0) problems.push("no sample of the query coordinator's segment distribution was recorded");
    else if (!balanced) problems.push(`never balanced to ${note.to} query nodes within ${BALANCE_TOLERANCE * 100}% of the mean row count (last: ${describeBalance(after)})`);
    if (!enoughSegments) problems.push(`only ${segments} sealed segments for ${most} query nodes: at least ${MIN_SEGMENTS_PER_NODE} per node are needed for a balance to mean anything (use more rows or a smaller dataCoord.segment.maxSize)`);
    if (balanced && before && after && after.rows < before.rows) problems.push(`rows served fell from ${before.rows} to ${after.rows}: segments of a removed node are not served elsewhere`);
  }
  if (failed + unknown > 0) problems.push(`${failed + unknown} of ${searches.length} searches during the rebalance did not succeed (${failed} failed, ${unknown} unknown)`);
  return {
    role: note?.role ?? 'unknown',
    from: note?.from ?? 0,
    to: note?.to ?? 0,
    added: note?.added ?? [],
    removed: note?.removed ?? [],
    start,
    nodesReadyAt,
    balancedAt: balanced?.at ?? null,
    rebalanceMs: balanced && from !== null ? balanced.at - from : null,
    before,
    after,
    enoughSegments,
    searches: searches.length,
    failed,
    unknown,
    availability: searches.length === 0 ? null : ok / searches.length,
    p99Ms: percentile(latencies, 99),
    samples: samples.length,
    problems,
  };
}

export function describeBalance(b: NodeBalance | null): string {
  if (!b) return 'no sample';
  const rows = Object.entries(b.rowsByNode).map(([n, r]) => `node ${n}: ${r} rows in ${b.segmentsByNode[n]} segments`);
  return `${b.nodes} nodes (${rows.join(', ')}${b.moving ? `; ${b.moving} segments moving` : ''}), deviation ${b.maxDeviation === null ? '—' : `${(b.maxDeviation * 100).toFixed(1)}%`}`;
}
