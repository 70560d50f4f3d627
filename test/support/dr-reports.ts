import type { DrSpan, DrVerificationItem, RunReport } from '../../src/core/types.ts';

/** A plain report.json object of a finished run, with no drill in it. */
export function plainReport(runId: string, startedAt: string): RunReport {
  return {
    runId,
    scenario: 'dr-restore',
    seed: 7,
    platform: 'local',
    milvusVersion: '2.3.5',
    versions: { server: 'v2.3.5', sdk: '2.3.5' },
    startedAt,
    finishedAt: startedAt.replace(/T(\d\d)/, (_, h: string) => `T${String((Number(h) + 1) % 24).padStart(2, '0')}`),
    bringUpMs: 3100,
    recallK: 10,
    verdict: 'pass',
    exitCode: 0,
    error: null,
    phases: [],
    phaseWindows: [],
    faults: [],
    durability: null,
    slos: [],
    latencyByOp: [],
    findings: [],
    server: [],
    load: null,
    abortedOnBreach: null,
    stepFailure: null,
    checkErrors: [],
    incomplete: false,
    expectation: null,
    upgrades: [],
    series: { searchLatency: [], recall: [] },
  };
}

export interface DrillFigures {
  rtoMs: number | null;
  upMs?: number;
  restoreMs: number;
  indexMs: number;
  loadMs: number;
  rpoRows: number;
  rpoSeconds: number;
  restoredRows: number;
  /** Verification checks that do not pass. */
  failing?: readonly string[];
  corrupted?: readonly string[];
}

export const VERIFICATION_CHECKS = ['rows present at latest version', 'deletes absent', 'counts per partition', 'indexes and parameters', 'partition key', 'recall@10 vs source'] as const;

const span = (start: number, ms: number): DrSpan => ({ start, end: start + ms, ms });

/** A DR drill's report.json: a plain report with a `dr` section, as dr-binlog's type has it. */
export function drillReport(runId: string, startedAt: string, f: DrillFigures): RunReport {
  const destroyAt = 60_000;
  const upMs = f.upMs ?? 2500;
  const restoreAt = destroyAt + upMs;
  const importSpan = span(restoreAt + 500, f.restoreMs);
  const indexSpan = span(importSpan.end, f.indexMs);
  const loadSpan = span(indexSpan.end, f.loadMs);
  const items: DrVerificationItem[] = VERIFICATION_CHECKS.map((check) => {
    const pass = !f.failing?.includes(check);
    return { check, pass, expected: check.startsWith('recall') ? '≥ 0.985' : '20000', found: pass ? '20000' : '19800', detail: pass ? '' : `${check}: 200 rows short in partition _default_3` };
  });
  const firstGood = f.rtoMs === null ? null : { start: destroyAt + f.rtoMs, end: destroyAt + f.rtoMs + 10_000 };
  const failed = (f.failing?.length ?? 0) > 0 || f.rtoMs === null;
  return {
    ...plainReport(runId, startedAt),
    verdict: failed ? 'fail' : 'pass',
    exitCode: failed ? 1 : 0,
    dr: {
      method: 'binlog',
      backup: { name: `${runId}-backup`, span: span(30_000, 6500), pointAt: 30_200, cutSeq: 4120, rows: 20_000, segments: 8, objects: 96, bytes: 14_000_000, location: '/var/backups/drill', gcPause: 'paused through the management API' },
      destroyAt,
      restore: {
        name: `${runId}-backup`,
        span: { start: restoreAt, end: loadSpan.end, ms: loadSpan.end - restoreAt },
        import: importSpan,
        indexBuild: indexSpan,
        load: loadSpan,
        rows: f.restoredRows,
        rowsPerSecond: f.restoredRows / (f.restoreMs / 1000),
        manifestChecked: true,
        corrupted: f.corrupted ?? [],
        missing: [],
      },
      rpo: { rows: f.rpoRows, seconds: f.rpoSeconds, lostBeforePoint: (f.failing?.length ?? 0) > 0 ? 200 : 0 },
      rto: { ms: f.rtoMs, firstGoodWindow: firstGood, upMs, restoreMs: f.restoreMs, indexBuildMs: f.indexMs, loadMs: f.loadMs, recallThreshold: 0.9, windowMs: 10_000 },
      verification: { pass: items.every((i) => i.pass), items },
      timeline: [
        { at: 30_000, what: 'backup started' },
        { at: 36_500, what: 'backup done' },
        { at: destroyAt, what: 'destroy' },
        { at: restoreAt, what: 'restore started' },
        ...(firstGood ? [{ at: firstGood.start, what: 'first good search window' }] : []),
      ],
    },
  };
}

/** Three drills a quarter apart: a clean one, one with a failed count, one never searchable at recall. */
export function threeDrills(): RunReport[] {
  return [
    drillReport('dr-2026q1-a1b2', '2026-03-02T09:00:00.000Z', { rtoMs: 42_000, restoreMs: 18_000, indexMs: 9000, loadMs: 4000, rpoRows: 1200, rpoSeconds: 24, restoredRows: 20_000 }),
    drillReport('dr-2026q2-c3d4', '2026-06-01T09:00:00.000Z', { rtoMs: 51_000, restoreMs: 22_000, indexMs: 11_000, loadMs: 5000, rpoRows: 1500, rpoSeconds: 30, restoredRows: 19_800, failing: ['counts per partition', 'recall@10 vs source'] }),
    drillReport('dr-2026q3-e5f6', '2026-09-01T09:00:00.000Z', { rtoMs: null, restoreMs: 16_000, indexMs: 8000, loadMs: 3500, rpoRows: 900, rpoSeconds: 18, restoredRows: 20_000 }),
  ];
}
