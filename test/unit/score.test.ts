import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CHECKS, runChecks, type Check } from '../../src/checks/registry.ts';
import { assemble, idRanges, expandRanges } from '../../src/history/file.ts';
import { scoreRun } from '../../src/runner/report.ts';
import { validateScenario } from '../../src/scenario/validate.ts';
import type { HistoryRecord, RecordedRun } from '../../src/core/types.ts';

function recorded(extra: HistoryRecord[], end = true): RecordedRun {
  const v = validateScenario({ name: 'h', slos: [{ kind: 'errorRate', phase: 'steady', threshold: 0.5 }] });
  assert.ok(v.ok);
  const records: HistoryRecord[] = [
    { type: 'header', format: 1, runId: 'r', scenario: v.scenario, platform: 'local', project: { name: 'milvus-drill', version: '0' }, epochMs: 1_000, startedAt: new Date(1_000).toISOString() },
    { type: 'event', event: { at: 10, kind: 'phase-start', name: 'steady' } },
    { type: 'op', op: { seq: 0, op: 'search', start: 20, end: 25, outcome: 'ok', latencyMs: 5, phase: 'steady' } },
    { type: 'op', op: { seq: 1, op: 'search', start: 30, end: 90, outcome: 'unknown', latencyMs: 60, phase: 'steady' } },
    ...extra,
  ];
  if (end) records.push({ type: 'end', finishedAt: new Date(2_000).toISOString(), error: null, interrupted: false });
  return assemble(records);
}

test('a check that throws leaves its measure empty and its error, and the verdict is unknown', () => {
  const boom: Check = { measure: 'findings', run: () => { throw new Error('detector broke'); } };
  const { measures, errors } = runChecks({ run: recorded([]), truth: null }, [CHECKS[0]!, boom]);
  assert.deepEqual(errors, [{ check: 'findings', error: 'detector broke' }]);
  assert.deepEqual(measures.findings, []);
  const report = scoreRun(recorded([]), null, [{ check: 'truth', error: 'wasm missing' }]);
  assert.equal(report.verdict, 'unknown');
  assert.equal(report.exitCode, 2);
});

test('a history without its end record scores as incomplete, from what it kept', () => {
  const report = scoreRun(recorded([], false), null);
  assert.equal(report.verdict, 'incomplete');
  assert.equal(report.incomplete, true);
  assert.equal(report.finishedAt, new Date(1_090).toISOString(), 'last seen: the end of its last op');
  assert.deepEqual(report.latencyByOp.map((l) => [l.phase, l.count]), [['steady', 2]]);
});

test('a finished history is judged by its SLOs; an unknown outcome is not a success', () => {
  const report = scoreRun(recorded([]), null);
  assert.equal(report.verdict, 'fail', 'without truth there is no phase figure, and a threshold with no samples fails');
  assert.equal(report.slos[0]!.pass, false);
});

test('acknowledged ids travel as ranges', () => {
  const ids = [5, 0, 1, 2, 3, 9, 10, 4];
  assert.deepEqual(idRanges(ids), [[0, 5], [9, 10]]);
  assert.deepEqual(expandRanges(idRanges(ids)), [0, 1, 2, 3, 4, 5, 9, 10]);
});
