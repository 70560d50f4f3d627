import { defineScenario } from '../src/scenario/define.ts';
import { damagedBackupSteps, drPrimary } from './lib/dr.ts';

/**
 * A backup that holds only metadata (milvus-backup issue 328: a restore that brought back the
 * collection and nothing in it). The backup is stripped of every segment and object after it was
 * taken, so its manifest is consistent (nothing to mismatch) and the restore creates the
 * collection, imports nothing and loads without an error. Only verifying what came back catches
 * it: every acknowledged row missing, counts per partition zero. The scenario expects the restore
 * and durability SLOs missed, so it passes only when that verification works.
 */
export default defineScenario({
  name: 'dr-metadata-only',
  description: 'A backup with metadata but no data: the restore "succeeds"; verification must catch every row missing.',
  seed: 20261216,
  ...drPrimary({ collection: 'drill_dr_metaonly', partitions: 4, rows: 3_000, deletesPerSecond: 5 }),
  steps: [...damagedBackupSteps({ mode: 'strip-data' }), { phase: 'restored', duration: '10s' }],
  slos: [
    { kind: 'recall', phase: 'steady', threshold: 0.9 },
    { kind: 'restore', threshold: 0 },
    { kind: 'durability', threshold: 0 },
  ],
  expect: { verdict: 'fail', slos: ['restore', 'durability'] },
});
