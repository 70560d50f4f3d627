import { defineScenario } from '../src/scenario/define.ts';
import { damagedBackupSteps, drPrimary } from './lib/dr.ts';

/**
 * A partial backup: one insert log removed after the backup was taken. The restore must be refused
 * with the missing object named (the manifest lists it), never a restore that "succeeds" with
 * fewer rows; the scenario expects that verdict. See scenarios/dr-corrupted-backup.ts.
 */
export default defineScenario({
  name: 'dr-missing-object',
  description: 'Remove one insert log from the backup; the restore must be refused with the missing object named.',
  seed: 20261215,
  ...drPrimary({ collection: 'drill_dr_damaged', partitions: 8, rows: 5_000, deletesPerSecond: 10 }),
  steps: damagedBackupSteps({ mode: 'remove', object: 'insert' }),
  slos: [
    { kind: 'recall', phase: 'steady', threshold: 0.9 },
    { kind: 'restore', threshold: 0 },
  ],
  expect: { verdict: 'fail', slos: ['action:restore', 'restore'] },
});
