import type { Scenario } from '../core/types.ts';
import { formatDuration } from '../scenario/duration.ts';

export interface PlanStep {
  /** Offset from the start of the steady phase; null for setup steps, whose timing depends on the machine; 'end' after the run. */
  at: number | null | 'end';
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
    ...(s.stack.topology === 'cluster'
      ? [
          setup(`start ${s.stack.messageQueue === 'kafka' ? 'Kafka (KRaft)' : s.stack.messageQueue} message queue`),
          setup(`start Milvus ${s.stack.milvusVersion} roles: coordinators, proxy, 2 query nodes, data node, index node (local: each in its own network namespace); wait for every /healthz`),
        ]
      : [setup(`start Milvus ${s.stack.milvusVersion} standalone (message queue: ${s.stack.messageQueue}); wait for /healthz`)]),
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
  const filtered = search.filtered.share > 0 ? `, ${Math.round(search.filtered.share * 100)}% filtered on category ${search.filtered.categories.join('/')}` : '';
  steps.push({
    at: 0,
    what: `steady phase (${formatDuration(s.phases.steady)}): search probes every ${formatDuration(search.every)} from ${search.concurrency} worker(s), top-${search.topK}, timeout ${formatDuration(search.timeout)}${filtered}`,
  });
  const total = formatDuration(s.phases.steady + s.phases.fault + s.phases.recovered);
  const churn = s.workload.churn;
  if (churn) steps.push({ at: 0, what: `churn through all phases (${total}): ${churn.deletesPerSecond} deletes/s and ${churn.upsertsPerSecond} upserts/s from the SDK, plan from seed ${s.seed}` });
  const load = s.workload.load;
  if (load) {
    const searches = load.stages.length > 0 ? `ramping from ${load.rate}/s through ${load.stages.map((st) => `${st.target}/s over ${formatDuration(st.duration)}`).join(', ')}` : load.rate > 0 ? `${load.rate} searches/s` : 'no searches';
    const writes = load.writes.map((w) => `${w.op} ${w.rate}×${w.batchSize} rows/s`).join(', ');
    steps.push({ at: 0, what: `k6 open-model load (${total}): ${searches}${writes ? `; writes: ${writes}` : ''}; up to ${load.maxVUs} VUs` });
  }
  const faultStart = s.phases.steady;
  steps.push({ at: faultStart, what: `fault phase (${formatDuration(s.phases.fault)})` });
  for (const f of [...s.faults].sort((a, b) => a.at - b.at)) {
    steps.push({ at: faultStart + f.at, what: `inject ${f.kind} '${f.name}' on ${f.target.role} (${describeMode(f.target.mode)})` });
    steps.push({ at: faultStart + f.at + f.duration, what: `heal '${f.name}'` });
  }
  const recoveredStart = faultStart + s.phases.fault;
  steps.push({ at: recoveredStart, what: `recovered phase (${formatDuration(s.phases.recovered)}); recovery window ${formatDuration(s.recovery.window)}` });
  steps.push({ at: recoveredStart + s.phases.recovered, what: 'verify durability: look up every id ever written and count rows (Strong consistency)' });
  steps.push({ at: 'end', what: `score ${s.slos.length} SLO(s); write report.json, junit.xml, report.html; stop everything in reverse order` });
  return steps;
}

function describeMode(mode: Scenario['faults'][number]['target']['mode']): string {
  if (typeof mode === 'string') return mode;
  return 'count' in mode ? `${mode.count} target(s)` : `${mode.percent}% of targets`;
}

export function formatPlan(steps: readonly PlanStep[]): string {
  const label = (at: PlanStep['at']): string => (at === null ? 'setup' : at === 'end' ? 'end' : `+${formatDuration(at)}`);
  return steps.map((s) => `${label(s.at).padStart(8)}  ${s.what}`).join('\n');
}
