import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { RunReport } from '../../src/core/types.ts';
import { localCapabilities } from '../../src/platform/local/capabilities.ts';
import { listNamespaces } from '../../src/platform/local/netns.ts';
import { processesMatching, runCli } from '../support/cli.ts';

/** proxy-kill at a size CI affords: the same cluster and fault, fewer rows, shorter phases. */
const REDUCED = [
  '--rows', '3000',
  '--set', 'dataset.queries=50',
  '--set', 'phases.steady=10s',
  // Searches recover ~50 s after the restart (the dead proxy's session must expire first): the
  // fault phase holds that, so the recovered phase (and its error-rate SLO) measures a recovered
  // cluster, and recovery up to 75 s can be observed (55 s + 30 s, less the 10 s window).
  '--set', 'phases.fault=60s',
  '--set', 'phases.recovered=30s',
  '--set', 'faults.0.at=2s',
  '--set', 'faults.0.duration=3s',
  // Two in-memory replicas (one per query node): the load path of collection.replicas, at no extra run time.
  '--set', 'collection.replicas=2',
];

const skip = localCapabilities().netns ? false : 'needs root for network namespaces';

test('cluster smoke through the CLI: proxy killed and restarted in a namespaced cluster; report, logs, nothing left', { skip, timeout: 300_000 }, async () => {
  const out = mkdtempSync(join(tmpdir(), 'drill-cluster-run-'));
  const state = mkdtempSync(join(tmpdir(), 'drill-cluster-state-'));
  const { code, output } = await runCli(['run', 'scenarios/proxy-kill.ts', ...REDUCED, '--out', out], { MILVUS_DRILL_STATE_DIR: state });
  const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as RunReport;
  const missed = report.slos.filter((v) => !v.pass).map((v) => `${v.slo}: ${v.reason}`);
  assert.equal(code, 0, `the reduced proxy-kill must pass; missed: ${missed.join('; ') || 'none'}\n${output}`);
  assert.equal(report.verdict, 'pass');
  assert.equal(report.error, null);
  assert.ok(report.slos.length >= 7 && report.slos.every((v) => v.pass && v.samples > 0), 'every SLO met, on samples');
  // Other runs on the machine may create namespaces meanwhile: check this run's own, by its prefix.
  const ours = /network namespaces (drill-[0-9a-f]+-)\*: 11 components/.exec(output)?.[1];
  assert.ok(ours, `the run reports its namespaces:\n${output}`);
  console.log(`# bring-up ${report.bringUpMs} ms; verdict ${report.verdict}; ${report.slos.map((s) => `${s.slo} ${s.pass ? 'met' : 'MISSED'} (${s.reason})`).join('; ')}`);

  const byPhase = new Map(report.phases.map((p) => [p.phase, p]));
  const steady = byPhase.get('steady')!;
  assert.equal(steady.fail + steady.unknown, 0, 'no errors before the fault');
  assert.ok(steady.recall! > 0.9, `steady recall ${steady.recall}`);
  const fault = byPhase.get('fault')!;
  assert.ok(fault.fail + fault.unknown > 0, 'the proxy kill was seen by the probes');
  assert.ok(byPhase.get('recovered')!.ok > 0, 'searches succeed again after the restart');
  assert.equal(report.faults.length, 1);
  assert.notEqual(report.faults[0]!.recoveryMs, null, 'recovered within the recovered phase');
  assert.deepEqual(report.durability && { ack: report.durability.acknowledged, missing: report.durability.missing }, { ack: 3000, missing: 0 });
  assert.equal(report.replicas, 2);
  const layout = readFileSync(join(out, 'history.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string; event?: { name: string; detail?: string } })
    .find((r) => r.type === 'event' && r.event?.name === 'replicas');
  const replicas = JSON.parse(layout?.event?.detail ?? '[]') as { replica: string; nodes: string[] }[];
  assert.equal(replicas.length, 2, `the server reports two replicas: ${layout?.event?.detail}`);
  assert.equal(new Set(replicas.flatMap((r) => r.nodes)).size, 2, 'each on its own query node');

  for (const log of ['etcd-0.log', 'etcd-2.log', 'minio.log', join('kafka', 'kafka.log'), join('milvus', 'coordinators.log'), join('milvus', 'querynode-2.log'), join('milvus', 'proxy-1.log')]) {
    assert.ok(existsSync(join(out, 'logs', log)), `logs/${log} kept`);
  }
  assert.deepEqual(processesMatching(`milvus-drill-${report.runId}`), [], 'nothing of the run is left running');
  assert.deepEqual(listNamespaces().filter((ns) => ns.startsWith(ours)), [], 'every namespace of the run deleted');
  assert.deepEqual(readdirSync(state), [], 'the journal is gone');
});
