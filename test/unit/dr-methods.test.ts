import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Stack } from '../../src/core/platform.ts';
import { coldSnapshotBackup, coldSnapshotRestoreFrom, MilvusBackupMethod } from '../../src/runner/dr-methods.ts';

test('a cold snapshot is refused, with the method to use instead, on a stack that cannot take one', async () => {
  const noSnapshot = { milvusAddress: '127.0.0.1:1' } as unknown as Stack;
  await assert.rejects(coldSnapshotBackup(noSnapshot, '/tmp/x', 'b1', () => {}), /needs a stack that can stop and copy its own etcd and MinIO.*use method 'binlog'/);
  assert.deepEqual(coldSnapshotRestoreFrom('/d'), { method: 'cold-snapshot', dir: '/d' });
});

test('milvus-backup at a wrong path is refused up front, naming the flag', () => {
  assert.throws(() => MilvusBackupMethod.locate('/nonexistent/milvus-backup', '/tmp/w'), /--milvus-backup '\/nonexistent\/milvus-backup' is not an executable file/);
});
