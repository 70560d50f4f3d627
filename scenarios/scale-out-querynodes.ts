import { defineScenario } from '../src/scenario/define.ts';
import { SCALE, scaleSlos } from './lib/scale.ts';

/**
 * Two query nodes become four under search load (probes and k6). The scale step starts two query
 * node processes (each in its own network namespace) and holds the phase 'rebalance' until the
 * query coordinator has spread the sealed segments so that each of the four nodes serves within
 * 20% of the mean row count. Milvus 2.3 balances on a timer (queryCoord.balanceIntervalSeconds,
 * 60 s by default), so most of the rebalance time is waiting for its rounds.
 */
export default defineScenario({
  name: 'scale-out-querynodes',
  description: 'Scale query nodes 2 → 4 under load: time until segments are balanced, availability and p99 during the rebalance.',
  seed: 15201,
  ...SCALE,
  steps: [
    { phase: 'steady', duration: '30s' },
    { phase: 'rebalance', duration: '1s' },
    { action: 'scale', target: { role: 'querynode' }, replicas: 4, timeout: '6m' },
    { phase: 'scaled', duration: '30s' },
  ],
  slos: scaleSlos(300_000),
  // The data goes in at 10,000, 20,000 and 40,000 rows, each measured once served; after the run
  // IVF_SQ8 and DiskANN are built on the same rows and measured; all projected to 2 billion 768-d.
  sizing: { target: { rows: 2_000_000_000, dim: 768 }, sizes: [10_000, 20_000, 40_000], indexes: ['IVF_SQ8', 'DISKANN'], nodeMemoryGiB: 64 },
});
