import { defineScenario } from '../src/scenario/define.ts';

/**
 * Security across an upgrade: Milvus 2.3.0 with authorization on and a generated root password,
 * RBAC users probed before, upgraded in place to 2.3.5 under search load, and probed again after
 * (the probes run after every upgrade step by default): users, roles and grants must survive, and
 * every request that must be refused is still refused.
 */
export default defineScenario({
  name: 'security-upgrade',
  description: 'Authentication and RBAC probed before and after an in-place upgrade 2.3.0 → 2.3.5.',
  seed: 20261129,
  stack: {
    milvusVersion: '2.3.0',
    topology: 'standalone',
    messageQueue: 'rocksmq',
    objectStore: 'minio',
    security: { authorization: true, rootPassword: 'generated', tls: 'off' },
  },
  collection: { name: 'drill_security_upgrade', shards: 1, scalarFields: ['category'], index: { type: 'HNSW' }, consistency: 'Bounded' },
  dataset: { profile: 'sift-128', dim: 128, metric: 'L2', rows: 2_000, batchSize: 1_000, queries: 50 },
  workload: { search: { every: '200ms', concurrency: 1, topK: 10, timeout: '3s' } },
  steps: [
    { phase: 'before', duration: '15s' },
    { phase: 'upgrade', duration: '1s' },
    { action: 'upgrade', version: '2.3.5', timeout: '5m' },
    { phase: 'after', after: 'recovery', duration: '15s' },
  ],
  recovery: { window: '5s' },
  slos: [
    { kind: 'security', threshold: 0 },
    { kind: 'recall', phase: 'before', threshold: 0.9 },
    { name: 'recall after', kind: 'recall', phase: 'after', threshold: { phase: 'before', plus: -0.01 } },
    { kind: 'upgrade', threshold: 0 },
    { kind: 'durability', threshold: 0 },
  ],
});
