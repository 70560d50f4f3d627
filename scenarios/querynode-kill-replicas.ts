import { defineScenario } from '../src/scenario/define.ts';
import { CLUSTER, baselineSlos } from './lib/cluster.ts';
import querynodeKill from './querynode-kill.ts';

/**
 * querynode-kill with the collection loaded as two in-memory replicas, one per query node (the
 * production recipe for surviving a query node loss): SIGKILL one query node under search load,
 * start it again 10 s later. The other replica holds every segment, so the proxy should keep
 * serving from it: at least 99.5% of the searches in the 60 s that start at the kill succeed
 * (errorRate ≤ 0.5% over the phase 'kill', which starts with the kill), and no 5 s window of that
 * minute, of 'recovering' or of 'recovered' has mean recall more than 0.05 below steady (partial
 * results). Same seed, data and timeline as querynode-kill, so their figures sit side by side.
 */
export default defineScenario({
  ...querynodeKill,
  name: 'querynode-kill-replicas',
  description: 'Kill one of two query nodes with the collection loaded as two replicas; availability over the minute after the kill, recall per 5 s window, failover time, durability.',
  collection: { ...CLUSTER.collection, replicas: 2 },
  slos: [
    ...baselineSlos(),
    { name: 'availability over the 60 s from the kill', kind: 'errorRate', phase: 'kill', threshold: 0.005 },
    { kind: 'recall', phase: 'kill', window: '5s', min: { phase: 'steady', plus: -0.05 } },
    // Recovery is judged on outcomes only, so searches that succeed with partial results count as
    // recovered: the time until then is the phase 'recovering', and its recall is judged too.
    { kind: 'recall', phase: 'recovering', window: '5s', min: { phase: 'steady', plus: -0.05 } },
    { kind: 'recall', phase: 'recovered', window: '5s', min: { phase: 'steady', plus: -0.05 } },
    { kind: 'errorRate', phase: 'recovered', threshold: 0.01 },
    { kind: 'recoveryTime', threshold: 75_000 },
  ],
});
