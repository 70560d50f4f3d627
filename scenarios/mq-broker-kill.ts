import { defineScenario } from '../src/scenario/define.ts';
import { CLUSTER, baselineSlos } from './lib/cluster.ts';

/**
 * SIGKILL the Kafka broker for 15 s. The runner inserts its data before the phases start, so
 * the kill lands during search probes, not during a write burst: query nodes lose their DML
 * channel consumers and the service time stops advancing, which Bounded searches wait on.
 * Acknowledged writes were already persisted and must all be found afterwards.
 */
export default defineScenario({
  name: 'mq-broker-kill',
  description: 'Kill the Kafka broker under search load; Milvus recovers once it is back and no acknowledged write is lost.',
  seed: 5104,
  ...CLUSTER,
  phases: { steady: '30s', fault: '30s', recovered: '90s' },
  faults: [{ name: 'kill-kafka', kind: 'pod-kill', target: { role: 'mq', mode: 'one' }, at: '5s', duration: '15s' }],
  slos: [
    ...baselineSlos(),
    { kind: 'errorRate', phase: 'recovered', threshold: 0.1 },
    { kind: 'recoveryTime', threshold: 75_000 },
  ],
});
