import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { RunReport } from '../../src/core/types.ts';
import { processesMatching, runCli, startCli, waitForOutput } from '../support/cli.ts';

/** The smoke scenario at a size CI affords: same stack, same fault, fewer rows, shorter phases. */
const REDUCED = [
  '--rows', '5000',
  '--set', 'dataset.queries=50',
  '--set', 'steps.0.duration=10s',
  '--set', 'steps.1.duration=10s',
  '--set', 'steps.1.faults.0.at=2s',
  '--set', 'steps.1.faults.0.duration=3s',
  // The recovered phase starts after recovery (Milvus waits out the killed session's 30 s etcd
  // lease before it reloads: 40-60 s), so it measures a recovered Milvus.
  '--set', 'steps.2.duration=30s',
  // Recovery measured 54 s here at a load average of 12 (40-60 s is usual): 70 s leaves room on a
  // busy runner. Latency is the scenario's: recovered relative to steady.
  '--set', 'slos.6.threshold=70000',
];

/** The SLOs the reduced run is held to, by name: the threshold, or 'relative' to the steady phase. */
const REDUCED_SLOS: Record<string, number | 'relative'> = {
  'steady recall': 0.9,
  'recovered recall': 0.9,
  'steady p99 latency': 1_000,
  'recovered p99 latency': 'relative',
  'steady errorRate': 0,
  'recovered errorRate': 0,
  recoveryTime: 70_000,
  durability: 0,
};

test('reduced smoke: a real Milvus is killed and restarted; the report holds every figure', { timeout: 600_000 }, async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'drill-smoke-'));
  const { code, output } = await runCli(['run', 'scenarios/smoke.ts', ...REDUCED, '--out', out]);
  const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as RunReport;
  t.diagnostic(report.slos.map((v) => `${v.slo}: ${v.reason}`).join('; '));
  const missed = report.slos.filter((v) => !v.pass).map((v) => `${v.slo}: ${v.reason}`);
  assert.equal(code, 0, `the reduced smoke must pass; missed: ${missed.join('; ') || 'none'}\n${output}`);
  assert.equal(report.verdict, 'pass');
  assert.equal(report.exitCode, 0);
  assert.deepEqual(
    Object.fromEntries(report.slos.map((v) => [v.slo, / × steady/.test(v.reason) ? 'relative' : v.threshold])),
    REDUCED_SLOS,
    'the run was held to the reduced SLOs (the --set indexes match the scenario)',
  );
  assert.equal(report.error, null);
  assert.equal(report.milvusVersion, '2.3.5');
  // SDK/server compatibility: the SDK we ship must be the server's major.minor line.
  const minor = (v: string): string => /(\d+\.\d+)\./.exec(v)![1]!;
  assert.match(report.versions!.server, /^v2\.3\.5/);
  assert.equal(minor(report.versions!.sdk), minor(report.versions!.server));

  const byPhase = new Map(report.phases.map((p) => [p.phase, p]));
  for (const phase of ['steady', 'fault', 'recovering', 'recovered'] as const) assert.ok(byPhase.get(phase)!.searches > 0, `${phase} ran searches`);
  const steady = byPhase.get('steady')!;
  assert.equal(steady.fail + steady.unknown, 0, 'no errors before the fault');
  assert.ok(steady.recall! > 0.9, `steady recall ${steady.recall}`);
  assert.ok(steady.latency.p99! > 0);
  const fault = byPhase.get('fault')!;
  assert.ok(fault.fail + fault.unknown > 0, 'the kill was seen by the probes');

  assert.equal(report.faults.length, 1);
  assert.equal(report.faults[0]!.name, 'kill-milvus');
  assert.ok(report.faults[0]!.end - report.faults[0]!.start >= 3000);
  assert.notEqual(report.faults[0]!.recoveryMs, null, 'Milvus recovered within the recovered phase');
  assert.deepEqual(report.durability && { ack: report.durability.acknowledged, missing: report.durability.missing, count: report.durability.count?.reported }, { ack: 5000, missing: 0, count: 5000 });
  assert.equal(report.server.find((v) => v.phase === 'steady')!.storedRows, 5000, 'server metrics were scraped');
  assert.equal(report.slos.length, 8);
  const recovered = byPhase.get('recovered')!;
  assert.equal(recovered.fail + recovered.unknown, 0, 'the recovered phase starts after recovery: no failed search in it');
  for (const v of report.slos) assert.ok(v.samples > 0 && v.pass, `${v.slo}: ${v.reason}`);

  assert.match(readFileSync(join(out, 'junit.xml'), 'utf8'), /<testsuite name="smoke" tests="8"/);
  const html = readFileSync(join(out, 'report.html'), 'utf8');
  assert.match(html, /Search latency over time/);
  assert.match(html, /<rect [^>]*fill="#f6c9c9"/, 'the fault window is shaded');
  assert.ok(existsSync(join(out, 'logs', 'milvus', 'milvus.log')));
  assert.deepEqual(processesMatching(`milvus-drill-${report.runId}`), [], 'nothing of the run is left running');
});

test('Ctrl-C in the middle of a run: exit 130, every process stopped, journal removed', { timeout: 300_000 }, async () => {
  const out = mkdtempSync(join(tmpdir(), 'drill-int-'));
  const state = mkdtempSync(join(tmpdir(), 'drill-int-state-'));
  const run = startCli(['run', 'scenarios/smoke.ts', ...REDUCED, '--out', out], { MILVUS_DRILL_STATE_DIR: state });
  await waitForOutput(run, /phase 'steady'/, 'the steady phase to start', 240_000);
  const runId = /run (\S+): scenario/.exec(run.output())![1]!;
  assert.ok(processesMatching(`milvus-drill-${runId}`).length >= 3, 'etcd, MinIO and Milvus are running');
  run.child.kill('SIGINT');
  assert.equal(await run.exit, 130, run.output());
  assert.deepEqual(processesMatching(`milvus-drill-${runId}`), []);
  assert.deepEqual(readdirSync(state), [], 'the journal is gone: nothing for heal to do');
  const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as RunReport;
  assert.equal(report.verdict, 'interrupted');
});
