import type { CoordinatorLayout } from '../core/types.ts';
import type { ScenarioInput, SloInput, StepInput } from './define.ts';

export interface CertifyOptions {
  from: string;
  /** The versions to go through, in order (one for a pair, several for a chain). */
  path: readonly string[];
  topology: 'standalone' | 'cluster';
  /** Cluster only: how the coordinators run (default active-standby, as Milvus documents rolling upgrades). */
  coordinators?: CoordinatorLayout;
  objectStore: 'minio' | 'local';
  rows: number;
  /** Defaults below; each can be overridden. */
  recallTolerance?: number;
  maxDowntimeMs?: number;
  minAvailability?: number;
  /** milvus.yaml overrides for the new version (a broken upgrade points it at other data). */
  upgradeConfig?: Record<string, unknown>;
  rollback?: boolean;
}

export const CERTIFY_DEFAULTS = { recallTolerance: 0.01, maxDowntimeMs: 60_000, minAvailability: 0.99 } as const;

/**
 * The certification scenario: a loaded version A under searches, deletes and upserts; an upgrade
 * step to each version of the path; then recall, durability (every acknowledged write at its
 * latest version, deletes absent, counts equal), the index and the server's version checked
 * against before. An in-place standalone upgrade is judged on downtime; a rolling one on
 * availability through each of its role steps.
 */
export function certificationScenario(o: CertifyOptions): ScenarioInput {
  const recallTolerance = o.recallTolerance ?? CERTIFY_DEFAULTS.recallTolerance;
  const steps: StepInput[] = [{ phase: 'before', duration: '20s' }];
  o.path.forEach((version, i) => {
    // In a chain, each next step starts from a recovered service, as an operator's would.
    if (i > 0) steps.push({ wait: 'recovered', timeout: '5m' });
    steps.push({ phase: `upgrade-${i + 1}`, duration: '1s' });
    // A roll replaces every process one after another; an active 2.3.0 coordinator alone costs ~50 s (its session's lease).
    steps.push({ action: 'upgrade', version, timeout: o.topology === 'cluster' ? '15m' : '5m', ...(o.upgradeConfig ? { config: o.upgradeConfig } : {}), ...(o.rollback ? { rollback: true } : {}) });
  });
  steps.push({ phase: 'after', after: 'recovery', duration: '20s' });
  const slos: SloInput[] = [
    { name: 'recall before', kind: 'recall', phase: 'before', threshold: 0.8 },
    { name: 'recall after', kind: 'recall', phase: 'after', threshold: { phase: 'before', plus: -recallTolerance } },
    { name: 'no acknowledged write lost', kind: 'durability', threshold: 0 },
    { name: 'indexes equal, server at the new version', kind: 'upgrade', threshold: 0 },
  ];
  if (o.topology === 'standalone') slos.push({ name: 'downtime', kind: 'downtime', threshold: o.maxDowntimeMs ?? CERTIFY_DEFAULTS.maxDowntimeMs });
  else slos.push({ name: 'availability through each rolling step', kind: 'rollingAvailability', threshold: o.minAvailability ?? CERTIFY_DEFAULTS.minAvailability });
  const label = [o.from, ...o.path].join('-to-').replace(/\./g, '_');
  return {
    name: `certify-${o.topology}-${label}`,
    description: `Pre-upgrade certification: Milvus ${[o.from, ...o.path].join(' → ')} (${o.topology}) under searches, deletes and upserts.`,
    seed: 20261129,
    stack: {
      milvusVersion: o.from,
      topology: o.topology,
      etcd: { members: 1 },
      messageQueue: o.topology === 'cluster' ? 'kafka' : 'rocksmq',
      objectStore: o.objectStore,
      ...(o.topology === 'cluster' ? { coordinators: o.coordinators ?? 'active-standby' } : {}),
    },
    collection: {
      name: 'drill_certify',
      shards: 2,
      scalarFields: ['tenant', 'category'],
      index: { type: 'HNSW', params: { M: 16, efConstruction: 200 }, searchParams: { ef: 64 } },
      consistency: 'Bounded',
    },
    dataset: { profile: 'sift-128', dim: 128, metric: 'L2', rows: o.rows, batchSize: 1_000, queries: 100 },
    workload: { search: { every: '200ms', concurrency: 1, topK: 10, timeout: '3s' }, churn: { deletesPerSecond: 2, upsertsPerSecond: 2 } },
    steps,
    recovery: { window: '5s' },
    slos,
  };
}
