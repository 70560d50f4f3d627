import { defineScenario } from '../src/scenario/define.ts';

/**
 * Maintenance under load, written as steps: flush and compact while searches run, a gate on
 * recall before the risky part, a full restart of Milvus standalone, and a 'recovered' phase that
 * starts only once the system has recovered, so its SLOs measure recovered service and not the
 * recovery itself. Thresholds under maintenance and after the restart are relative to the steady
 * phase of the same run, so a busy machine does not fail the drill by being busy.
 */
export default defineScenario({
  name: 'flush-compact-restart',
  description: 'Flush and compact under search load, restart Milvus, and check recovered service against steady.',
  seed: 20261129,
  stack: { milvusVersion: '2.3.5', topology: 'standalone', etcd: { members: 1 }, messageQueue: 'rocksmq', objectStore: 'minio' },
  collection: {
    name: 'drill_maintenance',
    shards: 2,
    scalarFields: ['tenant', 'category'],
    index: { type: 'HNSW', params: { M: 16, efConstruction: 200 }, searchParams: { ef: 64 } },
    consistency: 'Bounded',
  },
  dataset: { profile: 'sift-128', dim: 128, metric: 'L2', rows: 20_000, batchSize: 1_000, queries: 200 },
  workload: { search: { every: '100ms', concurrency: 2, topK: 10, timeout: '3s' }, churn: { deletesPerSecond: 5, upsertsPerSecond: 5 } },
  steps: [
    { phase: 'steady', duration: '30s' },
    { phase: 'maintenance', duration: '5s' },
    { action: 'flush' },
    { action: 'compact', timeout: '3m' },
    { gate: ['steady recall', 'maintenance recall'] },
    { phase: 'restart', duration: '1s' },
    { action: 'restart', target: { role: 'standalone' }, timeout: '2m' },
    { phase: 'recovered', after: 'recovery', duration: '40s' },
  ],
  recovery: { window: '10s' },
  slos: [
    { kind: 'recall', phase: 'steady', threshold: 0.9 },
    { kind: 'recall', phase: 'maintenance', threshold: { phase: 'steady', plus: -0.05 } },
    { kind: 'errorRate', phase: 'maintenance', threshold: 0.01 },
    { kind: 'recall', phase: 'recovered', threshold: { phase: 'steady', plus: -0.05 } },
    { kind: 'latency', phase: 'recovered', percentile: 99, threshold: { phase: 'steady', times: 5, plus: 100 } },
    { kind: 'errorRate', phase: 'recovered', threshold: 0 },
    { kind: 'durability', threshold: 0 },
  ],
});
