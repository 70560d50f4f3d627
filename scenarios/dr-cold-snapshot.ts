import { defineScenario } from '../src/scenario/define.ts';
import { drPrimary } from './lib/dr.ts';

/**
 * A cold-snapshot drill on the local cluster topology, the infrastructure-level pattern users
 * follow with volume snapshots: load with churn (deletes), then the backup step holds the writes,
 * flushes, stops every Milvus process, saves etcd (`etcdctl snapshot save`) and copies the MinIO
 * bucket, and stops etcd and MinIO. The stack is destroyed, the next `up` comes up from the
 * snapshot (etcd members and the bucket seeded from it, its manifest checked first), and
 * `restore` loads the collection and verifies what came back. RPO is 0 rows by construction (the
 * writes stay held from the point on); RTO runs from the destroy and includes the bring-up.
 */
export default defineScenario({
  name: 'dr-cold-snapshot',
  description: 'Cold snapshot (etcd snapshot and MinIO bucket copy) of a cluster, destroy, bring a fresh cluster up from it, verify: RPO, RTO and restore verification.',
  seed: 20261129,
  ...drPrimary({ collection: 'drill_dr_cold', partitions: 4, rows: 4_000, deletesPerSecond: 5 }),
  stack: { milvusVersion: '2.3.5', topology: 'cluster', etcd: { members: 1 }, messageQueue: 'pulsar', objectStore: 'minio' },
  steps: [
    { phase: 'steady', duration: '15s' },
    { action: 'backup', name: 'cold', method: 'cold-snapshot', timeout: '5m' },
    { action: 'destroy' },
    { action: 'up', timeout: '5m' },
    { action: 'restore', name: 'cold', timeout: '10m' },
    { phase: 'restored', duration: '20s' },
  ],
  slos: [
    { kind: 'recall', phase: 'steady', threshold: 0.9 },
    { kind: 'recall', phase: 'restored', threshold: { phase: 'steady', plus: -0.02 } },
    { kind: 'restore', threshold: 0 },
    { kind: 'rto', threshold: 600_000 },
    { kind: 'rpoRows', threshold: 0 },
    { kind: 'durability', threshold: 0 },
  ],
});
