import { defineScenario } from '../src/scenario/define.ts';
import { CLUSTER, baselineSlos } from './lib/cluster.ts';

/**
 * Coordinators in active-standby (`*.enableActiveStandby`: every coordinator role runs twice and
 * each role elects its own active instance through etcd). SIGKILL the active root coordinator
 * (the one etcd's session names, found when the fault starts) under searches, deletes and upserts,
 * and keep it down for 90 s, so that only the standby can bring the service back. Root, because
 * every request needs its timestamps: a query coordinator's loss hardly shows while segments stay
 * where they are.
 *
 * Reports the takeover time (from the kill until operations succeed again, with the operations
 * failed meanwhile) and holds it under an SLO. The one-coordinator figures come from the same
 * run without a standby: `--set stack.coordinators=separate` (the killed root coordinator is then
 * the only one; the service waits for its restart 90 s later, and the takeover SLO is missed).
 */
export default defineScenario({
  name: 'coordinator-failover',
  description: 'Kill the active root coordinator under load with active-standby coordinators; takeover time and operations failed meanwhile.',
  seed: 5151,
  ...CLUSTER,
  stack: { ...CLUSTER.stack, coordinators: 'active-standby' },
  workload: { ...CLUSTER.workload, churn: { deletesPerSecond: 2, upsertsPerSecond: 2 } },
  steps: [
    { phase: 'steady', duration: '30s' },
    {
      phase: 'failover',
      duration: '100s',
      faults: [{ name: 'kill-active-rootcoord', kind: 'pod-kill', target: { role: 'coordinator', member: 'active', coordinator: 'rootcoord' }, at: '5s', duration: '90s' }],
    },
    { phase: 'recovered', after: 'recovery', duration: '30s' },
  ],
  slos: [
    ...baselineSlos(),
    { name: 'takeover', kind: 'takeoverTime', threshold: 80_000 },
    { kind: 'errorRate', phase: 'recovered', threshold: 0.01 },
  ],
});
