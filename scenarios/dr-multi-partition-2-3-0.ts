import { defineScenario } from '../src/scenario/define.ts';
import { drPrimary } from './lib/dr.ts';

/**
 * Milvus issue 27036 (and milvus-backup 199), reproduced: restoring a collection with several
 * partitions into Milvus 2.3.0 fails in the server's binlog import with "failed to create binlog
 * adapter, error: target partition must be only one". The primary and the restore target both run
 * 2.3.0 with a partition-key collection over 4 partitions; the restore imports each partition's
 * binlogs, and the import is refused. The scenario expects the restore to fail, naming the
 * server's error, so it passes only when the drill catches it rather than reporting a restore.
 * Into 2.3.5 the same backup restores exactly (scenarios/dr-cross-version.ts).
 */
export default defineScenario({
  name: 'dr-multi-partition-2-3-0',
  description: 'Restore a 4-partition (partition-key) collection into Milvus 2.3.0: the import must be caught failing, named.',
  seed: 20261220,
  ...drPrimary({ collection: 'drill_dr_27036', partitions: 4, rows: 3_000, deletesPerSecond: 0, milvusVersion: '2.3.0' }),
  steps: [
    { phase: 'steady', duration: '10s' },
    { action: 'backup', name: 'old', timeout: '5m' },
    { action: 'destroy' },
    { action: 'up', timeout: '3m' },
    { action: 'restore', name: 'old', timeout: '10m' },
  ],
  slos: [
    { kind: 'recall', phase: 'steady', threshold: 0.9 },
    { kind: 'restore', threshold: 0 },
  ],
  expect: { verdict: 'fail', slos: ['action:restore', 'restore'] },
});
