import type { Scenario } from '../core/types.ts';
import { formatDuration } from '../scenario/duration.ts';

export interface PlanStep {
  /** Offset from the start of the steady phase; null for setup steps, whose timing depends on the machine. */
  at: number | null;
  what: string;
}

/** What a run would start and when. Pure: the `plan` command prints it with no side effects. */
export function planRun(s: Scenario, platform: string): PlanStep[] {
  const setup = (what: string): PlanStep => ({ at: null, what });
  const c = s.collection;
  const d = s.dataset;
  const steps: PlanStep[] = [
    setup(`platform ${platform}: start etcd (${s.stack.etcd.members} member${s.stack.etcd.members > 1 ? 's' : ''})`),
    ...(s.stack.objectStore === 'minio' ? [setup('start MinIO object storage')] : []),
    setup(`start Milvus ${s.stack.milvusVersion} ${s.stack.topology} (message queue: ${s.stack.messageQueue}); wait for /healthz`),
    setup(
      `create collection '${c.name}': ${c.shards} shards, ${c.consistency} consistency` +
        (c.partitionKey ? `, partition key '${c.partitionKey.field}' (${c.partitionKey.partitions} partitions)` : '') +
        `, fields id, vector(${d.dim}), ${c.scalarFields.join(', ')}`,
    ),
    setup(`insert ${d.rows} rows of '${d.profile}' (seed ${s.seed}) in batches of ${d.batchSize}; flush`),
    setup(`build ${c.index.type} index ${JSON.stringify(c.index.params)} (${d.metric}); load`),
    setup(`compute exact top-${s.workload.search.topK} ground truth for ${d.queries} queries`),
  ];
  const search = s.workload.search;
  steps.push({
    at: 0,
    what: `steady phase (${formatDuration(s.phases.steady)}): search probes every ${formatDuration(search.every)} from ${search.concurrency} worker(s), top-${search.topK}, timeout ${formatDuration(search.timeout)}`,
  });
  const faultStart = s.phases.steady;
  steps.push({ at: faultStart, what: `fault phase (${formatDuration(s.phases.fault)})` });
  for (const f of [...s.faults].sort((a, b) => a.at - b.at)) {
    steps.push({ at: faultStart + f.at, what: `inject ${f.kind} '${f.name}' on ${f.target.role} (${describeMode(f.target.mode)})` });
    steps.push({ at: faultStart + f.at + f.duration, what: `heal '${f.name}'` });
  }
  const recoveredStart = faultStart + s.phases.fault;
  steps.push({ at: recoveredStart, what: `recovered phase (${formatDuration(s.phases.recovered)}); recovery window ${formatDuration(s.recovery.window)}` });
  steps.push({ at: recoveredStart + s.phases.recovered, what: `verify durability: look up all ${d.rows} acknowledged ids (Strong consistency)` });
  steps.push({ at: null, what: `score ${s.slos.length} SLO(s); write report.json, junit.xml, report.html; stop everything in reverse order` });
  return steps;
}

function describeMode(mode: Scenario['faults'][number]['target']['mode']): string {
  if (typeof mode === 'string') return mode;
  return 'count' in mode ? `${mode.count} target(s)` : `${mode.percent}% of targets`;
}

export function formatPlan(steps: readonly PlanStep[]): string {
  return steps.map((s) => `${(s.at === null ? 'setup' : `+${formatDuration(s.at)}`).padStart(8)}  ${s.what}`).join('\n');
}
