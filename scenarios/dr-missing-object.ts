import { defineScenario } from '../src/scenario/define.ts';

/**
 * A partial backup: one insert log removed after the backup was taken. The restore must be refused
 * with the missing object named (the manifest lists it), never a restore that "succeeds" with
 * fewer rows; the scenario expects that verdict. See scenarios/dr-corrupted-backup.ts.
 */
export default defineScenario({
  name: 'dr-missing-object',
  description: 'Remove one insert log from the backup; the restore must be refused with the missing object named.',
  seed: 20261215,
  stack: { milvusVersion: '2.3.5', topology: 'standalone', etcd: { members: 1 }, messageQueue: 'rocksmq', objectStore: 'minio' },
  collection: {
    name: 'drill_dr_damaged',
    shards: 2,
    partitionKey: { field: 'tenant', partitions: 8 },
    scalarFields: ['tenant', 'category'],
    index: { type: 'HNSW', params: { M: 16, efConstruction: 100 }, searchParams: { ef: 64 } },
    consistency: 'Bounded',
  },
  dataset: { profile: 'sift-128', dim: 128, metric: 'L2', rows: 5_000, batchSize: 1_000, queries: 100 },
  workload: { search: { every: '200ms', concurrency: 1, topK: 10, timeout: '3s' }, churn: { deletesPerSecond: 10, upsertsPerSecond: 0 } },
  steps: [
    { phase: 'steady', duration: '10s' },
    { action: 'backup', name: 'nightly', timeout: '5m' },
    { action: 'damage-backup', name: 'nightly', mode: 'remove', object: 'insert' },
    { phase: 'disaster', duration: '1s' },
    { action: 'destroy' },
    { action: 'up', timeout: '3m' },
    { action: 'restore', name: 'nightly', timeout: '10m' },
  ],
  recovery: { window: '10s' },
  slos: [
    { kind: 'recall', phase: 'steady', threshold: 0.9 },
    { kind: 'restore', threshold: 0 },
  ],
  expect: { verdict: 'fail', slos: ['action:restore', 'restore'] },
});
