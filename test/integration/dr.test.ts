import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { RunReport } from '../../src/core/types.ts';
import { runCli } from '../support/cli.ts';

/** scenarios/dr-restore.ts at a size CI affords: the same steps (backup, destroy, up, restore), fewer rows, shorter phases. */
const REDUCED = ['--rows', '3000', '--set', 'dataset.queries=50', '--set', 'collection.partitionKey.partitions=4', '--set', 'steps.0.duration=5s', '--set', 'steps.2.duration=3s', '--set', 'steps.7.duration=12s'];

test('reduced DR drill: binlog backup under churn, destroy, restore into a fresh stack, verify; RPO and RTO in the report', { timeout: 600_000 }, async () => {
  const out = mkdtempSync(join(tmpdir(), 'drill-dr-'));
  const run = await runCli(['run', 'scenarios/dr-restore.ts', ...REDUCED, '--out', out]);
  const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as RunReport;
  assert.equal(run.code, 0, run.output);
  assert.equal(report.verdict, 'pass');
  const dr = report.dr!;
  assert.ok(dr.backup && dr.backup.objects > 0 && (dr.backup.segments ?? 0) > 0, 'the backup copied binlogs');
  assert.ok(dr.restore && dr.restore.rows! > 0 && dr.restore.rowsPerSecond! > 0, 'the restore imported rows');
  assert.equal(dr.restore.manifestChecked, true);
  assert.ok(dr.verification!.pass, JSON.stringify(dr.verification));
  for (const check of ['rows', 'deletes', 'versions', 'partition counts', 'index', 'partition key', 'recall']) {
    assert.ok(dr.verification!.items.some((i) => i.check === check && i.pass), `${check} verified`);
  }
  assert.ok(dr.rpo!.rows > 0, 'writes after the backup point are reported as expected loss');
  assert.equal(dr.rpo!.lostBeforePoint, 0);
  assert.ok(dr.rto!.ms! > 0 && dr.rto!.ms! >= dr.rto!.upMs! + dr.rto!.restoreMs!, 'RTO covers bring-up and import at least');
  assert.ok(dr.rto!.indexBuildMs! > 0 && dr.rto!.loadMs! > 0);
  assert.ok(report.durability && report.durability.missing === 0 && report.durability.resurrected === 0, 'durability after the restore counts the lost window as loss, not failure');
});

/** scenarios/dr-cross-cluster.ts (cluster topology at both sites) at a size CI affords. */
const REDUCED_SITE = ['--rows', '2000', '--set', 'dataset.queries=50', '--set', 'steps.0.duration=5s', '--set', 'steps.2.duration=3s', '--set', 'steps.6.duration=12s'];

test('DR site on the cluster topology: binlog backup of a primary cluster (GC paused at its data coordinator), restore into a cluster with another bucket and root path', { timeout: 600_000 }, async () => {
  const out = mkdtempSync(join(tmpdir(), 'drill-dr-site-'));
  const run = await runCli(['run', 'scenarios/dr-cross-cluster.ts', ...REDUCED_SITE, '--out', out]);
  const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as RunReport;
  assert.equal(run.code, 0, run.output);
  assert.equal(report.verdict, 'pass');
  assert.match(run.output, /starting Milvus 2\.3\.5 cluster: .*datanode-1/, 'both sites are clusters');
  assert.match(run.output, /GC paused through the data coordinator's GcControl RPC at \d+\.\d+\.\d+\.\d+:\d+/);
  assert.match(run.output, /objects staged in dr-site\/drill-restore\//, "the restore copies into the DR site's own bucket");
  const dr = report.dr!;
  assert.ok(dr.restore && dr.restore.rows! > 0, 'the restore imported rows');
  assert.ok(dr.verification!.pass, JSON.stringify(dr.verification));
  assert.ok(report.durability && report.durability.missing === 0 && report.durability.resurrected === 0);
});
