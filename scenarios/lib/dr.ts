import type { ScenarioInput, StepInput } from '../../src/scenario/define.ts';

type Parts = Required<Pick<ScenarioInput, 'stack' | 'collection' | 'dataset' | 'workload' | 'recovery'>>;

/**
 * The DR drills' primary: Milvus standalone on MinIO, a partition-key collection (so per-key
 * counts are verified after the restore) and churn that deletes only: the deletes sit in delta
 * logs at the backup. Upserts are left out because on 2.3.5 some upserted rows do not survive a
 * binlog restore (scenarios/dr-restore-upserts.ts expects that to be caught).
 */
export function drPrimary(o: { collection: string; partitions: number; rows: number; large?: boolean; deletesPerSecond: number; milvusVersion?: string }): Parts {
  return {
    stack: { milvusVersion: o.milvusVersion ?? '2.3.5', topology: 'standalone', etcd: { members: 1 }, messageQueue: 'rocksmq', objectStore: 'minio' },
    collection: {
      name: o.collection,
      shards: 2,
      partitionKey: { field: 'tenant', partitions: o.partitions },
      scalarFields: ['tenant', 'category'],
      index: { type: 'HNSW', params: { M: 16, efConstruction: o.large ? 200 : 100 }, searchParams: { ef: 64 } },
      consistency: 'Bounded',
    },
    dataset: { profile: 'sift-128', dim: 128, metric: 'L2', rows: o.rows, batchSize: 1_000, queries: o.large ? 200 : 100 },
    workload: {
      search: { every: o.large ? '100ms' : '200ms', concurrency: o.large ? 2 : 1, topK: 10, timeout: '3s' },
      ...(o.deletesPerSecond > 0 ? { churn: { deletesPerSecond: o.deletesPerSecond, upsertsPerSecond: 0 } } : {}),
    },
    recovery: { window: '10s' },
  };
}

/** Back up, damage the backup, lose the stack, bring up a fresh one and restore into it. */
export function damagedBackupSteps(damage: { mode: 'flip' | 'remove'; object: 'insert' | 'delta' } | { mode: 'strip-index' | 'strip-data' }, restore: { verifyChecksums?: boolean } = {}): StepInput[] {
  return [
    { phase: 'steady', duration: '10s' },
    { action: 'backup', name: 'nightly', timeout: '5m' },
    { action: 'damage-backup', name: 'nightly', ...damage },
    { phase: 'disaster', duration: '1s' },
    { action: 'destroy' },
    { action: 'up', timeout: '3m' },
    { action: 'restore', name: 'nightly', ...restore, timeout: '10m' },
  ];
}
