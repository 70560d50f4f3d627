import { defineScenario } from '../src/scenario/define.ts';

/**
 * Production-shaped traffic through a pod kill: k6 drives open-model searches at a steady rate and
 * inserts new rows, the SDK probes search (a quarter of them filtered by category) while rows are
 * deleted and upserted. Recall is scored against truth that follows the churn; durability checks
 * that every acknowledged insert is there, every acknowledged delete stayed deleted and every
 * upsert kept its latest value.
 */
export default defineScenario({
  name: 'workload-churn',
  description: 'k6 load, filtered probes and delete/upsert churn through a Milvus kill; every SLO kind.',
  seed: 42,
  stack: { milvusVersion: '2.3.5', topology: 'standalone', etcd: { members: 1 }, messageQueue: 'rocksmq', objectStore: 'minio' },
  collection: {
    name: 'drill_churn',
    shards: 2,
    partitionKey: { field: 'tenant', partitions: 16 },
    scalarFields: ['tenant', 'category'],
    index: { type: 'HNSW', params: { M: 16, efConstruction: 200 }, searchParams: { ef: 64 } },
    consistency: 'Bounded',
  },
  dataset: { profile: 'sift-128', dim: 128, metric: 'L2', rows: 20_000, batchSize: 1_000, queries: 100 },
  workload: {
    search: { every: '100ms', concurrency: 2, topK: 10, timeout: '3s', filtered: { share: 0.25, categories: [0, 1] } },
    churn: { deletesPerSecond: 5, upsertsPerSecond: 5 },
    // k6 also inserts fresh rows (ids from dataset.rows up), scored by recall and durability like the rest.
    load: { rate: 30, maxVUs: 16, timeout: '3s', writes: [{ op: 'insert', rate: 2, batchSize: 20 }] },
  },
  phases: { steady: '30s', fault: '20s', recovered: '120s' },
  faults: [{ name: 'kill-milvus', kind: 'pod-kill', target: { role: 'standalone', mode: 'one' }, at: '5s', duration: '3s' }],
  recovery: { window: '10s' },
  slos: [
    { kind: 'recall', phase: 'steady', threshold: 0.9 },
    { kind: 'recall', phase: 'recovered', threshold: 0.9 },
    { kind: 'latency', phase: 'steady', percentile: 99, threshold: 150 },
    { kind: 'latency', phase: 'recovered', percentile: 99, threshold: 3000 },
    { kind: 'errorRate', phase: 'steady', threshold: 0.01 },
    // Milvus waits out the killed session's 30 s etcd lease, then reloads: ~45 s on 2 busy cores.
    { kind: 'recoveryTime', threshold: 90_000, abortOnBreach: true },
    { kind: 'durability', threshold: 0 },
  ],
});
