import { defineScenario } from '../src/scenario/define.ts';
import { drPrimary, restoreSteps, restoredSlos } from './lib/dr.ts';

/**
 * Restore at a DR site: the backup is taken from the primary (bucket 'milvus-drill', root path
 * 'files'), the primary is destroyed, and the restore goes into a new stack whose Milvus keeps
 * its data in another bucket under another root path, as a second cluster would (the empty
 * restore milvus-backup users report when the backup bucket differs from the data bucket is what
 * this drill would catch). Both sites run the cluster topology (every role its own process, Kafka
 * as the queue): the backup pauses garbage collection through the data coordinator process, and
 * the restore's bulk imports run on the DR site's data node.
 */
export default defineScenario({
  name: 'dr-cross-cluster',
  description: 'Binlog backup from a primary cluster, restore into a cluster with another bucket and root path, verify.',
  seed: 20261217,
  ...drPrimary({ collection: 'drill_dr_site', partitions: 4, rows: 5_000, deletesPerSecond: 5 }),
  stack: { milvusVersion: '2.3.5', topology: 'cluster', etcd: { members: 1 }, messageQueue: 'kafka', objectStore: 'minio' },
  steps: restoreSteps({ name: 'offsite', backupTimeout: '5m', up: { config: { minio: { bucketName: 'dr-site', rootPath: 'dr-files' } }, timeout: '5m' }, restoreTimeout: '10m' }),
  slos: restoredSlos(300_000),
});
