import { defineScenario } from '../src/scenario/define.ts';

/**
 * A negative drill: Milvus is restarted with authorization switched off (a restart with a
 * configuration override, as a careless config change would), so requests without credentials
 * get through. The run passes only when the security SLO catches it: the expected verdict is
 * 'fail' with exactly the security SLO missed, and its reason names the probes that got through
 * and the point where they ran.
 */
export default defineScenario({
  name: 'security-auth-off',
  description: 'Authorization switched off by a restart with a config override: the security probes must catch it.',
  seed: 20261129,
  stack: {
    milvusVersion: '2.3.5',
    topology: 'standalone',
    messageQueue: 'rocksmq',
    objectStore: 'minio',
    security: { authorization: true, rootPassword: 'generated', tls: 'one-way' },
  },
  collection: { name: 'drill_security_off', shards: 1, scalarFields: ['category'], index: { type: 'HNSW' }, consistency: 'Bounded' },
  dataset: { profile: 'sift-128', dim: 128, metric: 'L2', rows: 5_000, batchSize: 1_000, queries: 50 },
  workload: { search: { every: '200ms', concurrency: 1, topK: 10, timeout: '3s' } },
  steps: [
    { phase: 'steady', duration: '10s' },
    { action: 'restart', target: { role: 'standalone' }, config: { common: { security: { authorizationEnabled: false } } }, timeout: '2m' },
    { phase: 'recovered', after: 'recovery', duration: '10s' },
  ],
  recovery: { window: '5s' },
  slos: [
    { kind: 'security', threshold: 0 },
    { kind: 'recall', phase: 'steady', threshold: 0.9 },
    { kind: 'durability', threshold: 0 },
  ],
  expect: { verdict: 'fail', slos: ['security'] },
});
