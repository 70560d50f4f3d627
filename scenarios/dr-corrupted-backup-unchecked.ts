import { defineScenario } from '../src/scenario/define.ts';
import { damagedBackupSteps, drPrimary } from './lib/dr.ts';

/**
 * The damage the manifest would catch, with the manifest check switched off: one delta log is
 * removed from the backup, the restore imports what is left without complaint, and the rows that
 * delta log deleted come back. Only verifying the restored data against the history catches it
 * (deleted rows back, partition counts off); the scenario expects the restore SLO missed, so it
 * passes only when that verification works. See scenarios/dr-corrupted-backup.ts.
 */
export default defineScenario({
  name: 'dr-corrupted-backup-unchecked',
  description: 'Remove one delta log from the backup and restore without the checksum check: verification of the restored data must catch the deleted rows coming back.',
  seed: 20261214,
  ...drPrimary({ collection: 'drill_dr_damaged', partitions: 8, rows: 5_000, deletesPerSecond: 10 }),
  steps: [...damagedBackupSteps({ mode: 'remove', object: 'delta' }, { verifyChecksums: false }), { phase: 'restored', duration: '15s' }],
  slos: [
    { kind: 'recall', phase: 'steady', threshold: 0.9 },
    { kind: 'restore', threshold: 0 },
  ],
  expect: { verdict: 'fail', slos: ['restore'] },
});
