import { defineScenario } from '../src/scenario/define.ts';
import { CLUSTER, baselineSlos } from './lib/cluster.ts';

/**
 * SIGKILL the only proxy for 5 s: every search fails fast. After the restart the client
 * reconnects, but Bounded searches wait on time ticks, and the root coordinator keeps waiting
 * for the dead proxy's ticks until its etcd session lease (30 s) expires.
 */
export default defineScenario({
  name: 'proxy-kill',
  description: 'Kill the proxy under search load; clients reconnect after the restart.',
  seed: 5106,
  ...CLUSTER,
  phases: { steady: '30s', fault: '20s', recovered: '90s' },
  faults: [{ name: 'kill-proxy', kind: 'pod-kill', target: { role: 'proxy', mode: 'one' }, at: '5s', duration: '5s' }],
  slos: [
    ...baselineSlos(),
    { kind: 'errorRate', phase: 'recovered', threshold: 0.5 },
    { kind: 'recoveryTime', threshold: 75_000 },
  ],
});
