import { defineScenario } from '../src/scenario/define.ts';

/**
 * The damage the manifest would catch, with the manifest check switched off: one delta log is
 * removed from the backup, the restore imports what is left without complaint, and the rows that
 * delta log deleted come back. Only verifying the restored data against the history catches it
 * (deleted rows back, partition counts off); the scenario expects the restore SLO missed, so it
 * passes only when that verification works. See scenarios/dr-corrupted-backup.ts.
 */
export default defineScenario({
  name: 'dr-corrupted-backup-unchecked',
  description: 'Remove one delta log from the backup and restore without the checksum check: verification of the restored data must catch the deleted rows coming back.',
  seed: 20261214,
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
    { action: 'damage-backup', name: 'nightly', mode: 'remove', object: 'delta' },
    { phase: 'disaster', duration: '1s' },
    { action: 'destroy' },
    { action: 'up', timeout: '3m' },
    { action: 'restore', name: 'nightly', verifyChecksums: false, timeout: '10m' },
    { phase: 'restored', duration: '15s' },
  ],
  recovery: { window: '10s' },
  slos: [
    { kind: 'recall', phase: 'steady', threshold: 0.9 },
    { kind: 'restore', threshold: 0 },
  ],
  expect: { verdict: 'fail', slos: ['restore'] },
});
