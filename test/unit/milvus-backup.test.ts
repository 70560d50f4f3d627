import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { backupConfig, renderBackupYaml, targetFromStack, type MilvusBackupTarget } from '../../src/workload/milvus-backup/config.ts';
import { checkBackupName, createArgs, getArgs, listArgs, parseCommandResult, parseGet, parseList, restoreArgs } from '../../src/workload/milvus-backup/cli.ts';
import { findMilvusBackup } from '../../src/workload/milvus-backup/tool.ts';

// The upstream config and CLI summary (zilliztech/milvus-backup v0.5.16) are read where they are,
// never copied. Keys and flags that only the v0.4 line has (the one for Milvus 2.3 servers) are
// listed here from its v0.4.30 tag: configs/backup.yaml, cmd/create.go, cmd/restore.go, cmd/get.go.
const UPSTREAM = resolve(fileURLToPath(import.meta.url), '../../../../shared/schemas/milvus-backup');
const noUpstream = existsSync(join(UPSTREAM, 'backup.yaml')) ? false : `upstream milvus-backup files not found at ${UPSTREAM}`;
const V04_ONLY_KEYS = ['log.file.rootPath', 'http.simpleResponse', 'milvus.authorizationEnabled', 'milvus.tlsCertPath', 'backup.maxSegmentGroupSize', 'backup.gcPause.seconds'];
const V04_FLAGS: Record<string, readonly string[]> = {
  create: ['--name', '--colls', '--databases', '--database_collections', '--force', '--meta_only', '--rbac'],
  restore: ['--name', '--collections', '--suffix', '--rename', '--databases', '--database_collections', '--meta_only', '--restore_index', '--use_auto_index', '--drop_exist_collection', '--drop_exist_index', '--skip_create_collection', '--rbac'],
  list: ['--collection'],
  get: ['--name', '--detail'],
};

const target: MilvusBackupTarget = {
  milvusAddress: '127.0.0.1:41234',
  credentials: null,
  tls: null,
  objectStore: { endpoint: '127.0.0.1:39000', accessKey: 'drill-access', secretKey: 'drill-secret', bucket: 'milvus-drill', rootPath: 'files' },
  backupStore: { bucket: 'milvus-drill', rootPath: 'backup' },
  httpUrl: 'http://127.0.0.1:49091',
  logFile: '/tmp/run/milvus-backup.log',
};

function leaves(obj: Record<string, unknown>, prefix = ''): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [k, v] of Object.entries(obj)) {
    const path = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) for (const [p, x] of leaves(v as Record<string, unknown>, path)) out.set(p, x);
    else out.set(path, v);
  }
  return out;
}

/** Flags of a subcommand in the upstream CLI summary's table (### `name` ... next ###). */
function upstreamFlags(sub: string): Set<string> {
  const md = readFileSync(join(UPSTREAM, 'CLI.md'), 'utf8');
  const section = md.split(/^### /m).find((s) => s.startsWith(`\`${sub}\``)) ?? '';
  return new Set([...section.matchAll(/^\| `(--[a-z_]+)`/gm)].map((m) => m[1]!));
}

test('backup.yaml: every key is one upstream milvus-backup reads (v0.5 config, or v0.4-only), with the same type', { skip: noUpstream }, () => {
  const upstream = leaves(parse(readFileSync(join(UPSTREAM, 'backup.yaml'), 'utf8')) as Record<string, unknown>);
  const rendered = leaves(parse(renderBackupYaml(target)) as Record<string, unknown>);
  for (const [key, value] of rendered) {
    if (V04_ONLY_KEYS.includes(key)) continue;
    assert.ok(upstream.has(key), `'${key}' is not a milvus-backup config key`);
    assert.equal(typeof value, typeof upstream.get(key), `'${key}' is ${typeof value}, upstream has ${typeof upstream.get(key)}`);
  }
  // Everything that says where Milvus and its data are is set, in both spellings where v0.5 renamed it.
  for (const key of ['milvus.address', 'milvus.port', 'milvus.tlsMode', 'minio.address', 'minio.port', 'minio.bucketName', 'minio.rootPath', 'minio.backupBucketName', 'minio.backupRootPath', 'minio.accessKeyID', 'minio.backupAccessKeyID', 'backup.gcPause.address', 'milvus.caCertPath', 'milvus.tlsCertPath', 'log.file.rootPath', 'log.file.filename']) {
    assert.ok(rendered.has(key), `rendered config lacks ${key}`);
  }
});

test('backup.yaml is rendered from the stack: addresses split, buckets, GC pause, no console logs', () => {
  const c = parse(renderBackupYaml(target)) as ReturnType<typeof backupConfig>;
  assert.deepEqual(c.milvus!.address, '127.0.0.1');
  assert.equal(c.milvus!.port, 41234);
  assert.equal(c.milvus!.authorizationEnabled, false);
  assert.equal(c.milvus!.tlsMode, 0);
  assert.deepEqual([c.minio!.address, c.minio!.port, c.minio!.bucketName, c.minio!.rootPath], ['127.0.0.1', 39000, 'milvus-drill', 'files']);
  assert.deepEqual([c.minio!.backupAddress, c.minio!.backupPort, c.minio!.backupBucketName, c.minio!.backupRootPath], ['127.0.0.1', 39000, 'milvus-drill', 'backup']);
  assert.equal(c.minio!.crossStorage, false);
  assert.deepEqual(c.backup!.gcPause, { enable: true, seconds: 7200, address: 'http://127.0.0.1:49091' });
  assert.equal((c.log as { console: boolean }).console, false, 'logs go to the file, so stdout carries only the results we parse');

  const secured = parse(renderBackupYaml({ ...target, credentials: { user: 'root', password: 'p"w: #x' }, tls: { mode: 'mutual', caPath: '/c/ca.pem', certPath: '/c/client.pem', keyPath: '/c/client.key', serverName: 'milvus' }, httpUrl: null })) as ReturnType<typeof backupConfig>;
  assert.equal(secured.milvus!.password, 'p"w: #x', 'a password with YAML syntax in it survives');
  assert.deepEqual([secured.milvus!.authorizationEnabled, secured.milvus!.tlsMode, secured.milvus!.tlsCertPath, secured.milvus!.caCertPath, secured.milvus!.mtlsCertPath, secured.milvus!.serverName], [true, 2, '/c/ca.pem', '/c/ca.pem', '/c/client.pem', 'milvus']);
  assert.equal((secured.backup!.gcPause as { enable: boolean }).enable, false);

  const dr = parse(renderBackupYaml({ ...target, backupStore: { bucket: 'dr-site', rootPath: 'drills', endpoint: '127.0.0.1:39100', accessKey: 'a2', secretKey: 's2' } })) as ReturnType<typeof backupConfig>;
  assert.deepEqual([dr.minio!.backupPort, dr.minio!.backupBucketName, dr.minio!.backupAccessKeyID, dr.minio!.crossStorage], [39100, 'dr-site', 'a2', true]);

  const local = parse(renderBackupYaml({ ...target, backupStore: { localDir: '/var/drill/backups' } })) as ReturnType<typeof backupConfig>;
  assert.deepEqual([local.minio!.backupStorageType, local.minio!.backupRootPath, local.minio!.crossStorage, local.minio!.storageType], ['local', '/var/drill/backups', true, 'minio']);

  assert.throws(() => backupConfig({ ...target, milvusAddress: 'localhost' }), /milvusAddress must be host:port/);
  assert.throws(() => targetFromStack({ milvusAddress: '127.0.0.1:1', objectStore: null }, null), /needs the stack's MinIO.*stack.objectStore to 'minio'/);
  assert.deepEqual(targetFromStack({ milvusAddress: '127.0.0.1:1', objectStore: target.objectStore, httpUrl: 'http://h:1' }, null).backupStore, { bucket: 'milvus-drill', rootPath: 'backup' });
});

test('create, restore, list and get use only flags both the v0.4 line and the documented CLI have', { skip: noUpstream }, () => {
  const cases: [string, string[]][] = [
    ['create', createArgs('/w/backup.yaml', 'drill_1', { collections: ['c1', 'c2'], rbac: true })],
    ['restore', restoreArgs('/w/backup.yaml', 'drill_1', { collections: ['c1'], suffix: '_r', restoreIndex: true, dropExisting: true, rbac: true })],
    ['list', listArgs('/w/backup.yaml')],
    ['get', getArgs('/w/backup.yaml', 'drill_1')],
  ];
  for (const [sub, args] of cases) {
    assert.deepEqual(args.slice(0, 3), ['--config', '/w/backup.yaml', sub]);
    const documented = upstreamFlags(sub);
    assert.ok(documented.size > 0, `CLI.md documents ${sub}`);
    for (const f of args.slice(3).filter((a) => a.startsWith('--'))) {
      assert.ok(documented.has(f), `${sub} ${f} is not in the documented CLI`);
      assert.ok(V04_FLAGS[sub]!.includes(f), `${sub} ${f} is not a v0.4 flag`);
    }
  }
  assert.deepEqual(cases[0]![1].slice(3), ['--name', 'drill_1', '--colls', 'c1,c2', '--rbac']);
  assert.deepEqual(cases[1]![1].slice(3), ['--name', 'drill_1', '--collections', 'c1', '--suffix', '_r', '--restore_index', '--drop_exist_collection', '--rbac']);
  assert.deepEqual(restoreArgs('c', 'b', { collections: [], suffix: '', restoreIndex: false, dropExisting: false, rbac: false }).slice(3), ['--name', 'b']);
});

test('backup names milvus-backup would refuse are refused up front, with a usable one suggested', () => {
  checkBackupName('drill_2026q3');
  assert.throws(() => checkBackupName('dr-2026q3'), /not usable by milvus-backup.*e\.g\. drill_dr_2026q3/);
  assert.throws(() => checkBackupName('1abc'), /starting with a letter or underscore/);
  assert.throws(() => checkBackupName('a'.repeat(128)), /not usable/);
});

test('create and restore results: v0.4 says success or the error (and exits 0 either way); v0.5 exits non-zero', () => {
  const ok = parseCommandResult('config:/w/backup.yaml\nsuccess\nduration:12 s\n', 'v0.4.30 (Built on 2025-01-14 from Git SHA f369636)\n', 0);
  assert.deepEqual(ok, { outcome: 'ok', message: 'success', seconds: 12 });
  const exists = parseCommandResult('config:/w/backup.yaml\nbackup already exist with the name: drill_1\nduration:0 s\n', '', 0);
  assert.deepEqual(exists, { outcome: 'fail', message: 'backup already exist with the name: drill_1', seconds: 0 });
  assert.deepEqual(parseCommandResult("backup doesn't exist\nduration:0 s\n", '', 0).outcome, 'fail');
  const restored = parseCommandResult('success\nduration:48 s\n', '', 0);
  assert.equal(restored.outcome, 'ok');
  // Killed mid-way or cut short: it did not say, so it is not a success.
  const cut = parseCommandResult('config:/w/backup.yaml\n', '', 0);
  assert.equal(cut.outcome, 'unknown');
  assert.match(cut.message, /no 'duration:' line/);
  const v05 = parseCommandResult('', 'Error: restore: collection c1 already exists\nUsage:\n  milvus-backup restore [flags]\n', 1);
  assert.deepEqual(v05, { outcome: 'fail', message: 'Error: restore: collection c1 already exists', seconds: null });
  assert.deepEqual(parseCommandResult('duration:3.27 s\n', '', 0), { outcome: 'ok', message: 'success', seconds: 3.27 });
  // Log lines (JSON or bracketed), should console logging be on, are not the message.
  assert.equal(parseCommandResult('config:x\n{"level":"info","msg":"backup done"}\n[2026/11/29 17:00:00.000 +00:00] [INFO] [core/x.go:1] ["done"]\nsuccess\nduration:1 s\n', '', 0).outcome, 'ok');
});

test('list gives the backup names after its header', () => {
  assert.deepEqual(parseList('config:/w/backup.yaml\n>> Backups:\ndrill_1\ndrill_2\n'), ['drill_1', 'drill_2']);
  assert.deepEqual(parseList('config:/w/backup.yaml\n>> Backups:\n'), []);
  assert.throws(() => parseList('panic: cannot connect\n'), /no '>> Backups:' header/);
});

test('get --detail: the backup as Go prints it, rows summed over segments, the 64-bit backup timestamp kept exact', () => {
  const ts = '453173216371490817'; // a Milvus hybrid timestamp: physical ms << 18 | logical
  const segment = (id: number, rows: number) => ({ segment_id: id, collection_id: 44, partition_id: 45, num_of_rows: rows, size: rows * 600, group_id: 0, backuped: true });
  const info = {
    id: 'f0c1', state_code: 2, start_time: 1764435600, end_time: 1764435612, progress: 100, name: 'drill_1', backup_timestamp: Number(ts),
    collection_backups: [{
      id: 'c0', state_code: 2, collection_id: 44, db_name: 'default', collection_name: 'drill', shards_num: 2, consistency_level: 1,
      partition_backups: [{ partition_id: 45, partition_name: '_default_0', collection_id: 44, segment_backups: [segment(1, 6000), segment(2, 4000)], size: 0 }, { partition_id: 46, partition_name: '_default_1', collection_id: 44, segment_backups: [segment(3, 10000)], size: 0 }],
      size: 12000000, has_index: true, index_infos: [{ field_name: 'vector', index_name: 'vector_idx', index_type: 'HNSW', params: { M: '16', efConstruction: '200', metric_type: 'L2' } }], load_state: 'Loaded',
    }],
    size: 12000000, milvus_version: 'v2.3.5',
  };
  // encoding/json prints the full integer; JSON.stringify of the test object would round it, so splice it in.
  const printed = `config:/w/backup.yaml\n${JSON.stringify(info, null, 4).replace(/"backup_timestamp": \d+/, `"backup_timestamp": ${ts}`)}\nSuccess\n`;
  const b = parseGet(printed);
  assert.equal(b.name, 'drill_1');
  assert.equal(b.state, 'BACKUP_SUCCESS');
  assert.equal(b.milvusVersion, 'v2.3.5');
  assert.equal(b.backupTimestamp, ts);
  assert.equal(b.backupPhysicalMs, Number(BigInt(ts) >> 18n));
  assert.equal(new Date(b.backupPhysicalMs!).getUTCFullYear() >= 2024, true);
  assert.deepEqual(b.collections.map((c) => [c.db, c.name, c.rows, c.partitions, c.segments, c.hasIndex]), [['default', 'drill', 20000, 2, 3, true]]);
  assert.deepEqual(b.collections[0]!.indexes[0], { field: 'vector', name: 'vector_idx', type: 'HNSW', params: { M: '16', efConstruction: '200', metric_type: 'L2' } });
  assert.equal(parseGet('{\n    "name": "x", "state_code": 3, "errorMessage": "copy failed"\n}\nSuccess\n').state, 'BACKUP_FAIL');
  assert.throws(() => parseGet('config:/w/backup.yaml\nnull\nRequest_Object_Not_Found\n'), /printed no backup/);
});

test('the binary is --milvus-backup, else $MILVUS_BACKUP, else milvus-backup on PATH; absent is null, a wrong path an error', () => {
  const dir = mkdtempSync(join(tmpdir(), 'drill-mb-test-'));
  try {
    assert.equal(findMilvusBackup(undefined, { PATH: dir }), null);
    const bin = join(dir, 'milvus-backup');
    writeFileSync(bin, '#!/bin/sh\n');
    chmodSync(bin, 0o755);
    assert.equal(findMilvusBackup(undefined, { PATH: `/nonexistent:${dir}` }), bin);
    assert.equal(findMilvusBackup(bin, { PATH: '' }), bin);
    assert.equal(findMilvusBackup(undefined, { PATH: '', MILVUS_BACKUP: bin }), bin);
    assert.throws(() => findMilvusBackup(join(dir, 'nope'), {}), /--milvus-backup '.*nope' is not an executable file/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
