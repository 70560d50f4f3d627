import type { ActionSpec, BackupMethod, FaultSpec, Scenario, StepSpec, WaitCondition } from '../core/types.ts';
import { formatDuration } from '../scenario/duration.ts';
import { fixedLength } from '../scenario/steps.ts';
import { runSteps, type StepHost } from './interpreter.ts';

export interface PlanStep {
  /** Offset from the timeline's start (or from a moment only the run knows); null for setup steps, whose timing depends on the machine; 'end' after the run. */
  at: PlanTime | null | 'end';
  what: string;
}

/** What a run would start and when. Pure: the `plan` command prints it with no side effects. */
export async function planRun(s: Scenario, platform: string): Promise<PlanStep[]> {
  const setup = (what: string): PlanStep => ({ at: null, what });
  const c = s.collection;
  const d = s.dataset;
  const steps: PlanStep[] = [
    setup(`platform ${platform}: start etcd (${s.stack.etcd.members} member${s.stack.etcd.members > 1 ? 's' : ''})`),
    ...(s.stack.objectStore === 'minio' ? [setup('start MinIO object storage')] : []),
    ...(s.stack.topology === 'cluster'
      ? [
          setup(
            s.stack.messageQueue === 'kafka'
              ? 'start Kafka (KRaft) message queue'
              : 'start Pulsar: ZooKeeper, 3 bookies (ensemble/write/ack 2/2/2), a broker (local: each in its own network namespace)',
          ),
          setup(`start Milvus ${s.stack.milvusVersion} roles: coordinators, proxy, 2 query nodes, data node, index node (local: each in its own network namespace); wait for every /healthz`),
        ]
      : [
          ...(s.stack.messageQueue === 'pulsar' ? [setup('start Pulsar standalone (one JVM) for Milvus to use as its message queue')] : []),
          setup(`start Milvus ${s.stack.milvusVersion} standalone (message queue: ${s.stack.messageQueue}); wait for /healthz`),
        ]),
    setup(
      `create collection '${c.name}': ${c.shards} shards, ${c.consistency} consistency` +
        (c.partitionKey ? `, partition key '${c.partitionKey.field}' (${c.partitionKey.partitions} partitions)` : '') +
        `, fields id, vector(${d.dim}), ${c.scalarFields.join(', ')}`,
    ),
    setup(`insert ${d.rows} rows of '${d.profile}' (seed ${s.seed}) in batches of ${d.batchSize}; flush`),
    setup(`build ${c.index.type} index ${JSON.stringify(c.index.params)} (${d.metric}); load${(c.replicas ?? 1) > 1 ? ` as ${c.replicas} in-memory replicas` : ''}`),
    ...securitySetup(s),
    setup(`compute exact top-${s.workload.search.topK} ground truth for ${d.queries} queries`),
  ];
  const search = s.workload.search;
  const filtered = search.filtered.share > 0 ? `, ${Math.round(search.filtered.share * 100)}% filtered on category ${search.filtered.categories.join('/')}` : '';
  const host = new PlanHost(s);
  const length = fixedLength(s);
  const total = length === null ? 'all steps' : formatDuration(length);
  host.note(`search probes every ${formatDuration(search.every)} from ${search.concurrency} worker(s), top-${search.topK}, timeout ${formatDuration(search.timeout)}${filtered}, through all steps`);
  const churn = s.workload.churn;
  if (churn) host.note(`churn through all phases (${total}): ${churn.deletesPerSecond} deletes/s and ${churn.upsertsPerSecond} upserts/s from the SDK, plan from seed ${s.seed}`);
  const load = s.workload.load;
  if (load) {
    const searches = load.stages.length > 0 ? `ramping from ${load.rate}/s through ${load.stages.map((st) => `${st.target}/s over ${formatDuration(st.duration)}`).join(', ')}` : load.rate > 0 ? `${load.rate} searches/s` : 'no searches';
    const writes = load.writes.map((w) => `${w.op} ${w.rate}×${w.batchSize} rows/s`).join(', ');
    host.note(`k6 open-model load (${total}): ${searches}${writes ? `; writes: ${writes}` : ''}; up to ${load.maxVUs} VUs`);
  }
  await runSteps(s.steps, host);
  steps.push(...host.lines);
  steps.push({ at: host.at(), what: 'verify durability: look up every id ever written and count rows (Strong consistency)' });
  steps.push({ at: 'end', what: `score ${s.slos.length} SLO(s)${s.expect ? ` (expecting ${s.expect.verdict}${s.expect.slos.length ? ` with ${s.expect.slos.join(', ')} missed` : ''})` : ''}; write report.json, junit.xml, report.html; stop everything in reverse order` });
  return steps;
}

/** A time in the plan: an offset from the timeline's start, or from the last moment only the run can know. */
interface PlanTime {
  after: string | null;
  ms: number;
}

/** The interpreter's host for `plan`: a virtual clock that writes down what the run would do, and does nothing. */
class PlanHost implements StepHost {
  readonly lines: PlanStep[] = [];
  private clock: PlanTime = { after: null, ms: 0 };
  private readonly backups = new Map<string, BackupMethod | undefined>();

  constructor(private readonly s: Scenario) {}

  at(ms = this.clock.ms): PlanStep['at'] {
    return { after: this.clock.after, ms };
  }

  note(what: string): void {
    this.lines.push({ at: this.at(), what });
  }

  now(): number {
    return this.clock.ms;
  }

  enterPhase(name: string, st: StepSpec & { step: 'phase' }): void {
    const length = st.duration !== null ? formatDuration(st.duration) : `until ${st.until}, at most ${formatDuration(st.timeout)}`;
    this.note(`phase '${name}' (${length})`);
  }

  async holdUntil(at: number): Promise<void> {
    this.clock = { ...this.clock, ms: Math.max(this.clock.ms, at) };
  }

  async until(condition: WaitCondition, timeout: number): Promise<void> {
    this.note(`wait until ${describeCondition(condition, this.s)} (at most ${formatDuration(timeout)})`);
    this.clock = { after: condition, ms: 0 };
  }

  async fault(f: FaultSpec, at: number): Promise<number> {
    const role = f.target.coordinator ? `${f.target.role} ${f.target.coordinator}` : f.target.role;
    const where = f.target.instance ?? `${role} (${describeMode(f.target.mode)}${f.target.member ? `, ${f.target.member}` : ''})`;
    this.lines.push({ at: this.at(at), what: `inject ${f.kind} '${f.name}' on ${where} for ${formatDuration(f.duration)}` });
    this.lines.push({ at: this.at(at + f.duration), what: `heal '${f.name}'` });
    return at + f.duration;
  }

  async act(action: ActionSpec, timeout: number): Promise<void> {
    if (action.action === 'backup') this.backups.set(action.name, action.method);
    this.note(`${describeAction(action, this.backups)} (at most ${formatDuration(timeout)})`);
    this.clock = { after: `${action.action}`, ms: 0 };
  }

  gate(slos: readonly string[]): void {
    this.note(`gate: ${slos.join(', ')} must be met so far, else stop (exit 4)`);
  }

  phaseEnded(): void {}
}

function describeCondition(c: WaitCondition, s: Scenario): string {
  if (c === 'recovered') return `recovered (every fault healed, then ${formatDuration(s.recovery.window)} of successful probes)`;
  if (c === 'healed') return 'every fault healed';
  return 'a probe search succeeds';
}

function securitySetup(s: Scenario): PlanStep[] {
  const sec = s.stack.security;
  if (!sec || (!sec.authorization && sec.tls === 'off')) return [];
  const parts = [
    sec.tls !== 'off' ? `TLS ${sec.tls} with a CA, server${sec.tls === 'mutual' ? ' and client' : ''} certificates generated for the run` : '',
    sec.authorization ? 'authorization on' : '',
    sec.rootPassword === 'generated' ? "root's password changed to one generated for the run (never recorded)" : '',
    sec.authorization ? 'after loading: a read-only user, a user for the revoke probe, a second collection' : '',
  ].filter(Boolean);
  return [{ at: null, what: `security: ${parts.join('; ')}` }];
}

/** An action in words; `backups` (name to method, of the backups taken so far) tells a restore what it restores. */
export function describeAction(a: ActionSpec, backups: ReadonlyMap<string, BackupMethod | undefined> = new Map()): string {
  switch (a.action) {
    case 'flush':
      return 'flush the collection';
    case 'compact':
      return 'compact the collection and wait until compaction completes';
    case 'restart':
      return `restart ${a.target.instance ?? `every ${a.target.role}`}${Object.keys(a.config).length ? ` with config ${JSON.stringify(a.config)}` : ''}`;
    case 'destroy':
      return 'destroy the stack and its data';
    case 'up':
      return `bring up a new stack${a.version ? ` of Milvus ${a.version}` : ''}${Object.keys(a.config).length ? ` with config ${JSON.stringify(a.config)}` : ''}; drivers follow it`;
    case 'backup':
      if (a.method === 'cold-snapshot') return `back up as '${a.name}' by cold snapshot (stop Milvus, etcd snapshot, copy the MinIO bucket, manifest with SHA-256; the stack stays down)${a.dir ? ` into ${a.dir}` : ''}`;
      if (a.method === 'milvus-backup') return `back up as '${a.name}' with milvus-backup create (the official tool; into its store in the run's work directory)`;
      return `back up as '${a.name}' (binlogs, GC paused, manifest with SHA-256)${a.dir ? ` into ${a.dir}` : ''}`;
    case 'restore':
      if (backups.get(a.name) === 'milvus-backup') return `restore '${a.name}' with milvus-backup restore (collection and index), then load and verify`;
      return `restore '${a.name}'${a.verifyChecksums === false ? ' without checking the manifest' : ', manifest checked first'}`;
    case 'damage-backup':
      if (a.mode === 'strip-index') return `strip the index from backup '${a.name}' (its manifest records none, as a backup taken without indexes)`;
      if (a.mode === 'strip-data') return `strip the data from backup '${a.name}' (no segment, no object: metadata only)`;
      return `${a.mode === 'flip' ? 'flip bytes in' : 'remove'} one ${a.object} log of backup '${a.name}'`;
    case 'upgrade':
      return `${a.rollback ? 'roll back' : 'upgrade'} to Milvus ${a.version}${Object.keys(a.config).length ? ` with config ${JSON.stringify(a.config)}` : ''}`;
    case 'scale':
      return `scale ${a.target.role} to ${a.replicas}${a.target.role === 'querynode' ? ', until the segments are balanced over them (each node within 20% of the mean rows)' : ''}`;
    case 'security':
      return `run the security probes (${a.point})`;
  }
}

function describeMode(mode: FaultSpec['target']['mode']): string {
  if (typeof mode === 'string') return mode;
  return 'count' in mode ? `${mode.count} target(s)` : `${mode.percent}% of targets`;
}

export function formatPlan(steps: readonly PlanStep[]): string {
  const label = (at: PlanStep['at']): string => (at === null ? 'setup' : at === 'end' ? 'end' : `${at.after ? `after ${at.after} ` : ''}+${formatDuration(at.ms)}`);
  const labels = steps.map((s) => label(s.at));
  const width = Math.max(8, ...labels.map((l) => l.length));
  return steps.map((s, i) => `${labels[i]!.padStart(width)}  ${s.what}`).join('\n');
}
