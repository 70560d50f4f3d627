import { defineScenario } from '../src/scenario/define.ts';

/**
 * Security holds through a kill and restart: authorization on, root's password changed from its
 * default at bring-up, mutual TLS with certificates generated for the run, and RBAC users (a
 * read-only user, a user whose grant is revoked). The security probes run before the fault (by
 * default, before the first step that can injure the system), after recovery (explicitly, as a
 * step) and at the end (by default).
 */
export default defineScenario({
  name: 'security-restart',
  description: 'Authentication, RBAC and mutual TLS probed before and after a kill and restart of Milvus.',
  seed: 20261129,
  stack: {
    milvusVersion: '2.3.5',
    topology: 'standalone',
    messageQueue: 'rocksmq',
    objectStore: 'minio',
    security: { authorization: true, rootPassword: 'generated', tls: 'mutual' },
  },
  collection: { name: 'drill_security', shards: 1, scalarFields: ['category'], index: { type: 'HNSW' }, consistency: 'Bounded' },
  dataset: { profile: 'sift-128', dim: 128, metric: 'L2', rows: 5_000, batchSize: 1_000, queries: 50 },
  workload: { search: { every: '200ms', concurrency: 1, topK: 10, timeout: '3s' } },
  steps: [
    { phase: 'steady', duration: '15s' },
    { phase: 'fault', duration: '15s', faults: [{ name: 'kill-milvus', kind: 'pod-kill', target: { role: 'standalone' }, at: '3s', duration: '5s' }] },
    { phase: 'recovered', after: 'recovery', duration: '10s' },
    { action: 'security', name: 'after recovery' },
  ],
  recovery: { window: '5s' },
  slos: [
    { kind: 'security', threshold: 0 },
    { kind: 'recall', phase: 'steady', threshold: 0.9 },
    { kind: 'errorRate', phase: 'recovered', threshold: 0 },
    { kind: 'durability', threshold: 0 },
  ],
});
