import { defineScenario } from '../src/scenario/define.ts';
import { CLUSTER, baselineSlos } from './lib/cluster.ts';

/**
 * Every etcd member's outgoing packets are held 100 ms ± 20 ms for 40 s (network-delay on role
 * etcd, mode all): Milvus's metadata reads, session keep-alives and etcd's own raft traffic all
 * slow down. Searches are served from memory and should stay within their latency bound.
 */
export default defineScenario({
  name: 'etcd-latency',
  description: 'Add 100 ms ± 20 ms latency to all etcd traffic; search latency and errors hold.',
  seed: 5103,
  ...CLUSTER,
  phases: { steady: '30s', fault: '50s', recovered: '30s' },
  faults: [
    { name: 'etcd-delay', kind: 'network-delay', target: { role: 'etcd', mode: 'all' }, at: '5s', duration: '40s', params: { latency: '100ms', jitter: '20ms' } },
  ],
  slos: [
    ...baselineSlos(),
    { kind: 'errorRate', phase: 'fault', threshold: 0.01 },
    // 100 ms more per etcd call, on top of what this machine gives in steady state.
    { kind: 'latency', phase: 'fault', percentile: 99, threshold: { phase: 'steady', times: 2, plus: 500 } },
    { kind: 'recoveryTime', threshold: 30_000 },
  ],
});
