import { defineScenario } from '../src/scenario/define.ts';
import { CLUSTER, baselineSlos } from './lib/cluster.ts';

/**
 * SIGKILL the data node for 20 s; acknowledged writes must survive (durability: every
 * acknowledged id is found by a Strong lookup afterwards). The runner inserts and flushes
 * before the phases start, so today the kill lands after the flush; once the runner writes
 * during the fault phase, the same scenario kills the data node with unflushed data in Kafka.
 */
export default defineScenario({
  name: 'datanode-kill',
  description: 'Kill the data node; acknowledged writes survive and searches are unaffected.',
  seed: 5107,
  ...CLUSTER,
  phases: { steady: '30s', fault: '30s', recovered: '45s' },
  faults: [{ name: 'kill-datanode', kind: 'pod-kill', target: { role: 'datanode', mode: 'one' }, at: '5s', duration: '20s' }],
  slos: [
    ...baselineSlos(),
    { kind: 'errorRate', phase: 'fault', threshold: 0.05 },
    { kind: 'recoveryTime', threshold: 45_000 },
  ],
});
