import { defineScenario } from '../src/scenario/define.ts';
import { CLUSTER, baselineSlos } from './lib/cluster.ts';

/**
 * SIGKILL the Kafka broker for 15 s during a burst of writes: 20 deletes and 20 upserts a second
 * run throughout, so writes are in flight when the broker dies. Query nodes lose their DML
 * channel consumers and the service time stops advancing, which Bounded searches wait on. Every
 * acknowledged write must be there afterwards (deletes gone, upserts at their latest version);
 * writes that timed out are unknown and may go either way.
 */
export default defineScenario({
  name: 'mq-broker-kill',
  description: 'Kill the Kafka broker under search load; Milvus recovers once it is back and no acknowledged write is lost.',
  seed: 5104,
  ...CLUSTER,
  workload: { ...CLUSTER.workload, churn: { deletesPerSecond: 20, upsertsPerSecond: 20 } },
  phases: { steady: '30s', fault: '30s', recovered: '90s' },
  faults: [{ name: 'kill-kafka', kind: 'pod-kill', target: { role: 'mq', mode: 'one' }, at: '5s', duration: '15s' }],
  slos: [
    ...baselineSlos(),
    { kind: 'errorRate', phase: 'recovered', threshold: 0.1 },
    { kind: 'recoveryTime', threshold: 75_000 },
  ],
});
