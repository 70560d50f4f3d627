import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { RunReport } from '../../src/core/types.ts';
import { sdkForServer } from '../../src/core/sdk-versions.ts';
import { pollUntil } from '../../src/util/poll.ts';
import { processesMatching, runCli, startCli } from '../support/cli.ts';

/** The smoke scenario at a size CI affords: same stack, same fault, fewer rows, shorter phases. */
const REDUCED = [
  '--rows', '5000',
  '--set', 'dataset.queries=50',
  '--set', 'phases.steady=10s',
  '--set', 'phases.fault=15s',
  '--set', 'phases.recovered=75s', // Milvus waits out the killed session's 30 s etcd lease before it reloads
  '--set', 'faults.0.at=2s',
  '--set', 'faults.0.duration=3s',
];

test('reduced smoke: a real Milvus is killed and restarted; the report holds every figure', { timeout: 600_000 }, async () => {
  const out = mkdtempSync(join(tmpdir(), 'drill-smoke-'));
  const { code, output } = await runCli(['run', 'scenarios/smoke.ts', ...REDUCED, '--out', out]);
  const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as RunReport;
  assert.ok(code === 0 || code === 1, `exit ${code} means the harness failed:\n${output}`);
  assert.equal(report.exitCode, code);
  assert.equal(report.error, null);
  assert.equal(report.milvusVersion, '2.3.5');
  // SDK/server compatibility: the SDK that ran is the one the table names for the server's version.
  assert.match(report.versions!.server, /^v2\.3\.5/);
  assert.equal(report.versions!.sdk, sdkForServer(report.versions!.server)!.version);

  const byPhase = new Map(report.phases.map((p) => [p.phase, p]));
  for (const phase of ['steady', 'fault', 'recovered'] as const) assert.ok(byPhase.get(phase)!.searches > 0, `${phase} ran searches`);
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
  assert.equal(report.slos.length, 7);
  for (const v of report.slos) assert.ok(v.samples > 0 || !v.pass);

  assert.match(readFileSync(join(out, 'junit.xml'), 'utf8'), /<testsuite name="smoke" tests="7"/);
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
  await pollUntil(() => /steady phase/.test(run.output()), { what: 'the steady phase to start', timeoutMs: 240_000 });
  const runId = /run (\S+): scenario/.exec(run.output())![1]!;
  assert.ok(processesMatching(`milvus-drill-${runId}`).length >= 3, 'etcd, MinIO and Milvus are running');
  run.child.kill('SIGINT');
  assert.equal(await run.exit, 130, run.output());
  assert.deepEqual(processesMatching(`milvus-drill-${runId}`), []);
  assert.deepEqual(readdirSync(state), [], 'the journal is gone: nothing for heal to do');
  const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as RunReport;
  assert.equal(report.verdict, 'interrupted');
});
