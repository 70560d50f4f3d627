import { defineScenario } from '../src/scenario/define.ts';
import { CLUSTER, baselineSlos } from './lib/cluster.ts';

/**
 * Cut both query nodes off from the coordinators for 30 s (network-partition, both directions,
 * in each query node's namespace): the query coordinator cannot reach the nodes it balances,
 * while the proxy, etcd and Kafka still can. Searches must come back whole after the heal.
 */
export default defineScenario({
  name: 'partition-querynode-coord',
  description: 'Partition the query nodes from the coordinators for 30 s; searches recover after the heal.',
  seed: 5109,
  ...CLUSTER,
  phases: { steady: '30s', fault: '40s', recovered: '90s' },
  faults: [
    { name: 'qn-coord-partition', kind: 'network-partition', target: { role: 'querynode', mode: 'all' }, at: '5s', duration: '30s', params: { peers: ['coordinator'], direction: 'both' } },
  ],
  slos: [
    ...baselineSlos(),
    { kind: 'errorRate', phase: 'recovered', threshold: 0.1 },
    { kind: 'recoveryTime', threshold: 75_000 },
  ],
});
