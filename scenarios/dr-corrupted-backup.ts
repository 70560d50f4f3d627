import { defineScenario } from '../src/scenario/define.ts';

/**
 * A drill of the drill: the backup is damaged after it was taken (8 bytes flipped in the middle of
 * its largest insert log) and the restore must refuse it, naming the object, rather than "succeed"
 * with fewer or wrong rows. The scenario expects exactly that failure, so it passes only when the
 * manifest's SHA-256 check catches the damage. Variants: scenarios/dr-corrupted-backup-unchecked.ts
 * (checksums off: the restored data's verification must catch it) and
 * scenarios/dr-missing-object.ts (an object removed).
 */
export default defineScenario({
  name: 'dr-corrupted-backup',
  description: 'Flip bytes in one backed-up insert log; the restore must be refused with the object named.',
  seed: 20261213,
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
    { action: 'damage-backup', name: 'nightly', mode: 'flip', object: 'insert' },
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
