import { defineScenario } from '../src/scenario/define.ts';
import { CLUSTER, baselineSlos } from './lib/cluster.ts';

/**
 * SIGKILL the data node for 20 s while deletes and upserts stream in (10/s each), so it dies
 * with unflushed writes in Kafka. Acknowledged writes must survive: a Strong lookup afterwards
 * finds every acknowledged row, no deleted row, and every upsert at its latest version.
 */
export default defineScenario({
  name: 'datanode-kill',
  description: 'Kill the data node; acknowledged writes survive and searches are unaffected.',
  seed: 5107,
  ...CLUSTER,
  workload: { ...CLUSTER.workload, churn: { deletesPerSecond: 10, upsertsPerSecond: 10 } },
  phases: { steady: '30s', fault: '30s', recovered: '45s' },
  faults: [{ name: 'kill-datanode', kind: 'pod-kill', target: { role: 'datanode', mode: 'one' }, at: '5s', duration: '20s' }],
  slos: [
    ...baselineSlos(),
    { kind: 'errorRate', phase: 'fault', threshold: 0.05 },
    { kind: 'recoveryTime', threshold: 45_000 },
  ],
});
