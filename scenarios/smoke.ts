import { defineScenario } from '../src/scenario/define.ts';

/**
 * The smoke scenario: a real Milvus standalone on etcd and MinIO, 50,000 clustered 128-d
 * vectors under HNSW, search probes throughout, and the local form of a pod kill: SIGKILL the
 * Milvus process and restart it five seconds later. Passes when search recall and latency hold
 * before and after, Milvus recovers within 90 s, and no acknowledged write is lost.
 */
export default defineScenario({
  name: 'smoke',
  description: 'Kill Milvus standalone under search load; check recall, p99, recovery and durability.',
  seed: 20261123,
  stack: { milvusVersion: '2.3.5', topology: 'standalone', etcd: { members: 1 }, messageQueue: 'rocksmq', objectStore: 'minio' },
  collection: {
    name: 'drill_smoke',
    shards: 2,
    partitionKey: { field: 'tenant', partitions: 16 },
    scalarFields: ['tenant', 'category'],
    index: { type: 'HNSW', params: { M: 16, efConstruction: 200 }, searchParams: { ef: 64 } },
    consistency: 'Bounded',
  },
  dataset: { profile: 'sift-128', dim: 128, metric: 'L2', rows: 50_000, batchSize: 1_000, queries: 200 },
  workload: { search: { every: '100ms', concurrency: 2, topK: 10, timeout: '3s' } },
  steps: [
    { phase: 'steady', duration: '45s' },
    { phase: 'fault', duration: '30s', faults: [{ name: 'kill-milvus', kind: 'pod-kill', target: { role: 'standalone', mode: 'one' }, at: '5s', duration: '5s' }] },
    // Starts once Milvus has recovered (the time until then is the phase 'recovering'), so the
    // recovered-phase SLOs judge a recovered service, not the recovery.
    { phase: 'recovered', after: 'recovery', duration: '60s' },
  ],
  recovery: { window: '10s' },
  slos: [
    { kind: 'recall', phase: 'steady', threshold: 0.9 },
    { kind: 'recall', phase: 'recovered', threshold: 0.9 },
    // A sanity bound for steady state; after the kill, latency is judged against this run's steady
    // phase, so a busy machine does not fail the drill by being busy.
    { kind: 'latency', phase: 'steady', percentile: 99, threshold: 1_000 },
    { kind: 'latency', phase: 'recovered', percentile: 99, threshold: { phase: 'steady', times: 3, plus: 50 } },
    { kind: 'errorRate', phase: 'steady', threshold: 0 },
    { kind: 'errorRate', phase: 'recovered', threshold: 0 },
    // Milvus 2.3.5 cannot register the new standalone's root coordinator until the killed
    // process's etcd session expires (common.session.ttl, 30 s), so recovery cannot be much under
    // 40 s; measured 52 s (local), 56 s (containers), 56 and 70 s (kind). 90 s still fails a crash
    // loop or a recovery that waits for a second lease.
    { kind: 'recoveryTime', threshold: 90_000 },
    { kind: 'durability', threshold: 0 },
  ],
});
