import { defineScenario } from '../src/scenario/define.ts';

/**
 * A known restore failure, caught: on Milvus 2.3.5 rows upserted before a binlog backup are lost
 * when it is restored through bulk import with the backup option (the upsert's delete and insert
 * share a timestamp, and some upserted rows come back as neither version; measured here
 * 2026-11-29: 12 of 100 upserted rows missing, every other row intact). Same drill as
 * scenarios/dr-restore.ts with upserts in the churn; the scenario expects the restore
 * verification and durability to be missed, so it passes only while the drill catches the loss.
 */
export default defineScenario({
  name: 'dr-restore-upserts',
  description: 'Upserts before a binlog backup, restored on 2.3.5: the lost upserted rows must be caught by verification and durability.',
  seed: 20261216,
  stack: { milvusVersion: '2.3.5', topology: 'standalone', etcd: { members: 1 }, messageQueue: 'rocksmq', objectStore: 'minio' },
  collection: {
    name: 'drill_dr',
    shards: 2,
    partitionKey: { field: 'tenant', partitions: 16 },
    scalarFields: ['tenant', 'category'],
    index: { type: 'HNSW', params: { M: 16, efConstruction: 200 }, searchParams: { ef: 64 } },
    consistency: 'Bounded',
  },
  dataset: { profile: 'sift-128', dim: 128, metric: 'L2', rows: 20_000, batchSize: 1_000, queries: 200 },
  workload: { search: { every: '100ms', concurrency: 2, topK: 10, timeout: '3s' }, churn: { deletesPerSecond: 5, upsertsPerSecond: 5 } },
  steps: [
    { phase: 'steady', duration: '20s' },
    { action: 'backup', name: 'nightly', timeout: '5m' },
    { phase: 'after-backup', duration: '10s' },
    { phase: 'disaster', duration: '1s' },
    { action: 'destroy' },
    { action: 'up', timeout: '3m' },
    { action: 'restore', name: 'nightly', timeout: '10m' },
    { phase: 'restored', duration: '30s' },
  ],
  recovery: { window: '10s' },
  expect: { verdict: 'fail', slos: ['restore', 'durability'] },
  slos: [
    { kind: 'recall', phase: 'steady', threshold: 0.9 },
    { kind: 'recall', phase: 'restored', threshold: { phase: 'steady', plus: -0.02 } },
    { kind: 'restore', threshold: 0 },
    { kind: 'rto', threshold: 300_000 },
    // The backup holds writes while it runs, so RPO covers its own time plus the writes after it.
    { kind: 'rpoSeconds', threshold: 120 },
    { kind: 'durability', threshold: 0 },
  ],
});
