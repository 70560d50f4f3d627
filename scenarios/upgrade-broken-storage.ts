import { defineScenario } from '../src/scenario/define.ts';

/**
 * A deliberately broken upgrade: Milvus 2.3.0 under load is upgraded in place to 2.3.5, but the
 * new version's milvus.yaml points at another MinIO root path, so it finds the collection in etcd
 * and none of its data. The drill passes only when the certification checks catch exactly that:
 * searches never come back, acknowledged writes cannot be found, recall after cannot be measured.
 */
export default defineScenario({
  name: 'upgrade-broken-storage',
  description: 'Upgrade 2.3.0 → 2.3.5 with the wrong MinIO root path; the checks must name the damage.',
  seed: 20261129,
  stack: { milvusVersion: '2.3.0', topology: 'standalone', etcd: { members: 1 }, messageQueue: 'rocksmq', objectStore: 'minio' },
  collection: {
    name: 'drill_certify',
    shards: 2,
    scalarFields: ['tenant', 'category'],
    index: { type: 'HNSW', params: { M: 16, efConstruction: 200 }, searchParams: { ef: 64 } },
    consistency: 'Bounded',
  },
  dataset: { profile: 'sift-128', dim: 128, metric: 'L2', rows: 2000, batchSize: 1_000, queries: 100 },
  workload: { search: { every: '200ms', concurrency: 1, topK: 10, timeout: '3s' }, churn: { deletesPerSecond: 2, upsertsPerSecond: 2 } },
  steps: [
    { phase: 'before', duration: '20s' },
    { phase: 'upgrade-1', duration: '1s' },
    { action: 'upgrade', version: '2.3.5', config: { minio: { rootPath: 'not-where-the-data-is' } }, timeout: '5m' },
    { phase: 'after', duration: '40s' },
  ],
  recovery: { window: '5s' },
  slos: [
    { name: 'recall before', kind: 'recall', phase: 'before', threshold: 0.8 },
    { name: 'recall after', kind: 'recall', phase: 'after', threshold: { phase: 'before', plus: -0.01 } },
    { name: 'no acknowledged write lost', kind: 'durability', threshold: 0 },
    { name: 'indexes equal, server at the new version', kind: 'upgrade', threshold: 0 },
    { name: 'downtime', kind: 'downtime', threshold: 60_000 },
  ],
  expect: { verdict: 'fail', slos: ['recall after', 'no acknowledged write lost', 'downtime'] },
});
