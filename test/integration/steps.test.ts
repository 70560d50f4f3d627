import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { HistoryRecord, RunReport } from '../../src/core/types.ts';
import { runCli } from '../support/cli.ts';

/** scenarios/flush-compact-restart.ts at a size CI affords: the same steps, fewer rows, shorter phases. */
const REDUCED = ['--rows', '3000', '--set', 'dataset.queries=50', '--set', 'steps.0.duration=15s', '--set', 'steps.7.duration=20s'];

const readReport = (dir: string): RunReport => JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as RunReport;

test('a scenario written as steps runs flush, compaction, a gate and a restart, and is scored from its history', { timeout: 600_000 }, async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'drill-steps-'));
  const run = await runCli(['run', 'scenarios/flush-compact-restart.ts', ...REDUCED, '--out', out]);
  const report = readReport(out);
  assert.equal(run.code, 0, run.output);
  assert.equal(report.verdict, 'pass');
  assert.deepEqual(report.phases.map((p) => p.phase), ['steady', 'maintenance', 'restart', 'recovering', 'recovered']);
  const recovered = report.phases.find((p) => p.phase === 'recovered')!;
  assert.equal(recovered.fail + recovered.unknown, 0, 'the recovered phase starts after recovery, so it holds no failed search');
  assert.ok(recovered.searches > 50);

  const lines = readFileSync(join(out, 'history.jsonl'), 'utf8').trim().split('\n');
  const records = lines.map((l) => JSON.parse(l) as HistoryRecord);
  const header = records[0]!;
  assert.ok(header.type === 'header' && header.scenario.name === 'flush-compact-restart' && header.scenario.dataset.rows === 3000);
  assert.equal(records.at(-1)!.type, 'end');
  const events = records.flatMap((r) => (r.type === 'event' ? [r.event] : []));
  for (const action of ['flush', 'compact', 'restart']) {
    assert.ok(events.some((e) => e.kind === 'action-end' && e.name === action && e.detail === 'ok'), `${action} ran and succeeded`);
  }
  assert.ok(events.some((e) => e.kind === 'gate'), 'the gate was checked');
  const setupSearches = records.filter((r) => r.type === 'op' && r.op.op === 'search' && r.op.phase === 'setup');
  assert.equal(setupSearches.length, 0, 'the first phase is entered before the drivers start, so no search falls outside the phases');
  for (const kind of ['truth-inputs', 'versions', 'bring-up', 'scrape'] as const) assert.ok(records.some((r) => r.type === kind), `history holds ${kind}`);

  await t.test('analyze reproduces the report byte for byte', async () => {
    const before = readFileSync(join(out, 'report.json'), 'utf8');
    const again = await runCli(['analyze', out]);
    assert.equal(again.code, 0, again.output);
    assert.equal(readFileSync(join(out, 'report.json'), 'utf8'), before);
  });

  await t.test('analyze with an edited SLO changes the verdict', async () => {
    const strict = await runCli(['analyze', out, '--set', 'slos.0.threshold=1.01']);
    assert.equal(strict.code, 1, strict.output);
    const edited = readReport(out);
    assert.equal(edited.verdict, 'fail');
    assert.equal(edited.slos.filter((v) => !v.pass).map((v) => v.slo).join(), 'steady recall');
    assert.equal((await runCli(['analyze', out])).code, 0, 'the recorded run is unchanged: analysing again without the edit passes');
  });

  await t.test("a killed run's history gives an incomplete report from what it kept", async () => {
    const killed = join(out, 'killed');
    mkdirSync(killed);
    // As a SIGKILL leaves it: cut in the middle of the run, the last line half written.
    const cut = Math.floor(lines.length * 0.6);
    writeFileSync(join(killed, 'history.jsonl'), `${lines.slice(0, cut).join('\n')}\n${lines[cut]!.slice(0, 20)}`);
    const analysed = await runCli(['analyze', killed]);
    assert.equal(analysed.code, 2, analysed.output);
    const partial = readReport(killed);
    assert.equal(partial.verdict, 'incomplete');
    assert.equal(partial.incomplete, true);
    assert.ok(partial.phases.find((p) => p.phase === 'steady')!.searches > 0, 'what was recorded is scored');
    assert.match(readFileSync(join(killed, 'report.html'), 'utf8'), /Incomplete/);
  });

  await t.test('a history that is not one is refused clearly', async () => {
    const bad = join(out, 'bad');
    mkdirSync(bad);
    copyFileSync(join(out, 'report.json'), join(bad, 'history.jsonl'));
    const r = await runCli(['analyze', bad]);
    assert.equal(r.code, 2);
    assert.match(r.output, /not a history record|does not start with a header/);
  });
});
