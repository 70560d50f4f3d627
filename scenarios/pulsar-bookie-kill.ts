import { defineScenario } from '../src/scenario/define.ts';
import { PULSAR_CLUSTER, pulsarSlos } from './lib/cluster.ts';

/**
 * SIGKILL one of the three bookies for 30 s under writes. With ensemble, write and ack quorum 2
 * (the Milvus chart's settings) the broker replaces the dead bookie in each open ledger's ensemble
 * and keeps writing to the other two, so Milvus should barely notice: the error rate during the
 * fault is expected near zero. Every acknowledged write must survive.
 */
export default defineScenario({
  name: 'pulsar-bookie-kill',
  description: 'Kill one of three Pulsar bookies under writes; writes go on (quorum 2 of 3) and no acknowledged write is lost.',
  seed: 5202,
  ...PULSAR_CLUSTER,
  workload: { ...PULSAR_CLUSTER.workload, churn: { deletesPerSecond: 20, upsertsPerSecond: 20 } },
  phases: { steady: '30s', fault: '45s', recovered: '60s' },
  faults: [{ name: 'kill-pulsar-bookie', kind: 'pod-kill', target: { role: 'pulsar-bookie', mode: 'one' }, at: '5s', duration: '30s' }],
  slos: pulsarSlos({ faultErrorRate: 0.05, recoveredErrorRate: 0.05, recoveryMs: 30_000 }),
});
