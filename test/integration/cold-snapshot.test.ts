import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal } from '../../src/supervise/journal.ts';
import { EtcdCluster } from '../../src/platform/local/etcd.ts';
import { MINIO_CREDENTIALS, MinioServer } from '../../src/platform/local/minio.ts';
import { assertSnapshotIntact, etcdctlBinary, etcdSeed, minioSeed, takeColdSnapshot, verifyColdSnapshot } from '../../src/platform/local/cold-snapshot.ts';
import { ManagedProcess } from '../../src/supervise/process.ts';
import { LocalPlatform } from '../../src/platform/local/platform.ts';
import { s3 } from '../support/s3.ts';

const etcdctl = (endpoint: string, ...args: string[]): string => execFileSync(etcdctlBinary(), ['--endpoints', endpoint, ...args], { encoding: 'utf8', env: { ...process.env, ETCDCTL_API: '3' } });

test('cold snapshot of a 3-member etcd and MinIO (Milvus stopped first), restored into fresh ones; damage is named', async () => {
  const root = mkdtempSync(join(tmpdir(), 'drill-cold-'));
  const journal = new Journal(join(root, 'state'), 'cold-snapshot-test');
  try {
    const objects = { 'files/insert_log/1/2/3/100/1': Buffer.from('segment binlog one'), 'files/delta_log/1/2/3/9': Buffer.alloc(64 * 1024, 7) };
    const snapshot = join(root, 'snapshot');
    {
      await using etcd = await EtcdCluster.start({ members: 3, dir: join(root, 'src', 'etcd'), journal });
      await using minio = await MinioServer.start({ dir: join(root, 'src'), journal });
      // Stands in for Milvus: a process the snapshot must stop before it copies anything.
      const milvus = new ManagedProcess({ name: 'milvus-standin', command: 'sleep', args: ['300'], logFile: join(root, 'standin.log') }, journal);
      await using _milvus = { [Symbol.asyncDispose]: async () => void (await milvus.stop()) };
      etcdctl(etcd.members[0]!.clientUrl, 'put', 'by-dev/meta/root-coord/collection/1', 'drill-collection');
      etcdctl(etcd.members[1]!.clientUrl, 'put', 'by-dev/meta/datacoord-meta/s/1/2/3', 'segment-3');
      assert.equal((await s3(minio.address, MINIO_CREDENTIALS, 'PUT', '/milvus-drill')).status, 200);
      for (const [key, body] of Object.entries(objects)) assert.equal((await s3(minio.address, MINIO_CREDENTIALS, 'PUT', `/milvus-drill/${key}`, body)).status, 200);

      const logs: string[] = [];
      const manifest = await takeColdSnapshot(
        { milvus: [milvus], etcdEndpoint: etcd.members[2]!.clientUrl, stopEtcd: () => etcd[Symbol.asyncDispose](), minioDataDir: minio.dataDir, bucket: 'milvus-drill', stopMinio: () => minio[Symbol.asyncDispose]() },
        snapshot,
        'drill-cold',
        (m) => logs.push(m),
      );
      assert.equal(milvus.running, false, 'Milvus was stopped');
      assert.ok(etcd.members.every((m) => !m.process.running) && !minio.process.running, 'etcd and MinIO stopped after the copy');
      assert.deepEqual(logs.map((l) => l.replace(/^cold snapshot 'drill-cold': /, '').split(' ')[0]), ['stopping', 'etcdctl', 'copying', 'stopping']);
      assert.ok(manifest.files.some((f) => f.path === 'etcd.db'));
      assert.ok(manifest.files.filter((f) => f.path.startsWith('bucket/')).length >= 2, 'the bucket objects are in the snapshot');
      await assert.rejects(takeColdSnapshot({ milvus: [], etcdEndpoint: '', stopEtcd: async () => {}, minioDataDir: '', bucket: '', stopMinio: async () => {} }, snapshot, 'again', () => {}), /already exists/);
    }

    assert.equal(assertSnapshotIntact(snapshot).name, 'drill-cold');
    {
      await using etcd = await EtcdCluster.start({ members: 3, dir: join(root, 'dst', 'etcd'), journal, seed: etcdSeed(snapshot) });
      await using minio = await MinioServer.start({ dir: join(root, 'dst'), journal, seed: minioSeed(snapshot, 'milvus-drill') });
      assert.match(etcdctl(etcd.members[0]!.clientUrl, 'get', 'by-dev/meta/root-coord/collection/1'), /drill-collection/);
      assert.match(etcdctl(etcd.members[2]!.clientUrl, 'get', 'by-dev/meta/datacoord-meta/s/1/2/3'), /segment-3/);
      assert.equal(etcdctl(etcd.members[0]!.clientUrl, 'member', 'list').trim().split('\n').length, 3, 'the restored cluster has its three members');
      for (const [key, body] of Object.entries(objects)) {
        const res = await s3(minio.address, MINIO_CREDENTIALS, 'GET', `/milvus-drill/${key}`);
        assert.equal(res.status, 200, `${key} is served by the restored MinIO`);
        assert.deepEqual(Buffer.from(await res.arrayBuffer()), body);
      }
    }

    const manifest = JSON.parse(readFileSync(join(snapshot, 'manifest.json'), 'utf8')) as { files: { path: string }[] };
    const [first, second] = manifest.files.filter((f) => f.path.startsWith('bucket/'));
    const flipped = readFileSync(join(snapshot, first!.path));
    flipped[0] = flipped[0]! ^ 0xff;
    writeFileSync(join(snapshot, first!.path), flipped);
    unlinkSync(join(snapshot, second!.path));
    assert.deepEqual(verifyColdSnapshot(snapshot).corrupted, [first!.path]);
    assert.deepEqual(verifyColdSnapshot(snapshot).missing, [second!.path]);
    assert.throws(() => assertSnapshotIntact(snapshot), (err: Error) => err.message.includes(`${first!.path} (checksum or size differs`) && err.message.includes(`${second!.path} (missing)`));
    // A stack is never brought up from a damaged snapshot: refused before anything starts.
    const spec = { milvusVersion: '2.3.5', topology: 'standalone', etcd: { members: 1 }, messageQueue: 'rocksmq', objectStore: 'minio' } as const;
    await assert.rejects(
      new LocalPlatform().up(spec, { runId: 'cold-refused', workDir: join(root, 'refused'), signal: AbortSignal.timeout(30_000), log: () => {}, seed: 1, restoreFrom: { method: 'cold-snapshot', dir: snapshot } }),
      /cold snapshot 'drill-cold' is damaged: bucket\//,
    );
    assert.equal(existsSync(join(root, 'refused', 'etcd')), false, 'nothing was started');
  } finally {
    journal.close();
    rmSync(root, { recursive: true, force: true });
  }
});
