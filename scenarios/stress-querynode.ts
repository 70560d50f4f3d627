import { defineScenario } from '../src/scenario/define.ts';
import { CLUSTER, baselineSlos } from './lib/cluster.ts';

/**
 * CPU stress on one of the two query nodes under search load: two workers at full load for 30 s,
 * inside that node's own cgroup (Chaos Mesh's StressChaos, injected by chaos-daemon on kind; the
 * local platform runs stress-ng beside the process). Nothing is killed, so no search may fail and
 * recall must hold; latency under stress is reported, and after it must come back within a multiple
 * of the same run's steady latency.
 */
export default defineScenario({
  name: 'stress-querynode',
  description: 'CPU stress on one query node under search load: no errors, recall held, latency back after.',
  seed: 5301,
  ...CLUSTER,
  steps: [
    { phase: 'steady', duration: '30s' },
    { phase: 'stress', duration: '30s', faults: [{ name: 'stress-querynode', kind: 'stress-cpu', target: { role: 'querynode', mode: 'one' }, at: '0s', duration: '30s', params: { workers: 2, load: 100 } }] },
    { phase: 'recovered', duration: '30s' },
  ],
  slos: [
    ...baselineSlos(),
    { kind: 'errorRate', phase: 'stress', threshold: 0 },
    { kind: 'recall', phase: 'stress', threshold: 0.9 },
    { kind: 'errorRate', phase: 'recovered', threshold: 0 },
  ],
});
