import { defineScenario } from '../src/scenario/define.ts';
import { CLUSTER, baselineSlos } from './lib/cluster.ts';

/** SIGKILL the only proxy for 5 s: every search fails fast, then the client reconnects. */
export default defineScenario({
  name: 'proxy-kill',
  description: 'Kill the proxy under search load; clients reconnect after the restart.',
  seed: 5106,
  ...CLUSTER,
  phases: { steady: '30s', fault: '20s', recovered: '45s' },
  faults: [{ name: 'kill-proxy', kind: 'pod-kill', target: { role: 'proxy', mode: 'one' }, at: '5s', duration: '5s' }],
  slos: [
    ...baselineSlos(),
    { kind: 'errorRate', phase: 'recovered', threshold: 0 },
    { kind: 'recoveryTime', threshold: 30_000 },
  ],
});
