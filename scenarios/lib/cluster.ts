import type { ScenarioInput, SloInput } from '../../src/scenario/define.ts';

/**
 * What the cluster scenarios share: Milvus 2.3.5 as separate role processes (mixture
 * coordinators, proxy, 2 query nodes, data node, index node) on 3 etcd members, Kafka and MinIO,
 * each in its own network namespace on the local platform; 20,000 clustered 128-d vectors under
 * HNSW; search probes every 100 ms. Sized to finish in a few minutes on 2 cores.
 */
export const CLUSTER: Required<Pick<ScenarioInput, 'stack' | 'collection' | 'dataset' | 'workload' | 'recovery'>> = {
  stack: { milvusVersion: '2.3.5', topology: 'cluster', etcd: { members: 3 }, messageQueue: 'kafka', objectStore: 'minio' },
  collection: {
    shards: 2,
    partitionKey: { field: 'tenant', partitions: 16 },
    scalarFields: ['tenant', 'category'],
    index: { type: 'HNSW', params: { M: 16, efConstruction: 200 }, searchParams: { ef: 64 } },
    consistency: 'Bounded',
  },
  dataset: { profile: 'sift-128', dim: 128, metric: 'L2', rows: 20_000, batchSize: 1_000, queries: 100 },
  workload: { search: { every: '100ms', concurrency: 2, topK: 10, timeout: '3s' } },
  recovery: { window: '10s' },
};

/**
 * Recall and a clean steady phase before the fault, recall after it, recovered latency within a
 * multiple of the same run's steady latency (an absolute figure would describe the machine, not
 * Milvus: a busy runner doubles it), and no acknowledged write lost.
 */
export function baselineSlos(): SloInput[] {
  return [
    { kind: 'recall', phase: 'steady', threshold: 0.9 },
    { kind: 'errorRate', phase: 'steady', threshold: 0 },
    { kind: 'recall', phase: 'recovered', threshold: 0.9 },
    { kind: 'latency', phase: 'recovered', percentile: 99, threshold: { phase: 'steady', times: 3, plus: 50 } },
    { kind: 'durability', threshold: 0 },
  ];
}

/**
 * The same cluster with Pulsar 2.10.5 as the message queue, as the Milvus Helm chart deploys it:
 * ZooKeeper, three bookies (ensemble, write and ack quorum 2) and one broker, each its own process
 * in its own network namespace and, except the broker, on its own data volume.
 */
export const PULSAR_CLUSTER: typeof CLUSTER = { ...CLUSTER, stack: { ...CLUSTER.stack, messageQueue: 'pulsar' } };

/**
 * What every Pulsar scenario reports: the error rate while the fault holds (a figure, bounded only
 * loosely), the error rate once it is healed, the recovery time, and durability (in baselineSlos).
 */
export function pulsarSlos(o: { faultErrorRate: number; recoveredErrorRate: number; recoveryMs: number }): SloInput[] {
  return [
    ...baselineSlos(),
    { kind: 'errorRate', phase: 'fault', threshold: o.faultErrorRate },
    { kind: 'errorRate', phase: 'recovered', threshold: o.recoveredErrorRate },
    { kind: 'recoveryTime', threshold: o.recoveryMs },
  ];
}
