import { defineScenario } from '../src/scenario/define.ts';
import { damagedBackupSteps, drPrimary } from './lib/dr.ts';

/**
 * A drill of the drill: the backup is damaged after it was taken (8 bytes flipped in the middle of
 * its largest insert log) and the restore must refuse it, naming the object, rather than "succeed"
 * with fewer or wrong rows. The scenario expects exactly that failure, so it passes only when the
 * manifest's SHA-256 check catches the damage. Variants: scenarios/dr-corrupted-backup-unchecked.ts
 * (checksums off: the restored data's verification must catch it) and
 * scenarios/dr-missing-object.ts (an object removed).
 */
export default defineScenario({
  name: 'dr-corrupted-backup',
  description: 'Flip bytes in one backed-up insert log; the restore must be refused with the object named.',
  seed: 20261213,
  ...drPrimary({ collection: 'drill_dr_damaged', partitions: 8, rows: 5_000, deletesPerSecond: 10 }),
  steps: damagedBackupSteps({ mode: 'flip', object: 'insert' }),
  slos: [
    { kind: 'recall', phase: 'steady', threshold: 0.9 },
    { kind: 'restore', threshold: 0 },
  ],
  expect: { verdict: 'fail', slos: ['action:restore', 'restore'] },
});
