import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HistoryEvent, OpRecord, RecordedRun, Scenario } from '../../src/core/types.ts';
import { validateScenario } from '../../src/scenario/validate.ts';
import dr from '../../scenarios/dr-restore.ts';
import { DR_BACKUP, DR_RESTORE, drReport, firstGoodWindow, lostWindow, withoutLostWrites, type DrBackupNote, type DrRestoreNote } from '../../src/checks/dr.ts';
import { durability } from '../../src/checks/durability.ts';
import { evaluateSlos } from '../../src/slo/verdicts.ts';
import { checkObjects, parseManifest, sha256Hex } from '../../src/workload/backup-manifest.ts';
import { decodeStatus, encodeGcControl } from '../../src/workload/binlog-backup.ts';
import { signV4 } from '../../src/workload/s3.ts';

const scenario = ((): Scenario => {
  const v = validateScenario(dr);
  assert.ok(v.ok);
  return v.scenario;
})();

let seq = 0;
const op = (o: Partial<OpRecord> & Pick<OpRecord, 'op' | 'start'>): OpRecord => ({ seq: seq++, end: o.start + 5, outcome: 'ok', latencyMs: 5, phase: 'p', ...o });
const ev = (at: number, kind: HistoryEvent['kind'], name: string, detail?: string): HistoryEvent => ({ at, kind, name, ...(detail ? { detail } : {}) });

const backupNote = (over: Partial<DrBackupNote> = {}): DrBackupNote => ({
  name: 'b', method: 'binlog', start: 1000, pointAt: 1100, end: 3000, rows: 4, segments: 2, objects: 10, bytes: 1000, location: '/x', gcPause: 'paused', index: 'vector: {"M":"16"}',
  partitionCounts: { p0: 1, p1: 2 }, partitionKey: { field: 'tenant', partitions: 2 }, ...over,
});
const restoreNote = (over: Partial<DrRestoreNote> = {}): DrRestoreNote => ({
  name: 'b', start: 10_000, manifestChecked: true, corrupted: [], missing: [], importStart: 10_100, importEnd: 12_100, rows: 4, end: 20_000, lookups: { from: 20_000, to: 20_500 },
  partitionCounts: { p0: 1, p1: 2 }, index: 'vector: {"M":"16"}', partitionKey: { field: 'tenant', partitions: 2 }, error: null, ...over,
});

/**
 * Rows 1..4 inserted; row 4 deleted and row 2 upserted to version 1 before the backup point
 * (1100); after it row 3 is deleted and row 5 inserted (expected loss). Destroy at 5000, up
 * 5000–8000, restore 10000–20000 with lookups 20000–20500 returning `found`.
 */
function run(found: Map<number, number>, over: { backup?: Partial<DrBackupNote>; restore?: Partial<DrRestoreNote>; probes?: OpRecord[] } = {}): RecordedRun {
  const ops: OpRecord[] = [
    op({ op: 'insert', start: 0, ids: [1, 2, 3, 4] }),
    op({ op: 'delete', start: 500, ids: [4] }),
    op({ op: 'upsert', start: 600, ids: [2], versions: [1] }),
    op({ op: 'delete', start: 2000, end: 2010, ids: [3] }),
    op({ op: 'insert', start: 3500, end: 3600, ids: [5] }),
    op({ op: 'index', start: 12_200, end: 15_000 }),
    op({ op: 'load', start: 15_100, end: 19_000 }),
    op({ op: 'query', start: 20_000, end: 20_400, keys: [1, 2, 3, 4, 5], ids: [...found.keys()], versions: [...found.values()] }),
    ...(over.probes ?? []),
  ];
  const events: HistoryEvent[] = [
    ev(1000, 'action-start', 'backup'),
    ev(3000, 'note', DR_BACKUP, JSON.stringify(backupNote(over.backup))),
    ev(3000, 'action-end', 'backup', 'ok'),
    ev(5000, 'action-start', 'destroy'),
    ev(5000, 'action-end', 'destroy', 'ok'),
    ev(5000, 'action-start', 'up'),
    ev(8000, 'action-end', 'up', 'ok'),
    ev(10_000, 'action-start', 'restore'),
    ev(20_600, 'note', DR_RESTORE, JSON.stringify(restoreNote(over.restore))),
    ev(20_600, 'action-end', 'restore', 'ok'),
  ];
  return {
    header: { format: 1, runId: 'r', scenario, platform: 'local', project: { name: 'x', version: '0' }, epochMs: 0, startedAt: '' },
    history: { epochMs: 0, ops, events }, versions: null, bringUpMs: null, truthInputs: null, scrapes: [], load: null, breach: null, stepFailure: null, end: null,
  };
}

const exact = new Map([[1, 0], [2, 1], [3, 0]]);

test('a restore that brings back exactly the state at the backup point passes every verification', () => {
  const recorded = run(exact);
  const r = drReport(recorded, null)!;
  assert.equal(r.verification!.pass, true, JSON.stringify(r.verification!.items.filter((i) => !i.pass)));
  assert.deepEqual(r.verification!.items.map((i) => i.check), ['manifest', 'restore', 'rows', 'versions', 'deletes', 'partition counts', 'index', 'partition key']);
  assert.equal(r.backup!.pointAt, 1100);
  assert.equal(r.backup!.cutSeq, recorded.history.ops[2]!.seq, 'the cut is the last write acknowledged before the point');
  assert.equal(r.destroyAt, 5000);
  assert.deepEqual(r.restore!.import, { start: 10_100, end: 12_100, ms: 2000 });
  assert.equal(r.restore!.rowsPerSecond, 2, '4 rows in 2 s');
  assert.deepEqual(r.restore!.indexBuild, { start: 12_200, end: 15_000, ms: 2800 });
  assert.deepEqual(r.restore!.load, { start: 15_100, end: 19_000, ms: 3900 });
});

test('RPO counts the rows acknowledged after the backup point and the seconds to the last of them', () => {
  const r = drReport(run(exact), null)!;
  assert.equal(r.rpo!.rows, 2, 'row 3 deleted and row 5 inserted after the point');
  assert.equal(r.rpo!.seconds, 2.5, 'the last write after the point ended at 3600, 2.5 s after it');
  assert.equal(r.rpo!.lostBeforePoint, 0);
});

test('a lost row, a deleted row back and a stale version are named, and count as lost before the point', () => {
  const r = drReport(run(new Map([[2, 0], [3, 0], [4, 0]])), null)!;
  const failed = Object.fromEntries(r.verification!.items.filter((i) => !i.pass).map((i) => [i.check, i.detail]));
  assert.match(failed.rows!, /missing ids: 1\b/);
  assert.match(failed.versions!, /stale ids: 2\b/);
  assert.match(failed.deletes!, /deleted ids back: 4\b/);
  assert.equal(r.rpo!.lostBeforePoint, 3);
  const [slo] = evaluateSlos([{ name: 'restore', kind: 'restore', phase: null, op: '<=', threshold: 0 }], { phases: [], faults: [], durability: null, dr: r });
  assert.equal(slo!.pass, false);
  assert.equal(slo!.measured, 3);
});

test('partition counts, index and partition key are compared with the source', () => {
  const r = drReport(run(exact, { restore: { partitionCounts: { p0: 1, p1: 1 }, index: 'vector: {"M":"8"}', partitionKey: { field: null, partitions: 1 } } }), null)!;
  const failed = Object.fromEntries(r.verification!.items.filter((i) => !i.pass).map((i) => [i.check, i.detail]));
  assert.match(failed['partition counts']!, /p1: 2 → 1/);
  assert.match(failed.index!, /M":"8/);
  assert.match(failed['partition key']!, /tenant over 2 partitions before, none over 1 partitions after/);
});

test('a damaged backup fails the manifest item naming the object, and the restore item with its error', () => {
  const r = drReport(run(exact, { restore: { corrupted: ['insert_log/1/2/3/101/9'], missing: ['delta_log/1/2/3/0/7'], error: 'backup damaged', lookups: null, end: null } }), null)!;
  const items = r.verification!.items;
  assert.equal(items.length, 2, 'nothing else is verified after a refused restore');
  assert.match(items[0]!.detail, /insert_log\/1\/2\/3\/101\/9 \(checksum mismatch\), delta_log\/1\/2\/3\/0\/7 \(missing\)/);
  assert.equal(items[1]!.pass, false);
  assert.equal(r.rto!.ms, null, 'a failed restore never recovers');
});

test('RTO runs from the destroy to the first full window of good searches after the restore', () => {
  const probes = [20_700, 22_000, 26_000, 27_000, 31_000, 35_000, 41_500].map((start, i) => op({ op: 'search', start, outcome: i === 1 ? 'fail' : 'ok', ids: [] }));
  const r = drReport(run(exact, { probes }), null)!;
  assert.deepEqual(r.rto!.firstGoodWindow, { start: 26_000, end: 36_000 });
  assert.equal(r.rto!.ms, 21_000);
  assert.equal(r.rto!.upMs, 3000);
  assert.equal(r.rto!.restoreMs, 2000);
  const [slo] = evaluateSlos([{ name: 'rto', kind: 'rto', phase: null, op: '<=', threshold: 20_000 }], { phases: [], faults: [], durability: null, dr: r });
  assert.equal(slo!.pass, false);
  assert.match(slo!.reason, /21 s from destroy/);
});

test('a window not observed in full is no recovery; a window is judged on its mean recall, not on each search', () => {
  const probes = [0, 1000, 5000].map((start) => op({ op: 'search', start }));
  assert.equal(firstGoodWindow(probes, 0, 10_000, () => null, 0.9), null);
  const more = [0, 2000, 4000, 6000, 8000, 10_000, 12_000, 14_000].map((start) => op({ op: 'search', start }));
  const recalls = new Map(more.map((o, i) => [o, [0.5, 0.9, 1, 0.8, 1, 1, 1, 1][i]!]));
  assert.deepEqual(firstGoodWindow(more, 0, 10_000, (o) => recalls.get(o) ?? null, 0.9), { start: 2000, end: 12_000 }, 'one query at 0.8 in a window averaging 0.94 is fine; the window with the 0.5 is not');
});

test('writes between the backup point and the restore are expected loss, not durability failures', () => {
  const r = run(new Map([[1, 0], [2, 1], [3, 0]]));
  assert.deepEqual(lostWindow(r.history.events), { from: 1100, to: 20_600 });
  const kept = withoutLostWrites(r.history.ops, r.history.events);
  const d = durability([...kept, op({ op: 'query', start: 30_000, keys: [1, 2, 3, 4, 5], ids: [1, 2, 3], versions: [0, 1, 0] })]);
  assert.deepEqual([d.missing, d.resurrected, d.stale], [[], [], []]);
  const raw = durability([...r.history.ops, op({ op: 'query', start: 30_000, keys: [1, 2, 3, 4, 5], ids: [1, 2, 3], versions: [0, 1, 0] })]);
  assert.deepEqual([raw.missing, raw.resurrected], [[5], [3]], 'without the window the same lookups would read as losses');
});

test('a run without backup or restore has no dr section, and DR SLOs with no samples fail', () => {
  const r = run(exact);
  const plain: RecordedRun = { ...r, history: { ...r.history, events: [] } };
  assert.equal(drReport(plain, null), null);
  const verdicts = evaluateSlos([{ name: 'rto', kind: 'rto', phase: null, op: '<=', threshold: 1 }, { name: 'rpo', kind: 'rpoRows', phase: null, op: '<=', threshold: 1 }], { phases: [], faults: [], durability: null, dr: null });
  assert.deepEqual(verdicts.map((v) => v.pass), [false, false]);
});

test('the manifest check names corrupted and missing objects by key', () => {
  const a = Buffer.from('insert log bytes');
  const b = Buffer.from('delta log bytes');
  const entries = [
    { key: 'insert_log/1/2/3/101/9', size: a.length, sha256: sha256Hex(a) },
    { key: 'delta_log/1/2/3/0/7', size: b.length, sha256: sha256Hex(b) },
    { key: 'stats_log/1/2/3/100/5', size: 3, sha256: sha256Hex(Buffer.from('abc')) },
  ];
  const flipped = Buffer.from(a);
  flipped[3] = flipped[3]! ^ 0xff;
  const files: Record<string, Buffer> = { 'insert_log/1/2/3/101/9': flipped, 'delta_log/1/2/3/0/7': b };
  const check = checkObjects(entries, (k) => files[k] ?? null);
  assert.deepEqual(check, { corrupted: ['insert_log/1/2/3/101/9'], missing: ['stats_log/1/2/3/100/5'], checked: 3 });
  assert.deepEqual(checkObjects(entries.slice(1, 2), (k) => files[k] ?? null).corrupted, []);
});

test('a damaged manifest is refused with what is wrong', () => {
  assert.throws(() => parseManifest('{', '/b/manifest.json'), /not JSON.*damaged/);
  assert.throws(() => parseManifest('{"format":1,"name":"x"}', '/b/manifest.json'), /lacks collection, partitions, indexes, segments, objects/);
  assert.throws(() => parseManifest('{"format":2,"name":"x","collection":{},"partitions":[],"indexes":[],"segments":[],"objects":[]}', 'm'), /format 2/);
});

test('GcControl requests and statuses in protobuf wire format', () => {
  assert.equal(encodeGcControl(2, 0).toString('hex'), '0a001002');
  const pause = encodeGcControl(1, 600);
  assert.equal(pause.subarray(0, 4).toString('hex'), '0a001001');
  assert.ok(pause.includes(Buffer.from('duration')) && pause.includes(Buffer.from('600')));
  assert.deepEqual(decodeStatus(Buffer.alloc(0)), { code: 0, reason: '' });
  assert.deepEqual(decodeStatus(Buffer.concat([Buffer.from([0x08, 0x05, 0x12, 0x03]), Buffer.from('bad')])), { code: 5, reason: 'bad' });
});

test('S3 Signature V4 matches the documented ListObjects example', () => {
  const h = signV4({
    method: 'GET', host: 'examplebucket.s3.amazonaws.com', path: '/', canonicalQuery: 'max-keys=2&prefix=J',
    payloadHash: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    accessKey: 'AKIAIOSFODNN7EXAMPLE', secretKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', now: new Date('2013-05-24T00:00:00Z'),
  });
  assert.match(h.authorization!, /Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7$/);
});

test('DR steps are validated field by field, each error with its fix', () => {
  const steps = [
    { action: 'backup', name: 'b' },
    { action: 'damage-backup', name: 'b', mode: 'shred', object: 'insert' },
    { action: 'restore', name: 'b', verifyChecksums: 'no' },
  ];
  const v = validateScenario({ ...dr, steps, slos: [{ kind: 'recall', phase: 'steady', threshold: 0.9 }] });
  assert.ok(!v.ok);
  const paths = v.errors.map((e) => `${e.path}: ${e.message} → ${e.fix}`);
  assert.ok(paths.some((p) => /steps\[1\]\.mode: must be one of flip, remove/.test(p)), paths.join('\n'));
  assert.ok(paths.some((p) => /steps\[2\]\.verifyChecksums: must be true or false.*→ write steps\[2\]\.verifyChecksums: true/.test(p)), paths.join('\n'));
  const noRestore = validateScenario({ ...dr, steps: [{ phase: 'steady', duration: '5s' }], slos: [{ kind: 'rto', threshold: 1000 }] });
  assert.ok(!noRestore.ok && noRestore.errors.some((e) => /rto SLO needs a restore step/.test(e.message)));
});
