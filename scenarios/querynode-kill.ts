import { defineScenario } from '../src/scenario/define.ts';
import { CLUSTER, baselineSlos } from './lib/cluster.ts';

/**
 * SIGKILL one of the two query nodes under search load and start it again 10 s later. The
 * shards it served are unavailable until the query coordinator sees the node gone (its etcd
 * session lease, 30 s by default) and hands them to a live node.
 */
export default defineScenario({
  name: 'querynode-kill',
  description: 'Kill one query node under search load; recall and errors after recovery, recovery time, durability.',
  seed: 5101,
  ...CLUSTER,
  phases: { steady: '30s', fault: '30s', recovered: '90s' },
  faults: [{ name: 'kill-querynode', kind: 'pod-kill', target: { role: 'querynode', mode: 'one' }, at: '5s', duration: '10s' }],
  slos: [
    ...baselineSlos(),
    { kind: 'errorRate', phase: 'recovered', threshold: 0.1 },
    { kind: 'recoveryTime', threshold: 75_000 },
  ],
});
