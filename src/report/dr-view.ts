import type { DrReport, RunReport } from '../core/types.ts';

/**
 * What the DR renderers (report.html's DR section, the PDF drill report) need of a drill, read from
 * report.json's `dr` section. Renderers speak only this view, so a change in how a drill is
 * recorded touches `drViewOf` and nothing else.
 */
export interface DrView {
  /** Backup method: 'binlog', 'cold-snapshot', 'milvus-backup'. */
  method: string;
  backupName: string | null;
  /** How GC was kept off the copy (binlog, milvus-backup); null without a backup step. */
  gcPause: string | null;
  timeline: readonly DrTimelineEntry[];
  /** The drill's instants as the run recorded them (backup, destroy, up, restore start/end, ...), in time order. */
  events: readonly { at: number; what: string }[];
  rpo: {
    /** Writes acknowledged after the backup point: the expected loss. */
    rowsAfterBackup: number | null;
    /** From the backup point to the last acknowledged write before the destroy. */
    secondsAfterBackup: number | null;
    /** Writes acknowledged before the backup point that were missing after the restore: a durability failure. */
    missingBeforeBackup: number | null;
  };
  rto: {
    /** From the destroy to the first window of successful searches at recall threshold; null when never reached. */
    totalMs: number | null;
    upMs: number | null;
    restoreMs: number | null;
    indexMs: number | null;
    loadMs: number | null;
    /** What a good search window needed: recall at or above this, over this long. */
    recallThreshold: number | null;
    windowMs: number | null;
  };
  /** Rows the restore brought back, and the rate at which it did (rows over the restore step's time). */
  restoredRows: number | null;
  restoreRowsPerSecond: number | null;
  /** What the restore found wrong with the backup itself, by object key; null without a restore. */
  backupObjects: { corrupted: readonly string[]; missing: readonly string[]; manifestChecked: boolean } | null;
  verification: readonly DrVerification[];
  /** The drill's own verdict on its verification; null when it did not verify. */
  verificationPass: boolean | null;
}

export type DrStep = 'backup' | 'destroy' | 'up' | 'restore' | 'import' | 'index' | 'load' | 'verify';

export interface DrTimelineEntry {
  step: DrStep | string;
  /** What exactly ran, e.g. the backup's name. */
  label: string;
  /** ms since the run's start; end null when it never finished. */
  start: number;
  end: number | null;
  outcome: 'ok' | 'fail' | 'unknown';
}

export interface DrVerification {
  check: string;
  expected: string;
  actual: string;
  /** 'unknown' (could not be established) is never shown as a success. */
  result: 'pass' | 'fail' | 'unknown';
  detail: string;
}

/** The DR view of a report, or null when the run was no drill (no `dr` section). */
export function drViewOf(report: RunReport): DrView | null {
  const dr = report.dr;
  if (dr === undefined || dr === null) return null;
  if (typeof dr !== 'object') throw new Error(`report ${report.runId}: 'dr' must be an object, got ${typeof dr}`);
  const restore = dr.restore;
  return {
    method: dr.method,
    backupName: dr.backup?.name ?? restore?.name ?? null,
    gcPause: dr.backup?.gcPause ?? null,
    timeline: timelineOf(dr),
    events: [...(dr.timeline ?? [])].sort((a, b) => a.at - b.at),
    rpo: { rowsAfterBackup: dr.rpo?.rows ?? null, secondsAfterBackup: dr.rpo?.seconds ?? null, missingBeforeBackup: dr.rpo?.lostBeforePoint ?? null },
    rto: { totalMs: dr.rto?.ms ?? null, upMs: dr.rto?.upMs ?? null, restoreMs: dr.rto?.restoreMs ?? null, indexMs: dr.rto?.indexBuildMs ?? null, loadMs: dr.rto?.loadMs ?? null, recallThreshold: dr.rto?.recallThreshold ?? null, windowMs: dr.rto?.windowMs ?? null },
    restoredRows: restore?.rows ?? null,
    restoreRowsPerSecond: restore?.rowsPerSecond ?? null,
    // Reports written before a field existed read as having none of it.
    backupObjects: restore ? { corrupted: restore.corrupted ?? [], missing: restore.missing ?? [], manifestChecked: restore.manifestChecked !== false } : null,
    verificationPass: dr.verification?.pass ?? null,
    verification: (dr.verification?.items ?? []).map((v) => ({ check: v.check, expected: v.expected, actual: v.found, result: v.pass === true ? 'pass' : v.pass === false ? 'fail' : 'unknown', detail: v.detail })),
  };
}

/** The drill's steps as spans: backup, destroy, restore (import, index, load), and the first good search window. */
function timelineOf(dr: DrReport): DrTimelineEntry[] {
  const entries: DrTimelineEntry[] = [];
  if (dr.backup) entries.push({ step: 'backup', label: dr.backup.name, start: dr.backup.span.start, end: dr.backup.span.end, outcome: 'ok' });
  if (dr.destroyAt !== null) entries.push({ step: 'destroy', label: 'source stack', start: dr.destroyAt, end: dr.destroyAt, outcome: 'ok' });
  const r = dr.restore;
  if (r) {
    const damaged = (r.corrupted?.length ?? 0) + (r.missing?.length ?? 0) > 0;
    entries.push({ step: 'restore', label: r.name, start: r.span.start, end: r.span.end, outcome: damaged ? 'fail' : 'ok' });
    if (r.import) entries.push({ step: 'import', label: r.rows === null ? 'binlogs' : `${r.rows} rows`, start: r.import.start, end: r.import.end, outcome: 'ok' });
    if (r.indexBuild) entries.push({ step: 'index', label: 'build', start: r.indexBuild.start, end: r.indexBuild.end, outcome: 'ok' });
    if (r.load) entries.push({ step: 'load', label: 'collection', start: r.load.start, end: r.load.end, outcome: 'ok' });
  } else if (dr.destroyAt !== null) {
    entries.push({ step: 'restore', label: 'did not complete', start: dr.destroyAt, end: null, outcome: 'fail' });
  }
  const window = dr.rto?.firstGoodWindow ?? null;
  const verified = dr.verification === null ? 'unknown' : dr.verification.pass ? 'ok' : 'fail';
  if (window) entries.push({ step: 'verify', label: 'searches at recall', start: window.start, end: window.end, outcome: verified });
  else if (r) entries.push({ step: 'verify', label: 'never searchable at recall', start: r.span.end, end: null, outcome: 'fail' });
  return entries;
}

/** pass / fail / unknown counts of a drill's verification; no checks at all is not a pass. */
export function verificationCounts(view: DrView): { pass: number; fail: number; unknown: number } {
  const count = (r: DrVerification['result']): number => view.verification.filter((v) => v.result === r).length;
  return { pass: count('pass'), fail: count('fail'), unknown: count('unknown') };
}

/** The drill's verification in one word: verified only when every check passed and there was at least one. */
export function verificationVerdict(view: DrView): 'verified' | 'failed' | 'unknown' | 'not verified' {
  const c = verificationCounts(view);
  if (c.fail > 0 || view.verificationPass === false) return 'failed';
  if (c.unknown > 0) return 'unknown';
  return c.pass > 0 ? 'verified' : 'not verified';
}
