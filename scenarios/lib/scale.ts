import type { ScenarioInput, SloInput } from '../../src/scenario/define.ts';
import { CLUSTER } from './cluster.ts';

/**
 * The cluster scenarios' stack, sized so a balance means something: 40,000 rows of 128-d in
 * segments sealed at 1 MB (about 1,900 rows each; Milvus's default is 512 MB), so the data is
 * about 20 sealed segments, at least four per query node at four nodes, and automatic compaction
 * off so segments are not merged under the measurement; disk indexes on (DiskANN, for sizing). No partition key: 16 partitions would cut
 * the data into 32 small growing segments per flush. k6 adds 20 searches/s to the probes' 20.
 */
export const SCALE: Required<Pick<ScenarioInput, 'stack' | 'collection' | 'dataset' | 'workload' | 'recovery'>> = {
  ...CLUSTER,
  stack: { ...CLUSTER.stack, config: { dataCoord: { segment: { maxSize: 1, sealProportion: 1 }, enableAutoCompaction: false }, queryNode: { enableDisk: true } } },
  collection: { ...CLUSTER.collection, partitionKey: null, scalarFields: ['category'] },
  dataset: { ...CLUSTER.dataset, rows: 40_000 },
  workload: { ...CLUSTER.workload, load: { rate: 20, maxVUs: 20, timeout: '5s' } },
};

/**
 * Clean and accurate before the step; during the rebalance (the phase 'rebalance', which the
 * scale step holds until the segments are balanced) at most 1% of searches not ok and a p99
 * within a multiple of the same run's steady p99; balanced within `rebalanceMs`; recall and no
 * errors once scaled; no acknowledged row lost.
 */
export function scaleSlos(rebalanceMs: number): SloInput[] {
  return [
    { kind: 'recall', phase: 'steady', threshold: 0.9 },
    { kind: 'errorRate', phase: 'steady', threshold: 0 },
    { kind: 'rebalanceTime', threshold: rebalanceMs },
    { kind: 'errorRate', phase: 'rebalance', threshold: 0.01 },
    { kind: 'latency', phase: 'rebalance', percentile: 99, threshold: { phase: 'steady', times: 3, plus: 100 } },
    { kind: 'recall', phase: 'scaled', threshold: { phase: 'steady', plus: -0.05 } },
    { kind: 'errorRate', phase: 'scaled', threshold: 0 },
    { kind: 'durability', threshold: 0 },
  ];
}
