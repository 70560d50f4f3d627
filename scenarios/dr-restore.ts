import { defineScenario } from '../src/scenario/define.ts';
import { drPrimary } from './lib/dr.ts';

/**
 * A disaster-recovery drill on Milvus standalone: load with churn (deletes), take a
 * binlog backup (GC paused, flush, binlogs copied with a SHA-256 manifest), keep writing, destroy
 * the stack and its data, bring up a fresh one, restore into it (manifest checked, binlogs
 * bulk-imported with the backup option, index rebuilt, loaded) and verify what came back. The
 * report's `dr` section holds RPO (writes after the backup point), RTO (destroy to the first
 * window of good searches, split into bring-up, import, index and load) and the verification.
 */
export default defineScenario({
  name: 'dr-restore',
  description: 'Binlog backup under churn, destroy, restore into a fresh stack, verify: RPO, RTO and restore verification.',
  seed: 20261212,
  ...drPrimary({ collection: 'drill_dr', partitions: 16, rows: 20_000, large: true, deletesPerSecond: 5 }),
  steps: [
    { phase: 'steady', duration: '20s' },
    { action: 'backup', name: 'nightly', timeout: '5m' },
    { phase: 'after-backup', duration: '10s' },
    { phase: 'disaster', duration: '1s' },
    { action: 'destroy' },
    { action: 'up', timeout: '3m' },
    { action: 'restore', name: 'nightly', timeout: '10m' },
    { phase: 'restored', duration: '30s' },
  ],
  slos: [
    { kind: 'recall', phase: 'steady', threshold: 0.9 },
    { kind: 'recall', phase: 'restored', threshold: { phase: 'steady', plus: -0.02 } },
    { kind: 'restore', threshold: 0 },
    { kind: 'rto', threshold: 300_000 },
    // The backup holds writes while it runs, so RPO covers its own time plus the writes after it.
    { kind: 'rpoSeconds', threshold: 120 },
    { kind: 'durability', threshold: 0 },
  ],
});
