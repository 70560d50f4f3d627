import { defineScenario } from '../src/scenario/define.ts';
import { CLUSTER, baselineSlos } from './lib/cluster.ts';

/**
 * MinIO is down for 30 s (pod-failure: stopped, then started again on the same data). Loaded
 * segments live in query node memory, so searches should carry on; nothing is lost.
 */
export default defineScenario({
  name: 'minio-outage',
  description: 'Take MinIO away for 30 s under search load; searches continue and every acknowledged row survives.',
  seed: 5105,
  ...CLUSTER,
  phases: { steady: '30s', fault: '40s', recovered: '30s' },
  faults: [{ name: 'minio-down', kind: 'pod-failure', target: { role: 'minio', mode: 'one' }, at: '5s', duration: '30s' }],
  slos: [
    ...baselineSlos(),
    { kind: 'errorRate', phase: 'fault', threshold: 0.05 },
    { kind: 'errorRate', phase: 'recovered', threshold: 0 },
    { kind: 'recoveryTime', threshold: 30_000 },
  ],
});
