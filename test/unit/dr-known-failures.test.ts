import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { validateScenario } from '../../src/scenario/validate.ts';
import { describeAction } from '../../src/plan/plan.ts';
import { objectPath, readBackup, stripBackup, writeManifest } from '../../src/workload/binlog-backup.ts';
import { sha256Hex, type BackupManifest } from '../../src/workload/backup-manifest.ts';
import noIndex from '../../scenarios/dr-backup-without-index.ts';
import metadataOnly from '../../scenarios/dr-metadata-only.ts';
import crossVersion from '../../scenarios/dr-cross-version.ts';
import unpersistedDeletes from '../../scenarios/dr-unpersisted-deletes.ts';
import multiPartition230 from '../../scenarios/dr-multi-partition-2-3-0.ts';

const STACK = { objectStore: 'minio' };
const drill = (steps: unknown[]) => validateScenario({ name: 'known', stack: STACK, steps: [{ phase: 'steady', duration: '5s' }, ...steps] });

test('the known-failure scenarios validate, each expecting the failure it stands for', () => {
  for (const s of [noIndex, metadataOnly, crossVersion, unpersistedDeletes, multiPartition230]) {
    const r = validateScenario(s);
    assert.ok(r.ok, `${String(s.name)}: ${JSON.stringify(!r.ok && r.errors)}`);
  }
  assert.deepEqual(noIndex.expect, { verdict: 'fail', slos: ['action:restore', 'restore'] });
  assert.deepEqual(metadataOnly.expect, { verdict: 'fail', slos: ['restore', 'durability'] });
  assert.deepEqual(unpersistedDeletes.expect, { verdict: 'fail', slos: ['restore', 'durability'] });
  assert.deepEqual(multiPartition230.expect, { verdict: 'fail', slos: ['action:restore', 'restore'] });
  assert.equal(crossVersion.expect, undefined, 'the cross-version restore must simply pass');
});

test('damage-backup: strip modes take no object; flip and remove need one', () => {
  const ok = drill([{ action: 'backup', name: 'b' }, { action: 'damage-backup', name: 'b', mode: 'strip-index' }, { action: 'damage-backup', name: 'b', mode: 'strip-data' }]);
  assert.ok(ok.ok, JSON.stringify(!ok.ok && ok.errors));
  const withObject = drill([{ action: 'backup', name: 'b' }, { action: 'damage-backup', name: 'b', mode: 'strip-data', object: 'insert' }]);
  assert.ok(!withObject.ok);
  const e = withObject.errors.find((x) => x.path === 'steps[2].object')!;
  assert.match(e.message, /mode 'strip-data' changes what the manifest records, not one object/);
  assert.match(e.fix, /remove object/);
  const noObject = drill([{ action: 'backup', name: 'b' }, { action: 'damage-backup', name: 'b', mode: 'flip' }]);
  assert.ok(!noObject.ok);
  assert.ok(noObject.errors.some((x) => x.path === 'steps[2].object'), JSON.stringify(noObject.errors));
  const unknown = drill([{ action: 'backup', name: 'b' }, { action: 'damage-backup', name: 'b', mode: 'shred', object: 'insert' }]);
  assert.ok(!unknown.ok);
  assert.match(unknown.errors.map((x) => x.message + x.fix).join(' '), /flip, remove, strip-index, strip-data/);
  assert.match(describeAction({ action: 'damage-backup', name: 'b', mode: 'strip-index' }), /strip the index from backup 'b'/);
  assert.match(describeAction({ action: 'damage-backup', name: 'b', mode: 'strip-data' }), /metadata only/);
});

test("an 'up' step may bring up another Milvus version, checked against the SDK table", () => {
  const ok = drill([{ action: 'destroy' }, { action: 'up', version: '2.3.5' }]);
  assert.ok(ok.ok, JSON.stringify(!ok.ok && ok.errors));
  const up = ok.scenario.steps.find((st) => st.step === 'action' && st.spec.action === 'up');
  assert.deepEqual(up?.step === 'action' && up.spec, { action: 'up', config: {}, version: '2.3.5' });
  assert.match(describeAction({ action: 'up', config: {}, version: '2.3.5' }), /bring up a new stack of Milvus 2\.3\.5/);
  const bad = drill([{ action: 'destroy' }, { action: 'up', version: 'latest' }]);
  assert.ok(!bad.ok);
  assert.match(bad.errors.find((x) => x.path === 'steps[2].version')?.message ?? '', /'latest' is not a Milvus version/);
  const noSdk = drill([{ action: 'destroy' }, { action: 'up', version: '1.1.0' }]);
  assert.ok(!noSdk.ok);
  assert.match(noSdk.errors.find((x) => x.path === 'steps[2].version')?.message ?? '', /Milvus 1\.1\.0 has no Node SDK/);
});

function backupDir(): { dir: string; manifest: BackupManifest } {
  const dir = mkdtempSync(join(tmpdir(), 'drill-strip-'));
  const objects = ['insert_log/1/2/3/100/1', 'delta_log/1/2/3/1', 'stats_log/1/2/3/100/1'].map((key, i) => {
    const data = Buffer.from(`object ${i}`);
    mkdirSync(dirname(objectPath(dir, key)), { recursive: true });
    writeFileSync(objectPath(dir, key), data);
    return { key, size: data.length, sha256: sha256Hex(data) };
  });
  const manifest: BackupManifest = {
    format: 1,
    name: 'b',
    createdAt: '2026-11-29T00:00:00.000Z',
    pointAt: 1000,
    source: { milvusVersion: '2.3.5', bucket: 'milvus-drill', rootPath: 'files' },
    collection: { name: 'c', id: '1', shards: 2, consistency: 'Bounded', numPartitions: 4, fields: [] },
    partitions: [{ name: '_default_0', id: '2' }],
    indexes: [{ field: 'vector', name: 'vector', params: { index_type: 'HNSW', metric_type: 'L2' } }],
    segments: [{ id: '3', partitionId: '2', rows: 10 }],
    objects,
  };
  writeManifest(dir, manifest);
  return { dir, manifest };
}

test('strip-index leaves the data and drops the index records; strip-data leaves a consistent, empty backup', () => {
  const a = backupDir();
  try {
    assert.equal(stripBackup(a.dir, 'strip-index'), '1 index record(s)');
    const after = readBackup(a.dir, true);
    assert.deepEqual(after.manifest.indexes, []);
    assert.deepEqual(after.manifest.objects, a.manifest.objects);
    assert.deepEqual(after.check, { checked: 3, corrupted: [], missing: [] }, 'every object still matches: checksums cannot catch it');
  } finally {
    rmSync(a.dir, { recursive: true, force: true });
  }
  const b = backupDir();
  try {
    assert.equal(stripBackup(b.dir, 'strip-data'), '1 segments and 3 objects');
    const after = readBackup(b.dir, true);
    assert.deepEqual([after.manifest.segments, after.manifest.objects], [[], []]);
    assert.deepEqual(after.manifest.partitions, b.manifest.partitions, 'the metadata stays');
    assert.deepEqual(after.check, { checked: 0, corrupted: [], missing: [] }, 'nothing to mismatch: only the restored data can show it');
    for (const o of b.manifest.objects) assert.ok(!existsSync(objectPath(b.dir, o.key)), `${o.key} removed`);
  } finally {
    rmSync(b.dir, { recursive: true, force: true });
  }
});
