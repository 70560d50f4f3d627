import { defineScenario } from '../src/scenario/define.ts';
import type { FaultInput } from '../src/scenario/define.ts';
import type { Role } from '../src/core/types.ts';
import { CLUSTER, baselineSlos } from './lib/cluster.ts';

const EVERY_ROLE: Role[] = ['proxy', 'querynode', 'datanode', 'indexnode', 'coordinator', 'etcd', 'mq', 'minio'];

/**
 * Every process of the cluster is SIGKILLed at once and all are started again 15 s later, on
 * their data. The collection must still exist and come back loaded (the query coordinator
 * reloads what etcd says was loaded): searches in the recovered phase must find their
 * neighbours again, and every acknowledged row must be there.
 */
export default defineScenario({
  name: 'full-restart',
  description: 'Kill and restart every component at once; the collection reloads, searches recover, no row is lost.',
  seed: 5108,
  ...CLUSTER,
  phases: { steady: '30s', fault: '25s', recovered: '120s' },
  faults: EVERY_ROLE.map((role): FaultInput => ({ name: `restart-${role}`, kind: 'pod-kill', target: { role, mode: 'all' }, at: '5s', duration: '15s' })),
  slos: [...baselineSlos(), { kind: 'recoveryTime', threshold: 110_000 }],
});
