import { defineScenario } from '../src/scenario/define.ts';
import { drPrimary, restoreSteps } from './lib/dr.ts';

/**
 * A restore failure found here: Milvus 2.3.0 returns no flush timestamp, so a backup can wait only
 * for the segments to be flushed, not for the deletes the data node still buffers for segments
 * flushed earlier; those deletes are not in any delta log yet, and the rows come back after the
 * restore into 2.3.5 (measured: 46, then 50, of the 50 rows deleted before the backup point back). milvus-backup's binlog method has the same limit on
 * such servers. The scenario expects the verification and durability to catch it (deleted rows
 * back, counts per partition off), so it passes only when they do. Milvus 2.3.5 returns the flush
 * timestamp and the same drill passes there (scenarios/dr-restore.ts).
 */
export default defineScenario({
  name: 'dr-unpersisted-deletes',
  description: 'Binlog backup of Milvus 2.3.0 under deletes, restore, verify: the deletes the server had not persisted come back, and the drill names them.',
  seed: 20261219,
  ...drPrimary({ collection: 'drill_dr_old_deletes', partitions: 4, rows: 5_000, deletesPerSecond: 5, milvusVersion: '2.3.0' }),
  // Into 2.3.5: 2.3.0 cannot import a partition-key collection's binlogs (scenarios/dr-multi-partition-2-3-0.ts).
  steps: restoreSteps({ name: 'old', backupTimeout: '5m', up: { version: '2.3.5', timeout: '3m' }, restoreTimeout: '10m' }),
  slos: [
    { kind: 'recall', phase: 'steady', threshold: 0.9 },
    { kind: 'restore', threshold: 0 },
    { kind: 'durability', threshold: 0 },
  ],
  expect: { verdict: 'fail', slos: ['restore', 'durability'] },
});
