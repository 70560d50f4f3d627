import { defineScenario } from '../src/scenario/define.ts';
import { CLUSTER, baselineSlos } from './lib/cluster.ts';

/**
 * SIGKILL one of the two query nodes under search load and start it again 10 s later. The
 * shards it served are unavailable until the query coordinator sees the node gone (its etcd
 * session lease, 30 s by default) and hands them to a live node: measured 47 s after the
 * restart here. The fault phase is long enough to hold that, so the recovered phase asks that
 * searches are clean again.
 */
export default defineScenario({
  name: 'querynode-kill',
  description: 'Kill one query node under search load; recall and errors after recovery, recovery time, durability.',
  seed: 5101,
  ...CLUSTER,
  phases: { steady: '30s', fault: '75s', recovered: '45s' },
  faults: [{ name: 'kill-querynode', kind: 'pod-kill', target: { role: 'querynode', mode: 'one' }, at: '5s', duration: '10s' }],
  slos: [
    ...baselineSlos(),
    { kind: 'errorRate', phase: 'recovered', threshold: 0.01 },
    { kind: 'recoveryTime', threshold: 75_000 },
  ],
});
