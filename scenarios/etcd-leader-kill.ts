import { defineScenario } from '../src/scenario/define.ts';
import { CLUSTER, baselineSlos } from './lib/cluster.ts';

/**
 * SIGKILL the etcd leader (looked up just before the kill) of a 3-member etcd; the other two
 * elect a new leader and keep the quorum. Milvus keeps its sessions and metadata, so searches
 * should barely notice.
 */
export default defineScenario({
  name: 'etcd-leader-kill',
  description: 'Kill the etcd leader under search load; a new leader is elected and Milvus keeps serving.',
  seed: 5102,
  ...CLUSTER,
  phases: { steady: '30s', fault: '30s', recovered: '45s' },
  faults: [{ name: 'kill-etcd-leader', kind: 'pod-kill', target: { role: 'etcd', member: 'leader' }, at: '5s', duration: '20s' }],
  slos: [
    ...baselineSlos(),
    { kind: 'errorRate', phase: 'fault', threshold: 0.05 },
    { kind: 'errorRate', phase: 'recovered', threshold: 0 },
    { kind: 'recoveryTime', threshold: 30_000 },
  ],
});
