import { defineScenario } from '../src/scenario/define.ts';
import { PULSAR_CLUSTER, pulsarSlos } from './lib/cluster.ts';

/**
 * Cut the Pulsar broker off from all three bookies (both directions) for 20 s under writes: the
 * broker stays up and reachable by Milvus but cannot persist anything, so produces hang until
 * their timeout. After the heal the broker reconnects to the bookies (new ledgers where the old
 * ones were fenced). Every acknowledged write must survive.
 */
export default defineScenario({
  name: 'partition-pulsar-broker-bookies',
  description: 'Partition the Pulsar broker from its bookies under writes; Milvus recovers after the heal and no acknowledged write is lost.',
  seed: 5205,
  ...PULSAR_CLUSTER,
  workload: { ...PULSAR_CLUSTER.workload, churn: { deletesPerSecond: 20, upsertsPerSecond: 20 } },
  phases: { steady: '30s', fault: '40s', recovered: '90s' },
  faults: [{ name: 'partition-broker-bookies', kind: 'network-partition', target: { role: 'pulsar-broker', mode: 'one' }, params: { peers: ['pulsar-bookie'] }, at: '5s', duration: '20s' }],
  slos: pulsarSlos({ faultErrorRate: 1, recoveredErrorRate: 0.1, recoveryMs: 75_000 }),
});
