import { defineScenario } from '../src/scenario/define.ts';
import { damagedBackupSteps, drPrimary } from './lib/dr.ts';

/**
 * A backup that recorded no index (milvus-backup issue 269: the restored collection had no index
 * and could not be loaded). The backup's manifest is stripped of its index records after it was
 * taken; the restore must not hand back a collection that cannot load as a success. The scenario
 * expects the restore to fail, naming the missing index, so it passes only when that is caught.
 */
export default defineScenario({
  name: 'dr-backup-without-index',
  description: 'A backup with no index recorded: the restore must fail naming the missing index, not "succeed" with a collection that cannot load.',
  seed: 20261215,
  ...drPrimary({ collection: 'drill_dr_noindex', partitions: 4, rows: 3_000, deletesPerSecond: 5 }),
  steps: damagedBackupSteps({ mode: 'strip-index' }),
  slos: [
    { kind: 'recall', phase: 'steady', threshold: 0.9 },
    { kind: 'restore', threshold: 0 },
  ],
  expect: { verdict: 'fail', slos: ['action:restore', 'restore'] },
});
