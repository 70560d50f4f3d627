import { defineScenario } from '../src/scenario/define.ts';
import { PULSAR_CLUSTER, pulsarSlos } from './lib/cluster.ts';

/**
 * Fill one bookie's volume (its ledgers and journal) for 40 s under writes. The bookie's disk
 * checker turns it read-only above 95 % use; the broker moves open ledgers to the other two
 * bookies. When the space comes back the bookie turns writable again. Every acknowledged write
 * must survive.
 */
export default defineScenario({
  name: 'pulsar-bookie-disk-full',
  description: "Fill one Pulsar bookie's ledger disk under writes; writes move to the other bookies and no acknowledged write is lost.",
  seed: 5204,
  ...PULSAR_CLUSTER,
  workload: { ...PULSAR_CLUSTER.workload, churn: { deletesPerSecond: 20, upsertsPerSecond: 20 } },
  phases: { steady: '30s', fault: '50s', recovered: '60s' },
  faults: [{ name: 'fill-bookie-disk', kind: 'disk-fill', target: { role: 'pulsar-bookie', mode: 'one' }, at: '5s', duration: '40s' }],
  slos: pulsarSlos({ faultErrorRate: 0.1, recoveredErrorRate: 0.05, recoveryMs: 30_000 }),
});
