import type { DrReport, DrSpan, DrVerificationItem, HistoryEvent, OpRecord, RecordedRun, SloSpec } from '../core/types.ts';
import { searchRecall } from './recall.ts';
import type { Truth } from './truth.ts';
import { rowWrites, stateAt } from './visibility.ts';

/** History notes the binlog backup and restore steps write (event kind 'note', detail JSON). */
export const DR_BACKUP = 'dr:backup';
export const DR_RESTORE = 'dr:restore';
export const DR_DAMAGE = 'dr:damage';

/** A recall this far below the source's still counts as the same (recall@k of the restored stack vs the source). */
export const RECALL_TOLERANCE = 0.02;
/** The recall a search window needs for RTO when the scenario sets no numeric recall SLO. */
export const DEFAULT_RTO_RECALL = 0.9;

export interface DrBackupNote {
  name: string;
  method: DrReport['method'];
  start: number;
  /** Writes were held and the ones in flight had ended: everything acknowledged before this is in the backup. */
  pointAt: number;
  end: number;
  rows: number;
  /** Segments copied (binlog); null where the method copies files, not segments (cold snapshot). */
  segments: number | null;
  objects: number;
  bytes: number;
  location: string;
  gcPause: string;
  /** The source's vector index as the server describes it (type, metric, params). */
  index: string | null;
  partitionCounts: Record<string, number>;
  partitionKey: { field: string | null; partitions: number };
}

export interface DrRestoreNote {
  name: string;
  start: number;
  manifestChecked: boolean;
  corrupted: string[];
  missing: string[];
  importStart: number | null;
  importEnd: number | null;
  rows: number | null;
  /** The restore's own end (import, index, load), before its verification lookups. */
  end: number | null;
  /** The lookups of every written id on the restored stack, before any new write reached it. */
  lookups: { from: number; to: number } | null;
  partitionCounts: Record<string, number> | null;
  index: string | null;
  partitionKey: { field: string | null; partitions: number } | null;
  error: string | null;
}

const WRITES = new Set<OpRecord['op']>(['insert', 'delete', 'upsert']);

function notes<T>(events: readonly HistoryEvent[], name: string): (T & { at: number })[] {
  return events.filter((e) => e.kind === 'note' && e.name === name && e.detail).map((e) => ({ ...(JSON.parse(e.detail!) as T), at: e.at }));
}

/**
 * The writes a restore is expected to lose: from the backup point to the restore's end (to the old
 * stack after the backup, to nothing while no stack was up). Null without a backup and a restore.
 */
export function lostWindow(events: readonly HistoryEvent[]): { from: number; to: number } | null {
  const restore = notes<DrRestoreNote>(events, DR_RESTORE).at(-1);
  if (!restore) return null;
  const backup = notes<DrBackupNote>(events, DR_BACKUP).filter((b) => b.name === restore.name).at(-1);
  if (!backup) return null;
  return { from: backup.pointAt, to: restore.at };
}

/** The history as the restored system must reflect it: writes in the lost window left out. */
export function withoutLostWrites(ops: readonly OpRecord[], events: readonly HistoryEvent[]): readonly OpRecord[] {
  const w = lostWindow(events);
  if (!w) return ops;
  return ops.filter((o) => !(WRITES.has(o.op) && o.start >= w.from && o.start < w.to));
}

function span(start: number | null | undefined, end: number | null | undefined): DrSpan | null {
  return start === null || start === undefined || end === null || end === undefined ? null : { start, end, ms: end - start };
}

function actionSpan(events: readonly HistoryEvent[], name: string, after: number): DrSpan | null {
  const start = events.find((e) => e.kind === 'action-start' && e.name === name && e.at >= after);
  if (!start) return null;
  const end = events.find((e) => e.kind === 'action-end' && e.name === name && e.at >= start.at);
  return span(start.at, end?.at);
}

/** The recall a window of searches needs for RTO: the scenario's lowest numeric recall SLO, else 0.9. */
export function rtoRecallThreshold(slos: readonly SloSpec[]): number {
  const numeric = slos.filter((s) => s.kind === 'recall' && typeof s.threshold === 'number').map((s) => s.threshold as number);
  return numeric.length > 0 ? Math.min(...numeric) : DEFAULT_RTO_RECALL;
}

/**
 * The first window of `windowMs` after `from` in which every probe search succeeded and their mean
 * recall@k was at `threshold` (one query's recall varies too much to judge alone; probes whose
 * recall cannot be scored count on their outcome alone). The window must have been observed in
 * full: some probe started at or after its end. Null: never.
 */
export function firstGoodWindow(probes: readonly OpRecord[], from: number, windowMs: number, recall: (op: OpRecord) => number | null, threshold: number): { start: number; end: number } | null {
  const after = probes.filter((p) => p.start >= from).sort((a, b) => a.start - b.start);
  for (let i = 0; i < after.length; i++) {
    const start = after[i]!.start;
    if (after[i]!.outcome !== 'ok') continue;
    const endIdx = after.findIndex((p) => p.start >= start + windowMs);
    if (endIdx < 0) return null;
    const window = after.slice(i, endIdx);
    if (window.some((p) => p.outcome !== 'ok')) continue;
    const rs = window.map(recall).filter((r): r is number => r !== null);
    if (rs.length === 0 || rs.reduce((a, b) => a + b, 0) / rs.length >= threshold) return { start, end: start + windowMs };
  }
  return null;
}

function meanRecall(ops: readonly OpRecord[], truth: Truth): { mean: number | null; n: number } {
  const rs = ops.map((o) => searchRecall(o, truth)).filter((r): r is number => r !== null);
  return { mean: rs.length ? rs.reduce((a, b) => a + b, 0) / rs.length : null, n: rs.length };
}

const sample = (ids: readonly number[]): string => `${ids.slice(0, 10).join(', ')}${ids.length > 10 ? ` and ${ids.length - 10} more` : ''}`;

/**
 * The run's DR figures from its history alone: backup point and cut, destroy, restore spans, RPO,
 * RTO and the restore's verification. Null when the run has no restore.
 */
export function drReport(run: RecordedRun, truth: Truth | null): DrReport | null {
  const { events, ops } = run.history;
  const restore = notes<DrRestoreNote>(events, DR_RESTORE).at(-1) ?? null;
  const backup = (restore ? notes<DrBackupNote>(events, DR_BACKUP).filter((b) => b.name === restore.name).at(-1) : notes<DrBackupNote>(events, DR_BACKUP).at(-1)) ?? null;
  if (!backup && !restore) return null;
  const s = run.header.scenario;
  const point = backup?.pointAt ?? null;
  const writes = ops.filter((o) => WRITES.has(o.op));
  const cutSeq = point === null ? -1 : Math.max(-1, ...writes.filter((o) => o.outcome === 'ok' && o.end <= point).map((o) => o.seq));
  const destroy = events.find((e) => e.kind === 'action-start' && e.name === 'destroy' && (point === null || e.at >= point));
  const destroyAt = destroy?.at ?? null;
  const up = actionSpan(events, 'up', destroyAt ?? 0);
  const restoreSpan = restore ? actionSpan(events, 'restore', restore.start - 1) : null;
  const inRestore = (o: OpRecord): boolean => restore !== null && o.start >= restore.start && (restore.end === null || o.end <= restore.end);
  const indexOp = ops.find((o) => o.op === 'index' && inRestore(o));
  const loadOp = ops.find((o) => o.op === 'load' && inRestore(o));
  const importSpan = span(restore?.importStart, restore?.importEnd);

  const report: DrReport = {
    method: backup?.method ?? 'binlog',
    backup: backup && {
      name: backup.name,
      span: span(backup.start, backup.end)!,
      pointAt: backup.pointAt,
      cutSeq,
      rows: backup.rows,
      segments: backup.segments,
      objects: backup.objects,
      bytes: backup.bytes,
      location: backup.location,
      gcPause: backup.gcPause,
    },
    destroyAt,
    restore: restore && {
      name: restore.name,
      span: restoreSpan ?? span(restore.start, restore.end) ?? { start: restore.start, end: restore.at, ms: restore.at - restore.start },
      import: importSpan,
      indexBuild: indexOp ? span(indexOp.start, indexOp.end) : null,
      load: loadOp ? span(loadOp.start, loadOp.end) : null,
      rows: restore.rows,
      rowsPerSecond: restore.rows !== null && importSpan && importSpan.ms > 0 ? Math.round((restore.rows / importSpan.ms) * 1000) : null,
      manifestChecked: restore.manifestChecked,
      corrupted: restore.corrupted,
      missing: restore.missing,
    },
    rpo: null,
    rto: null,
    verification: null,
    timeline: [],
  };

  if (point !== null) {
    const until = destroyAt ?? Number.POSITIVE_INFINITY;
    const after = writes.filter((o) => o.outcome === 'ok' && o.start >= point && o.start < until);
    const lost = new Set(after.flatMap((o) => o.ids ?? []));
    const last = Math.max(point, ...after.map((o) => o.end));
    report.rpo = { rows: lost.size, seconds: Math.round(last - point) / 1000, lostBeforePoint: 0 };
  }

  if (restore && backup) {
    const items = verify(backup, restore, ops, truth, destroyAt);
    report.verification = { pass: items.every((i) => i.pass), items };
    const lostBefore = items.filter((i) => i.check === 'rows' || i.check === 'versions' || i.check === 'deletes').reduce((n, i) => n + (i.pass ? 0 : Number(/^(\d+)/.exec(i.found)?.[1] ?? 0)), 0);
    if (report.rpo) report.rpo.lostBeforePoint = lostBefore;
  }

  if (destroyAt !== null) {
    const threshold = rtoRecallThreshold(s.slos);
    const windowMs = s.recovery.window;
    const probes = ops.filter((o) => o.op === 'search' && o.source !== 'k6');
    const from = restore?.end ?? restore?.at ?? destroyAt;
    const recall = (o: OpRecord): number | null => (truth ? searchRecall(o, truth) : null);
    const window = restore?.error ? null : firstGoodWindow(probes, from, windowMs, recall, threshold);
    report.rto = {
      ms: window ? window.start - destroyAt : null,
      firstGoodWindow: window,
      upMs: up?.ms ?? null,
      restoreMs: report.restore?.import?.ms ?? null,
      indexBuildMs: report.restore?.indexBuild?.ms ?? null,
      loadMs: report.restore?.load?.ms ?? null,
      recallThreshold: threshold,
      windowMs,
    };
  }

  const t: { at: number; what: string }[] = [];
  const add = (at: number | null | undefined, what: string): void => void (at !== null && at !== undefined && t.push({ at, what }));
  add(backup?.start, `backup '${backup?.name}' started`);
  add(backup?.pointAt, 'backup point (writes held, flush)');
  add(backup?.end, `backup done: ${backup?.objects} objects`);
  add(destroyAt, 'stack destroyed');
  add(up?.start, 'new stack: bring-up started');
  add(up?.end, 'new stack up');
  add(restore?.start, `restore '${restore?.name}' started`);
  add(restore?.importStart, 'import started');
  add(restore?.importEnd, `import done: ${restore?.rows} rows`);
  add(indexOp?.start, 'index build started');
  add(indexOp?.end, 'index built');
  add(loadOp?.start, 'load started');
  add(loadOp?.end, 'loaded');
  add(restore?.error ? restore.at : null, `restore failed: ${restore?.error}`);
  add(report.rto?.firstGoodWindow?.start, 'first good search window');
  report.timeline = t.sort((a, b) => a.at - b.at);
  return report;
}

function verify(backup: DrBackupNote & { at: number }, restore: DrRestoreNote & { at: number }, ops: readonly OpRecord[], truth: Truth | null, destroyAt: number | null): DrVerificationItem[] {
  const items: DrVerificationItem[] = [];
  const item = (check: string, pass: boolean, expected: string, found: string, detail = ''): void => void items.push({ check, pass, expected, found, detail: pass ? '' : detail });
  const bad = [...restore.corrupted.map((k) => `${k} (checksum mismatch)`), ...restore.missing.map((k) => `${k} (missing)`)];
  item('manifest', bad.length === 0, 'every object matches its SHA-256', restore.manifestChecked ? (bad.length ? `${bad.length} damaged` : 'all match') : 'not checked (verifyChecksums: false)', `damaged objects: ${bad.join(', ')}`);
  item('restore', restore.error === null, 'import, index and load complete', restore.error === null ? 'complete' : 'failed', restore.error ?? '');
  if (restore.error !== null || !restore.lookups) return items;

  // Rows: what a read at the backup point had to see, against what the restored stack returned.
  const before = ops.filter((o) => !(WRITES.has(o.op) && o.start >= backup.pointAt));
  const writes = rowWrites(before);
  const found = new Map<number, number>();
  const looked = new Set<number>();
  for (const o of ops) {
    if (o.op !== 'query' || o.outcome !== 'ok' || o.start < restore.lookups.from || o.end > restore.lookups.to) continue;
    (o.keys ?? []).forEach((id) => looked.add(id));
    (o.ids ?? []).forEach((id, i) => found.set(id, o.versions?.[i] ?? 0));
  }
  const missing: number[] = [];
  const stale: number[] = [];
  const resurrected: number[] = [];
  const unverified: number[] = [];
  let present = 0;
  let absent = 0;
  for (const [id, list] of writes) {
    const state = stateAt(list, backup.pointAt, 0);
    if (state.kind === 'uncertain') continue;
    if (!looked.has(id)) {
      unverified.push(id);
      continue;
    }
    const v = found.get(id);
    if (state.kind === 'present') {
      present++;
      if (v === undefined) missing.push(id);
      else if (v !== state.version) stale.push(id);
    } else {
      absent++;
      if (v !== undefined) resurrected.push(id);
    }
  }
  item('rows', missing.length === 0 && unverified.length === 0, `${present} rows acknowledged before the backup point present`, missing.length || unverified.length ? `${missing.length} missing, ${unverified.length} not looked up` : `${present} present`, `missing ids: ${sample(missing.sort((a, b) => a - b))}${unverified.length ? `; not looked up: ${sample(unverified)}` : ''}`);
  item('versions', stale.length === 0, 'each row at its latest version before the backup point', stale.length ? `${stale.length} stale` : 'all latest', `stale ids: ${sample(stale.sort((a, b) => a - b))}`);
  item('deletes', resurrected.length === 0, `${absent} rows deleted before the backup point absent`, resurrected.length ? `${resurrected.length} back` : `${absent} absent`, `deleted ids back: ${sample(resurrected.sort((a, b) => a - b))}`);

  const src = backup.partitionCounts;
  const dst = restore.partitionCounts ?? {};
  const names = [...new Set([...Object.keys(src), ...Object.keys(dst)])].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const differing = names.filter((n) => src[n] !== dst[n]).map((n) => `${n}: ${src[n] ?? 'absent'} → ${dst[n] ?? 'absent'}`);
  const diffs = differing.length > 10 ? [...differing.slice(0, 10), `and ${differing.length - 10} more`] : differing;
  const total = (c: Record<string, number>): number => Object.values(c).reduce((a, b) => a + b, 0);
  item('partition counts', diffs.length === 0, `${names.length} partitions, ${total(src)} rows`, `${Object.keys(dst).length} partitions, ${total(dst)} rows`, `differ: ${diffs.join('; ')}`);
  item('index', backup.index !== null && backup.index === restore.index, backup.index ?? 'no index', restore.index ?? 'no index', `index differs: ${backup.index ?? 'none'} before, ${restore.index ?? 'none'} after`);
  const pk = (k: DrBackupNote['partitionKey'] | null): string => (k ? `${k.field ?? 'none'} over ${k.partitions} partitions` : 'unknown');
  item('partition key', pk(backup.partitionKey) === pk(restore.partitionKey), pk(backup.partitionKey), pk(restore.partitionKey), `partition key: ${pk(backup.partitionKey)} before, ${pk(restore.partitionKey)} after`);

  if (truth) {
    const probes = ops.filter((o) => o.op === 'search' && o.source !== 'k6' && o.outcome === 'ok');
    const source = meanRecall(probes.filter((o) => o.start < (destroyAt ?? backup.start)), truth);
    const restored = meanRecall(probes.filter((o) => o.start >= (restore.end ?? restore.at)), truth);
    const pass = source.mean !== null && restored.mean !== null && restored.mean >= source.mean - RECALL_TOLERANCE;
    const f = (r: { mean: number | null; n: number }): string => (r.mean === null ? 'no scored searches' : `${r.mean.toFixed(3)} over ${r.n} searches`);
    item('recall', pass, `source recall@k ${f(source)}, within ${RECALL_TOLERANCE}`, `restored ${f(restored)}`, source.mean === null || restored.mean === null ? 'no samples on one side: a threshold with no samples fails' : `restored recall ${restored.mean.toFixed(3)} below the source's ${source.mean.toFixed(3)} − ${RECALL_TOLERANCE}`);
  }
  return items;
}
