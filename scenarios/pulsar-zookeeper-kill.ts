import { defineScenario } from '../src/scenario/define.ts';
import { PULSAR_CLUSTER, pulsarSlos } from './lib/cluster.ts';

/**
 * SIGKILL Pulsar's ZooKeeper (its metadata store) for 20 s under writes: shorter than the
 * sessions' 30 s timeout, so the broker and bookies keep their registrations. Topics already
 * loaded keep serving from cached metadata; what needs the metadata store (a new ledger, a topic
 * lookup) waits until it is back. Every acknowledged write must survive.
 */
export default defineScenario({
  name: 'pulsar-zookeeper-kill',
  description: "Kill Pulsar's ZooKeeper under writes; loaded topics keep serving and no acknowledged write is lost.",
  seed: 5203,
  ...PULSAR_CLUSTER,
  workload: { ...PULSAR_CLUSTER.workload, churn: { deletesPerSecond: 20, upsertsPerSecond: 20 } },
  phases: { steady: '30s', fault: '40s', recovered: '60s' },
  faults: [{ name: 'kill-pulsar-zookeeper', kind: 'pod-kill', target: { role: 'pulsar-zookeeper', mode: 'one' }, at: '5s', duration: '20s' }],
  slos: pulsarSlos({ faultErrorRate: 0.5, recoveredErrorRate: 0.1, recoveryMs: 60_000 }),
});
