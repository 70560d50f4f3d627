import { defineScenario } from '../src/scenario/define.ts';
import type { FaultInput } from '../src/scenario/define.ts';
import { CLUSTER, baselineSlos } from './lib/cluster.ts';

const STEP_SECONDS = 15;

/**
 * A rolling restart, one component at a time, each SIGKILLed and started again 5 s later:
 * the etcd leader three times (each kill forces an election; the leader is looked up afresh,
 * so usually a different member goes), then Kafka, MinIO, the coordinators, data node, index
 * node, one query node and the proxy. Targets are roles, so which of the two query nodes is
 * restarted is drawn from the seed.
 */
const STEPS: Omit<FaultInput, 'at' | 'duration'>[] = [
  { name: 'roll-etcd-leader-1', kind: 'pod-kill', target: { role: 'etcd', member: 'leader' } },
  { name: 'roll-etcd-leader-2', kind: 'pod-kill', target: { role: 'etcd', member: 'leader' } },
  { name: 'roll-etcd-leader-3', kind: 'pod-kill', target: { role: 'etcd', member: 'leader' } },
  { name: 'roll-mq', kind: 'pod-kill', target: { role: 'mq' } },
  { name: 'roll-minio', kind: 'pod-kill', target: { role: 'minio' } },
  { name: 'roll-coordinator', kind: 'pod-kill', target: { role: 'coordinator' } },
  { name: 'roll-datanode', kind: 'pod-kill', target: { role: 'datanode' } },
  { name: 'roll-indexnode', kind: 'pod-kill', target: { role: 'indexnode' } },
  { name: 'roll-querynode', kind: 'pod-kill', target: { role: 'querynode' } },
  { name: 'roll-proxy', kind: 'pod-kill', target: { role: 'proxy' } },
];

export default defineScenario({
  name: 'rolling-restart',
  description: 'Restart every component one after another under search load; service recovers, no row is lost.',
  seed: 5110,
  ...CLUSTER,
  phases: { steady: '30s', fault: `${STEPS.length * STEP_SECONDS}s`, recovered: '90s' },
  faults: STEPS.map((step, i): FaultInput => ({ ...step, at: `${i * STEP_SECONDS}s`, duration: '5s' })),
  slos: [...baselineSlos(), { kind: 'recoveryTime', threshold: 75_000 }],
});
