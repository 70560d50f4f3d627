import { defineScenario } from '../src/scenario/define.ts';
import { drPrimary, restoreSteps, restoredSlos } from './lib/dr.ts';

/**
 * The DR drill with the official milvus-backup tool as the backup method: its `create` takes the
 * backup (into its own store in the run's work directory, so the copy outlives the stack), the
 * stack is destroyed, a fresh one comes up, its `restore` brings the collection and index back,
 * and milvus-drill loads and verifies what came back exactly as for its own binlog method. Needs
 * the binary: `run --milvus-backup PATH` (or $MILVUS_BACKUP, or milvus-backup on PATH); for Milvus
 * 2.3 servers its v0.4 line. Without it the run stops before starting anything (exit 2).
 */
export default defineScenario({
  name: 'dr-milvus-backup',
  description: 'milvus-backup create under churn, destroy, milvus-backup restore into a fresh stack, verify: RPO, RTO and restore verification.',
  seed: 20261130,
  ...drPrimary({ collection: 'drill_dr_tool', partitions: 4, rows: 5_000, deletesPerSecond: 5 }),
  steps: restoreSteps({ name: 'tool', method: 'milvus-backup', backupTimeout: '10m', up: { timeout: '3m' }, restoreTimeout: '15m' }),
  slos: restoredSlos(300_000),
});
