import { defineScenario } from '../src/scenario/define.ts';
import { drPrimary, restoreSteps, restoredSlos } from './lib/dr.ts';

/**
 * A multi-partition restore across versions (Milvus issue 27036: milvus-backup's restore of a
 * collection with several partitions from a 2.2 cluster into 2.3 failed with "target partition
 * must be only one"). The primary runs Milvus 2.3.0 with a partition-key collection over 4
 * partitions, written under load with no deletes (2.3.0 cannot persist buffered deletes for a
 * backup: scenarios/dr-unpersisted-deletes.ts), and the binlog backup is restored into a fresh
 * stack of Milvus 2.3.5 (the `up` step's version), one import per partition, and verified. (2.2.16,
 * the 2.2 line installed here, cannot run on MinIO, which a binlog backup reads: see Known
 * limitations.)
 */
export default defineScenario({
  name: 'dr-cross-version',
  description: 'Binlog backup of a multi-partition collection on Milvus 2.3.0, restore into Milvus 2.3.5, verify.',
  seed: 20261218,
  ...drPrimary({ collection: 'drill_dr_versions', partitions: 4, rows: 5_000, deletesPerSecond: 0, milvusVersion: '2.3.0' }),
  steps: restoreSteps({ name: 'old', backupTimeout: '5m', up: { version: '2.3.5', timeout: '3m' }, restoreTimeout: '10m' }),
  slos: restoredSlos(300_000),
});
