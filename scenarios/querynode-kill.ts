import { defineScenario } from '../src/scenario/define.ts';
import { CLUSTER, baselineSlos } from './lib/cluster.ts';

/**
 * SIGKILL one of the two query nodes under search load and start it again 10 s later, with the
 * collection loaded as one replica (Milvus's default). The shards the node served are unavailable
 * until the query coordinator sees the node gone (its etcd session lease, 30 s by default) and
 * hands them to a live node: measured 47 s after the restart here. The 'kill' phase holds the 60 s
 * that start at the kill (its availability and recall are this scenario's figures beside
 * querynode-kill-replicas, which loads two replicas and judges them); 'recovered' starts once every probe has been ok for the recovery
 * window. Searches that succeed with partial results while segments reload are reported by the
 * partial-results detector (a finding, not an SLO: this scenario measures, the replica one judges).
 */
export default defineScenario({
  name: 'querynode-kill',
  description: 'Kill one query node under search load (one replica); recall and errors after recovery, recovery time, partial results, durability.',
  seed: 5101,
  ...CLUSTER,
  steps: [
    { phase: 'steady', duration: '30s' },
    // Searches in flight at a phase boundary belong to the phase they started in: this pause keeps
    // a search the kill cuts short out of the steady figures, so 'kill' starts with the kill.
    { phase: 'pre-kill', duration: '2s' },
    { phase: 'kill', duration: '60s', faults: [{ name: 'kill-querynode', kind: 'pod-kill', target: { role: 'querynode', instance: 'querynode-2' }, at: '0s', duration: '10s' }] },
    { phase: 'recovered', after: 'recovery', duration: '45s', timeout: '3m' },
  ],
  slos: [
    ...baselineSlos(),
    { kind: 'errorRate', phase: 'recovered', threshold: 0.01 },
    { kind: 'recoveryTime', threshold: 75_000 },
  ],
});
