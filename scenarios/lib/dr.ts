import type { ScenarioInput, SloInput, StepInput } from '../../src/scenario/define.ts';
import type { DurationInput } from '../../src/scenario/duration.ts';

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

/**
 * A restore drill that should come back whole: steady load, a backup, more writes (the expected
 * loss), the stack destroyed, a new one brought up (with the `up` step's own version or config),
 * the backup restored into it, and a phase on the restored stack.
 */
export function restoreSteps(o: { name: string; method?: 'milvus-backup'; backupTimeout: DurationInput; up: { timeout: DurationInput; version?: string; config?: Record<string, unknown> }; restoreTimeout: DurationInput }): StepInput[] {
  return [
    { phase: 'steady', duration: '10s' },
    { action: 'backup', name: o.name, ...(o.method ? { method: o.method } : {}), timeout: o.backupTimeout },
    { phase: 'after-backup', duration: '5s' },
    { action: 'destroy' },
    { action: 'up', ...o.up },
    { action: 'restore', name: o.name, timeout: o.restoreTimeout },
    { phase: 'restored', duration: '15s' },
  ];
}

/** What such a drill must meet: recall before and (relative to it) after, every verification, RTO, no acknowledged write lost. */
export function restoredSlos(rtoMs: number): SloInput[] {
  return [
    { kind: 'recall', phase: 'steady', threshold: 0.9 },
    { kind: 'recall', phase: 'restored', threshold: { phase: 'steady', plus: -0.02 } },
    { kind: 'restore', threshold: 0 },
    { kind: 'rto', threshold: rtoMs },
    { kind: 'durability', threshold: 0 },
  ];
}
