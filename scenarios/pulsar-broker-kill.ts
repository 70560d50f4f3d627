import { defineScenario } from '../src/scenario/define.ts';
import { PULSAR_CLUSTER, pulsarSlos } from './lib/cluster.ts';

/**
 * SIGKILL the Pulsar broker for 15 s during a burst of writes (20 deletes and 20 upserts a second
 * throughout), as Milvus's own chaos suite does. Producers and consumers of every DML channel lose
 * their broker; the service time stops advancing, which Bounded searches wait on. When the broker
 * is back it reloads the topics from the bookies. Every acknowledged write must be there afterwards.
 * The Kafka equivalent is mq-broker-kill.
 */
export default defineScenario({
  name: 'pulsar-broker-kill',
  description: 'Kill the Pulsar broker during a write burst; Milvus recovers once it is back and no acknowledged write is lost.',
  seed: 5201,
  ...PULSAR_CLUSTER,
  workload: { ...PULSAR_CLUSTER.workload, churn: { deletesPerSecond: 20, upsertsPerSecond: 20 } },
  phases: { steady: '30s', fault: '30s', recovered: '90s' },
  faults: [{ name: 'kill-pulsar-broker', kind: 'pod-kill', target: { role: 'pulsar-broker', mode: 'one' }, at: '5s', duration: '15s' }],
  slos: pulsarSlos({ faultErrorRate: 1, recoveredErrorRate: 0.1, recoveryMs: 75_000 }),
});
