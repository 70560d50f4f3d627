import { defineScenario } from '../src/scenario/define.ts';
import { SCALE, scaleSlos } from './lib/scale.ts';

/**
 * Four query nodes become two under search load. The cluster starts with two; a first step
 * scales out to four and waits until balanced (phase 'four'), then the measured step removes the
 * two newest nodes gracefully, as a StatefulSet scales down: each gets SIGTERM, Milvus's graceful
 * stop marks it Stopping, the query coordinator moves its segments and channels to the other
 * nodes, and the node exits once it serves none (drain up to 90 s, then SIGKILL). The phase
 * 'rebalance' lasts until the two remaining nodes serve everything, balanced within 20%.
 */
export default defineScenario({
  name: 'scale-in-querynodes',
  description: 'Scale query nodes 4 → 2 under load: segments of the removed nodes served elsewhere without errors, time until balanced, availability and p99 during it.',
  seed: 15202,
  ...SCALE,
  steps: [
    { phase: 'grow', duration: '1s' },
    { action: 'scale', target: { role: 'querynode' }, replicas: 4, timeout: '6m' },
    { phase: 'steady', duration: '30s' },
    { phase: 'rebalance', duration: '1s' },
    { action: 'scale', target: { role: 'querynode' }, replicas: 2, timeout: '6m' },
    { phase: 'scaled', duration: '30s' },
  ],
  slos: scaleSlos(300_000),
});
