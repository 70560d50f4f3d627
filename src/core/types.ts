// The small core every other folder speaks. Plain data only: no I/O, no classes with behaviour.

/** A problem with a scenario: which field, what is wrong, and how to fix it. */
export interface ValidationError {
  /** Dotted path of the offending field, e.g. 'faults[0].duration'. */
  path: string;
  message: string;
  fix: string;
}

export type Outcome = 'ok' | 'fail' | 'unknown';

export type Metric = 'L2' | 'IP' | 'COSINE';
export type ConsistencyLevel = 'Strong' | 'Bounded' | 'Session' | 'Eventually';
export type Topology = 'standalone' | 'cluster';
export type PlatformName = 'local' | 'containers' | 'kind';
/**
 * A phase is a named stretch of the run's timeline; scenarios name their own. 'setup' (before the
 * first phase) and 'verify' (the durability lookups after the last) are the harness's own.
 */
export type PhaseName = string;
export const HARNESS_PHASES = ['setup', 'verify'] as const;

/** Durations are milliseconds everywhere inside the program; scenarios may write '30s', '2m'. */
export type Millis = number;

export interface StackSpec {
  milvusVersion: string;
  topology: Topology;
  etcd: { members: number };
  messageQueue: 'rocksmq' | 'kafka' | 'pulsar';
  objectStore: 'minio' | 'local';
  /** Absent means SECURITY_OFF (validated scenarios always carry it). */
  security?: SecuritySpec;
  /**
   * milvus.yaml overrides (nested objects) for every Milvus process from bring-up on, e.g.
   * { dataCoord: { segment: { maxSize: 2 } } }; absent or empty: none. Local platform only.
   */
  config?: Record<string, unknown>;
  /**
   * Cluster coordinators: one `mixture` process (absent: the default), one process per
   * coordinator role ('separate', as a rolling upgrade needs), or each role twice in
   * active-standby ('active-standby', `*.enableActiveStandby`).
   */
  coordinators?: CoordinatorLayout;
  /**
   * Container image per component (containers platform); a missing one is the image
   * `milvus-drill images build` makes. Other platforms refuse it.
   */
  images?: Partial<Record<ImageComponent, string>>;
}

export const COORDINATOR_LAYOUTS = ['mixture', 'separate', 'active-standby'] as const;
export type CoordinatorLayout = (typeof COORDINATOR_LAYOUTS)[number];
/** The coordinator roles of Milvus 2.2/2.3 (2.3 folded the index coordinator into the data coordinator). */
export const COORDINATOR_ROLES = ['rootcoord', 'datacoord', 'querycoord', 'indexcoord'] as const;
export type CoordinatorRole = (typeof COORDINATOR_ROLES)[number];

export const IMAGE_COMPONENTS = ['milvus', 'etcd', 'minio', 'kafka'] as const;
export type ImageComponent = (typeof IMAGE_COMPONENTS)[number];

/** TLS on the Milvus endpoint: off, server-authenticated (one-way), or both sides (mutual). */
export type TlsMode = 'off' | 'one-way' | 'mutual';

/**
 * Security the stack is brought up with. Certificates and passwords are generated per run by the
 * harness and never written into the history or the reports: only 'generated' is recorded.
 */
export interface SecuritySpec {
  /** common.security.authorizationEnabled: every request must carry credentials. */
  authorization: boolean;
  /** 'generated': root's password is changed from its default at bring-up; null keeps the default. */
  rootPassword: 'generated' | null;
  tls: TlsMode;
  /**
   * After a restore, RBAC (users, roles, grants) missing is a finding when false (backup methods
   * that do not carry RBAC), a failed probe when true.
   */
  rbacSurvivesRestore: boolean;
}

export const SECURITY_OFF: SecuritySpec = { authorization: false, rootPassword: null, tls: 'off', rbacSurvivesRestore: false };

/** Where a probe set ran: a scenario step, or one of the default points. */
export type SecurityPoint = string;

/** Index types a scenario can name (Milvus 2.3 has them all; DISKANN needs queryNode.enableDisk). */
export type IndexType = 'HNSW' | 'IVF_FLAT' | 'IVF_SQ8' | 'DISKANN' | 'FLAT';

export interface IndexSpec {
  type: IndexType;
  params: Record<string, number>;
  /** Search-time parameters, e.g. { ef: 64 } for HNSW. */
  searchParams: Record<string, number>;
}

export interface CollectionSpec {
  name: string;
  shards: number;
  partitionKey: { field: ScalarField; partitions: number } | null;
  scalarFields: readonly ScalarField[];
  index: IndexSpec;
  consistency: ConsistencyLevel;
  /**
   * In-memory replicas the collection is loaded with (loadCollection's replica_number); each needs
   * its own query node. Absent means 1 (validated scenarios always carry it).
   */
  replicas?: number;
}

/**
 * Query nodes each topology brings up on every platform (the local and container cluster layouts
 * and the Kubernetes values agree); a collection's replicas cannot exceed it.
 */
export const QUERY_NODES: Record<Topology, number> = { standalone: 1, cluster: 2 };

export type ScalarField = 'tenant' | 'category' | 'ts' | 'num';

export interface DatasetSpec {
  /** Name of a generator profile, e.g. 'sift-128'. */
  profile: string;
  dim: number;
  metric: Metric;
  rows: number;
  /** Size of one insert batch. */
  batchSize: number;
  queries: number;
}

export interface SearchProbeSpec {
  /** Interval between probe searches. */
  every: Millis;
  /** A share of probes filters on `category == c`, cycling through these categories. */
  filtered: { share: number; categories: readonly number[] };
  concurrency: number;
  topK: number;
  /** A search slower than this is recorded with outcome 'unknown' (the client gave up). */
  timeout: Millis;
}

/** Deletes and upserts at steady rates while the probes run, reproducible from the seed. */
export interface ChurnSpec {
  deletesPerSecond: number;
  upsertsPerSecond: number;
}

/** Open-model search load from k6, at a constant or ramping arrival rate. */
export interface LoadSpec {
  /** Searches per second, or ramp stages of { target rate, duration }; rate 0 without stages: no searches. */
  rate: number;
  stages: readonly { target: number; duration: Millis }[];
  maxVUs: number;
  timeout: Millis;
  /** Write streams from k6 at set rates (which ids they touch: src/scenario/load-writes.ts). */
  writes: readonly LoadWriteSpec[];
}

/** A k6 write stream: `rate` batches per second of `batchSize` rows each. */
export interface LoadWriteSpec {
  op: 'insert' | 'upsert' | 'delete';
  rate: number;
  batchSize: number;
}

export interface WorkloadSpec {
  search: SearchProbeSpec;
  churn: ChurnSpec | null;
  load: LoadSpec | null;
}


/** Every role a component can have; fault targets name one. With Pulsar, 'mq' is the broker. */
export const ROLES = ['standalone', 'proxy', 'querynode', 'datanode', 'indexnode', 'coordinator', 'etcd', 'mq', 'minio', 'pulsar-broker', 'pulsar-bookie', 'pulsar-zookeeper'] as const;
export type Role = (typeof ROLES)[number];

export type TargetMode = 'one' | 'all' | { count: number } | { percent: number };

/** Which etcd members a fault hits: any (by target.mode), the current leader, or a quorum of them. */
export type EtcdMember = 'any' | 'leader' | 'quorum';
/** Role-specific selectors: etcd's members, or the active instance of a coordinator in active-standby. */
export type TargetMember = EtcdMember | 'active';

export type NetworkDirection = 'to' | 'from' | 'both';

/** Traffic between the target and these roles only; an empty list means all traffic. */
interface NetworkScope {
  peers: readonly Role[];
  direction: NetworkDirection;
}

/** Parameters of each fault kind (see docs/faults.md). Percentages are 0..100, sizes bytes. */
export interface FaultParams {
  'pod-kill': Record<string, never>;
  'pod-failure': Record<string, never>;
  /** container: the container to kill; null means the role's main container. */
  'container-kill': { container: string | null };
  pause: Record<string, never>;
  'network-delay': NetworkScope & { latency: Millis; jitter: Millis; correlation: number };
  'network-loss': NetworkScope & { percent: number; correlation: number };
  'network-duplicate': NetworkScope & { percent: number; correlation: number };
  'network-corrupt': NetworkScope & { percent: number; correlation: number };
  /** rate in bits per second; limit (queue) and buffer (burst) in bytes, as tc tbf takes them. */
  'network-bandwidth': NetworkScope & { rate: number; limit: number; buffer: number };
  'network-partition': NetworkScope;
  'stress-cpu': { workers: number; load: number };
  /** size: bytes each worker allocates and touches. */
  'stress-memory': { workers: number; size: number };
  /** path: the data directory to fill; null means the role's data volume. */
  'disk-fill': { path: string | null };
  'disk-latency': { delay: Millis; percent: number; path: string | null };
}

export type FaultKind = keyof FaultParams;

export interface FaultTarget {
  role: Role;
  mode: TargetMode;
  /** etcd: 'any' | 'leader' | 'quorum'; coordinator: 'active'. Absent means 'any'. */
  member?: TargetMember;
  /** One named instance of the role (e.g. 'querynode-2'); overrides mode. */
  instance?: string;
  /** role 'coordinator' only: the processes that run this coordinator role (e.g. the query coordinator's two). */
  coordinator?: CoordinatorRole;
}

interface FaultBase {
  name: string;
  target: FaultTarget;
  /** Offset from the start of the phase it is declared in (or from its step). */
  at: Millis;
  /** How long the fault holds before it is healed (for pod-kill: how long the process stays down). */
  duration: Millis;
}

/** One fault, its params typed by its kind: `switch (fault.kind)` narrows `fault.params`. */
export type FaultSpec = { [K in FaultKind]: FaultBase & { kind: K; params: FaultParams[K] } }[FaultKind];

/** Conditions a step can wait for. */
export type WaitCondition =
  /** Every fault so far healed, then a full recovery window in which every probe succeeded. */
  | 'recovered'
  /** Every fault so far healed. */
  | 'healed'
  /** A probe search succeeded. */
  | 'searchable';

/** How damage-backup breaks a backup: one object (flip, remove), or what the manifest records (strip-index, strip-data). */
export type DamageMode = 'flip' | 'remove' | 'strip-index' | 'strip-data';

/** How a backup step takes its copy: milvus-drill's binlog copy, a cold snapshot of the local stack, or the official milvus-backup tool (run --milvus-backup PATH). */
export type BackupMethod = 'binlog' | 'cold-snapshot' | 'milvus-backup';

/** Things the runner does to the system (not faults: nothing heals them). */
export type ActionSpec =
  | { action: 'flush' }
  /** Manual compaction, waited for until the server reports it completed. */
  | { action: 'compact' }
  /** Restart a component (all instances of a role, or one instance), optionally with milvus.yaml overrides. */
  | { action: 'restart'; target: { role: Role; instance?: string }; config: Record<string, unknown> }
  /** End the stack and its data; drivers stop until a later step brings a stack up. */
  | { action: 'destroy' }
  /** Bring up a new stack (a restore target, a DR site) that the drivers then follow; version: another Milvus than stack.milvusVersion (a restore across versions). */
  | { action: 'up'; config: Record<string, unknown>; version?: string }
  /**
   * A binlog backup of the collection (GC paused, flush, schema, partitions, indexes, segments,
   * binlogs copied with a manifest of sizes and SHA-256s). dir: where it goes (default: under the
   * run's work directory, removed with it). method 'cold-snapshot' instead stops the stack and
   * saves etcd and the MinIO bucket (local platform); the next steps must be destroy, up (which
   * comes up from the snapshot) and restore of the same name (which loads and verifies). method
   * 'milvus-backup' runs the official tool's create (its restore restores), into its own store.
   */
  | { action: 'backup'; name: string; dir?: string; method?: BackupMethod }
  /** Restores a backup into the stack up now; verifyChecksums false skips the manifest check (to prove data verification catches damage). */
  | { action: 'restore'; name: string; verifyChecksums?: boolean }
  /**
   * Damages a binlog backup on purpose (a drill of the drill): flip bytes in, or remove, one object
   * of the given binlog kind; or make it one of the broken backups users report: 'strip-index' (no
   * index recorded) or 'strip-data' (metadata only: no segment, no object).
   */
  | { action: 'damage-backup'; name: string; mode: DamageMode; object?: 'insert' | 'delta' }
  /**
   * Replaces the server with another version on the same metadata and data (in place for
   * standalone). config: milvus.yaml overrides for the new version; rollback: a downgrade is
   * intended (refused otherwise).
   */
  | { action: 'upgrade'; version: string; config: Record<string, unknown>; rollback: boolean }
  | { action: 'scale'; target: { role: Role }; replicas: number }
  /** Runs the security probe set now; `point` names where (a step, or a default point) in findings. */
  | { action: 'security'; point: SecurityPoint };

export type ActionKind = ActionSpec['action'];

/** One step of the timeline; steps run in order, one interpreter for `run` and `plan`. */
export type StepSpec =
  /**
   * Enters a phase and holds it for `duration`, or until a condition (bounded by `timeout`).
   * Faults declared in the phase start at their `at` offset and are healed before it ends.
   */
  | { step: 'phase'; name: PhaseName; duration: Millis | null; until: WaitCondition | null; timeout: Millis; faults: readonly FaultSpec[] }
  /** Injects a fault now (after its `at`) and waits until it has been healed. */
  | { step: 'fault'; fault: FaultSpec }
  | { step: 'action'; spec: ActionSpec; timeout: Millis }
  /** Waits for a condition; the run fails with a harness error if it does not hold by `timeout`. */
  | { step: 'wait'; until: WaitCondition; timeout: Millis }
  /** Checks SLOs (by name) on the history so far; a miss stops the run (exit 4). */
  | { step: 'gate'; slos: readonly string[] };

export type SloKind =
  | 'recall'
  | 'latency'
  | 'errorRate'
  | 'recoveryTime'
  | 'durability'
  /** Security probes that must be refused and were not (or whose outcome is unknown). */
  | 'security'
  /** The longest time without a successful search around any upgrade step (ms). */
  | 'downtime'
  /** Upgrade steps whose result is off: index missing or changed, server reporting another version. */
  | 'upgrade'
  /** The longest time (ms) a query-node scale step took to balance segments over the nodes (src/checks/rebalance.ts). */
  | 'rebalanceTime'
  /** The longest time from a fault's start until operations succeed again (ms): a coordinator takeover. */
  | 'takeoverTime'
  /** The lowest availability of probe searches over the role steps of a rolling upgrade (0..1). */
  | 'rollingAvailability'
  /** DR: rows acknowledged after the backup point (expected loss), and seconds from the point to the last of them. */
  | 'rpoRows'
  | 'rpoSeconds'
  /** DR: ms from the destroy to the first good search window on the restored stack. */
  | 'rto'
  /** DR: restore verification items that failed (rows, deletes, versions, partition counts, index, partition key, recall, manifest). */
  | 'restore';

/**
 * A threshold relative to another phase of the same run: base × times + plus, where base is the
 * same measurement in `phase` (e.g. recovered p99 ≤ 2 × steady p99: { phase: 'steady', times: 2 }).
 */
export interface RelativeThreshold {
  phase: PhaseName;
  times: number;
  plus: number;
}

export interface SloSpec {
  name: string;
  kind: SloKind;
  /** Which phase it applies to; durability and recoveryTime ignore it. */
  phase: PhaseName | null;
  /** For latency: the percentile, e.g. 99. */
  percentile?: number;
  op: '<=' | '>=';
  threshold: number | RelativeThreshold;
  /** Stop the run as soon as this SLO is known to be missed (exit code 4). */
  abortOnBreach?: boolean;
  /**
   * recall only: the phase is cut into windows of this length and the worst window's mean recall
   * is measured (the threshold is its minimum); a window with no recall sample fails the SLO.
   */
  window?: Millis;
}

/** The verdict a scenario expects: a negative drill passes only when exactly these SLOs are missed. */
export interface Expectation {
  verdict: 'pass' | 'fail' | 'aborted';
  /** The SLOs that must be missed (all others met); empty for 'pass'. */
  slos: readonly string[];
}

export interface Scenario {
  name: string;
  description: string;
  seed: number;
  stack: StackSpec;
  collection: CollectionSpec;
  dataset: DatasetSpec;
  workload: WorkloadSpec;
  /** The timeline. A scenario written with the three-phase form gets steady → fault → recovered steps. */
  steps: readonly StepSpec[];
  recovery: { window: Millis };
  slos: readonly SloSpec[];
  expect: Expectation | null;
  /** A sizing projection (src/checks/sizing.ts); absent: none. */
  sizing?: SizingSpec;
}

/**
 * Measure memory and object storage at several dataset sizes in one run and project them to a
 * target scale: the setup loads `sizes` in turn (the last is dataset.rows) and measures each once
 * the query nodes serve it; after the run each of `indexes` is built and measured at full size.
 */
export interface SizingSpec {
  target: { rows: number; dim: number };
  /** Ascending row counts, at least two, the last dataset.rows. */
  sizes: readonly number[];
  /** Further index types measured at full size after the run (the scenario's own is measured at every size). */
  indexes: readonly IndexType[];
  /** One query node's memory for the node count (GiB). */
  nodeMemoryGiB: number;
}

/** One client operation, as Jepsen records it: it ended ok, failed, or we do not know. */
export interface OpRecord {
  /** Sequence number in the history; stable order for equal timestamps. */
  seq: number;
  op: 'insert' | 'flush' | 'compact' | 'index' | 'load' | 'search' | 'query' | 'count' | 'delete' | 'upsert' | 'ddl' | 'security';
  /** Milliseconds since the run's epoch (History.epochMs). */
  start: number;
  end: number;
  outcome: Outcome;
  latencyMs: number;
  phase: PhaseName;
  error?: string;
  errorClass?: string;
  /** For search: index of the query vector used. */
  queryIndex?: number;
  /** For search: ids returned, best first; for insert/delete: ids written; for query: ids found. */
  ids?: readonly number[];
  /** For search: distances/scores returned, aligned with ids. */
  scores?: readonly number[];
  /** For query: the ids asked for (ids holds those found). */
  keys?: readonly number[];
  /** For upsert: the version written per id; for query: the version found per id (aligned with ids). */
  versions?: readonly number[];
  /** For search: the scalar filter applied, if any. */
  filter?: { category: number };
  /** For count: the number of rows the server reported. */
  count?: number;
  /** Which driver issued it. Absent means the SDK correctness driver. */
  source?: 'sdk' | 'k6';
  /** For security: which probe, what it must do, and where it ran. `outcome` is what the server did. */
  probe?: SecurityProbe;
}

/**
 * One security probe. expect 'refused': outcome 'fail' means refused for the right reason (auth,
 * permission, TLS handshake); 'ok' means the server allowed what it must not. expect 'allowed':
 * 'ok' means it was allowed. 'unknown': the probe could not tell (server down, another error).
 */
export interface SecurityProbe {
  name: string;
  expect: 'refused' | 'allowed';
  point: SecurityPoint;
  /** What a missed 'allowed' probe is: a violation, or a finding only (RBAC after a restore that does not carry it). */
  severity: 'violation' | 'finding';
}

/** Something that happened to the system rather than a client operation. */
export interface HistoryEvent {
  at: number;
  kind: 'fault-start' | 'fault-end' | 'phase-start' | 'phase-end' | 'action-start' | 'action-end' | 'gate' | 'note';
  name: string;
  detail?: string;
}

export interface History {
  epochMs: number;
  ops: readonly OpRecord[];
  events: readonly HistoryEvent[];
}

export interface SloVerdict {
  slo: string;
  kind: SloKind | 'action';
  phase: PhaseName | null;
  measured: number | null;
  /** The threshold in force (a relative one resolved against its base phase; null when the base had no samples). */
  threshold: number | null;
  op: '<=' | '>=';
  samples: number;
  pass: boolean;
  reason: string;
}

export interface PhaseStats {
  phase: PhaseName;
  searches: number;
  ok: number;
  fail: number;
  unknown: number;
  /** ok / searches; null without searches. */
  availability: number | null;
  /** Mean recall@k of the phase's successful searches (k = the workload's topK). */
  recall: number | null;
  recallSamples: number;
  latency: { p50: number | null; p95: number | null; p99: number | null; p999: number | null };
}

/** Latency of one kind of operation from one driver in one phase (HDR histogram). */
export interface OpLatency {
  phase: PhaseName;
  op: OpRecord['op'];
  source: 'sdk' | 'k6';
  count: number;
  ok: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  p999: number | null;
}

/** A failure mode production teams report, found in the history. */
export interface Finding {
  detector: 'empty-results' | 'collection-missing' | 'collection-not-loaded' | 'failing-after-heal' | 'security' | 'partial-results';
  phase: PhaseName | null;
  count: number;
  firstAt: number;
  detail: string;
  /** partial-results: the time span (ms since the run's start) the finding covers. */
  window?: { start: number; end: number };
  /** partial-results: the steady baseline, the mean over the span, and the worst window's mean recall. */
  recall?: { baseline: number; mean: number; worst: number };
}

/** Mean recall@k of the successful searches that started in one window of a phase. */
export interface RecallWindow {
  start: number;
  end: number;
  samples: number;
  recall: number | null;
}

/** The windows of one windowed recall SLO's phase (one entry per distinct phase and window length). */
export interface WindowedRecall {
  phase: PhaseName;
  windowMs: Millis;
  windows: readonly RecallWindow[];
}

/** The server's own figures for a phase (Prometheus), to set beside the client's. */
export interface ServerPhaseView {
  phase: PhaseName;
  scrapes: number;
  failedScrapes: number;
  /** Searches the proxy counted, and its p50/p99 search latency (ms, from its histogram). */
  searches: number | null;
  searchFailures: number | null;
  p50: number | null;
  p99: number | null;
  /** Rows datacoord reports stored, at the phase's last good scrape. */
  storedRows: number | null;
}

export interface FaultWindow {
  name: string;
  kind: FaultKind;
  start: number;
  end: number;
  recoveryMs: number | null;
  /**
   * From the fault's start to the first recovery window (every probe ok) that opens after it: how
   * long the service took to fail over, heal or not (0 when no probe failed). null: never clean again.
   */
  failoverMs?: number | null;
  /** Probe searches from the fault's start to the end of that failover that did not succeed. */
  failedDuringFailover?: number;
  /**
   * From the fault's start until operations succeed again (a standby took over, or the component
   * came back), and the operations that failed meanwhile (src/checks/takeover.ts). Unlike
   * failoverMs, the SDK's writes count as well as its searches, and the clean window must open
   * after the last failure while the fault held, so failures that begin late (the proxy's cached
   * timestamps running out after a root coordinator kill) are not missed.
   */
  takeover?: { ms: number | null; failed: number; ops: number };
}

/**
 * 'unknown': a check could not be computed (it threw), so the run cannot be judged;
 * 'incomplete': the history ends before the run did (the runner was killed).
 */
export type Verdict = 'pass' | 'fail' | 'aborted' | 'error' | 'invalid' | 'interrupted' | 'unknown' | 'incomplete';

/** The first record of a history: everything needed to score it again without the run. */
export interface RunHeader {
  format: 1;
  runId: string;
  /** The resolved scenario (defaults and command-line overrides applied). */
  scenario: Scenario;
  platform: string;
  project: { name: string; version: string };
  /** Wall-clock time of the history's zero; every `at`, `start` and `end` is ms since it. */
  epochMs: number;
  startedAt: string;
}

/** What exact ground truth is computed over: the acknowledged initial rows as [first, last] id ranges. */
export interface TruthInputsRecord {
  baseIdRanges: readonly (readonly [number, number])[];
  queries: number;
  k: number;
  consistency: ConsistencyLevel;
  categories: readonly number[];
}

export interface ScrapeRecord {
  at: number;
  ok: boolean;
  samples: readonly { name: string; labels: Record<string, string>; value: number }[];
}

/** One line of history.jsonl, written as it happens. */
export type HistoryRecord =
  | ({ type: 'header' } & RunHeader)
  | { type: 'op'; op: OpRecord }
  | { type: 'event'; event: HistoryEvent }
  | { type: 'versions'; server: string; sdk: string }
  | { type: 'bring-up'; ms: number }
  | ({ type: 'truth-inputs' } & TruthInputsRecord)
  | { type: 'scrape'; scrape: ScrapeRecord }
  | { type: 'load'; load: NonNullable<RunReport['load']> }
  | { type: 'stopped'; breach: string | null; stepFailure: string | null }
  | { type: 'end'; finishedAt: string; error: string | null; interrupted: boolean };

/** A history read back: what the checks score. `end` is null when the runner was killed. */
export interface RecordedRun {
  header: RunHeader;
  history: History;
  versions: RunReport['versions'];
  bringUpMs: number | null;
  truthInputs: TruthInputsRecord | null;
  scrapes: readonly ScrapeRecord[];
  load: RunReport['load'];
  breach: string | null;
  stepFailure: string | null;
  end: { finishedAt: string; error: string | null; interrupted: boolean } | null;
}

/** Rows and sealed segments per query node id, from the query coordinator's view. */
export interface NodeBalanceView {
  rowsByNode: Record<string, number>;
  segmentsByNode: Record<string, number>;
  nodes: number;
  segments: number;
  rows: number;
  maxDeviation: number | null;
  /** Segments listed on more nodes than the others (loaded on a new node, not yet released on the old). */
  moving: number;
}

/** One scale step, measured from the history around its action. */
export interface RebalanceStep {
  role: string;
  from: number;
  to: number;
  added: readonly string[];
  removed: readonly string[];
  /** ms since the run's start: the step's start; when its processes were up (scale out) or stopped (scale in). */
  start: number;
  nodesReadyAt: number | null;
  /** The first sample, from the rebalance's start, in which the query nodes were balanced. */
  balancedAt: number | null;
  /**
   * Time to balance: from the new nodes being up to balanced (scale out), or from the step's
   * start, where the drain begins, to balanced (scale in). Null when never balanced.
   */
  rebalanceMs: number | null;
  /** Sealed segments and rows served at the first sample and once balanced (or at the last). */
  before: NodeBalanceView | null;
  after: NodeBalanceView | null;
  /** At least 4 sealed segments per node at the larger node count. */
  enoughSegments: boolean;
  /** Searches (probes and k6) that started between the step's start and balanced (or its end). */
  searches: number;
  failed: number;
  unknown: number;
  availability: number | null;
  p99Ms: number | null;
  samples: number;
  problems: readonly string[];
}

/** One sizing measurement: what the query nodes serve and what it costs (src/checks/sizing.ts). */
export interface SizingSample {
  at: number;
  index: IndexType;
  /** Rows in the sealed segments the query nodes serve (each segment once). */
  rows: number;
  /** Resident memory of each query-node process. */
  queryNodes: readonly { name: string; rssBytes: number }[];
  /** Milvus's own memory size of the served segments (GetQuerySegmentInfo mem_size; 0 where the server does not fill it, as 2.3.5 does not). */
  segmentMemBytes: number;
  /** Bytes in the object store's data directory; null where the platform cannot tell. */
  objectStoreBytes: number | null;
  /** For an index measured after the run: the same query nodes' summed RSS with the collection released, before this index was loaded. */
  releasedRssBytes?: number;
}

/** A projection to the target scale for one index type. */
export interface SizingProjection {
  index: IndexType;
  /**
   * 'fit': per row from the line through every size; 'full size': the RSS that loading it at full
   * size added to the released query nodes, per row; 'segment size': Milvus's own segment memory per row, where RSS did not grow cleanly.
   */
  basis: 'fit' | 'full size' | 'segment size';
  /** Query-node memory per row at the measured dim, and scaled to the target dim. */
  perRowBytes: number;
  perRowBytesAtTarget: number;
  /** Milvus's own segment memory per row at the measured dim. */
  segmentBytesPerRow: number | null;
  queryNodes: number | null;
  memoryBytes: number;
  formula: string;
}

export interface SizingReport {
  target: { rows: number; dim: number };
  measuredDim: number;
  nodeMemoryGiB: number;
  samples: readonly SizingSample[];
  /** Query-node RSS = nodes × fixedPerNodeBytes + rows × perRowBytes, fitted over the sizes. */
  memory: { nodes: number; fixedPerNodeBytes: number; perRowBytes: number; r2: number | null } | null;
  /** Object store bytes = fixedBytes + rows × perRowBytes, fitted; targetBytes at the target scale. */
  storage: { fixedBytes: number; perRowBytes: number; perRowBytesAtTarget: number; targetBytes: number; formula: string } | null;
  projections: readonly SizingProjection[];
  problems: readonly string[];
}

/** One upgrade (or rollback) step, measured from the history around its action. */
export interface UpgradeStep {
  from: string | null;
  to: string;
  /** ms since the run's start: the action's start and end. */
  start: number;
  end: number | null;
  /** The action's own time (stop, start, healthy). */
  durationMs: number | null;
  /** The first successful search after the action ended, ms since the run's start; null if none. */
  searchableAt: number | null;
  /** The longest time without a successful search from before the step until searchable again. */
  downtimeMs: number | null;
  /** Probe searches from the step's start until searchable again. */
  searches: number;
  availability: number | null;
  p99Ms: number | null;
  /** What the server said it was after the step. */
  serverAfter: string | null;
  indexBefore: string | null;
  indexAfter: string | null;
  problems: readonly string[];
  /** The upgrade's steps, one per process replaced, in order (one for an in-place upgrade); absent when the platform reported none. */
  roles?: readonly RollStep[];
}

/** One process replaced during a rolling upgrade, and the service meanwhile (from the step's start until the next one's). */
export interface RollStep {
  /** The Milvus role (rootcoord, querynode, ...) and the process replaced. */
  role: string;
  instance: string;
  start: number;
  /** When the process was healthy again on the new version; null if it never was. */
  end: number | null;
  /** How the old process stopped: its stop time and whether it had to be SIGKILLed past the deadline. */
  stopMs: number | null;
  killed: boolean | null;
  /** Probe searches from this step's start until the next step's start (or until searchable again after the last). */
  searches: number;
  availability: number | null;
  p99Ms: number | null;
  /** 'ok', or why the step failed. */
  outcome: string;
  /** What the step could not check, when the platform said. */
  note?: string;
}

/** A span of the run: ms since the run's start (as phaseWindows), and its length. */
export interface DrSpan {
  start: number;
  end: number;
  ms: number;
}

/** One backed-up object as the manifest lists it. */
export interface DrManifestEntry {
  /** The object's key under the backup (e.g. 'insert_log/<collection>/<partition>/<segment>/<field>/<log>'). */
  key: string;
  size: number;
  sha256: string;
}

/** One restore verification: what was compared, what was expected, what was found. */
export interface DrVerificationItem {
  /** 'manifest', 'rows', 'deletes', 'versions', 'partition counts', 'index', 'partition key', 'recall', 'schema'. */
  check: string;
  pass: boolean;
  expected: string;
  found: string;
  /** Why it failed, naming what (an object key, an id sample, a partition); '' when it passed. */
  detail: string;
}

/**
 * The disaster-recovery figures of a run with backup and restore steps: report.json `dr` (null
 * without them). Every time is ms since the run's start; every duration ms. Figures a run could
 * not measure are null, never 0.
 */
export interface DrReport {
  /** How the backup was taken: milvus-drill's own binlog copy, a cold snapshot, or the milvus-backup tool. */
  method: 'binlog' | 'cold-snapshot' | 'milvus-backup';
  backup: {
    name: string;
    /** The backup action (pause GC, flush, describe, copy, manifest). */
    span: DrSpan;
    /** The backup point: writes acknowledged before it must come back (the flush's start). */
    pointAt: number;
    /** The acknowledged-ops cut: the history `seq` of the last write acknowledged before the point. */
    cutSeq: number;
    /** Rows the source held at the point: a binlog backup's segments count them (before deletes), a cold snapshot the partition counts (after deletes). */
    rows: number;
    segments: number | null;
    objects: number;
    bytes: number;
    /** Where the copy went: a directory, or 'bucket/prefix'. */
    location: string;
    /** How garbage collection was kept off the copied segments (paused, and how; or why not). */
    gcPause: string;
  } | null;
  /** When the source stack was destroyed. */
  destroyAt: number | null;
  restore: {
    name: string;
    /** From the restore action's start to its end (create, import, index, load). */
    span: DrSpan;
    /** Bulk import of the binlogs alone. */
    import: DrSpan | null;
    indexBuild: DrSpan | null;
    load: DrSpan | null;
    /** Rows the import brought back, and import throughput (rows / import seconds). */
    rows: number | null;
    rowsPerSecond: number | null;
    /** The manifest's checksums were verified before import (false: switched off by the scenario). */
    manifestChecked: boolean;
    /** Objects whose checksum or size did not match, and objects missing from the backup: by key. */
    corrupted: readonly string[];
    missing: readonly string[];
  } | null;
  rpo: {
    /** Acknowledged writes (rows) after the backup point, to the destroy: the expected loss. */
    rows: number;
    /** From the backup point to the last write acknowledged before the destroy. */
    seconds: number;
    /** Rows acknowledged before the point that came back wrong (missing, stale, resurrected): durability failures. */
    lostBeforePoint: number;
  } | null;
  rto: {
    /** From the destroy to the start of the first window of searches that all succeeded, their mean recall@k at threshold; null: never. */
    ms: number | null;
    /** That window, on the restored stack. */
    firstGoodWindow: { start: number; end: number } | null;
    /** The parts: bringing a new stack up, the restore's import, index build, load. */
    upMs: number | null;
    restoreMs: number | null;
    indexBuildMs: number | null;
    loadMs: number | null;
    /** The recall a window needed, and the window's length. */
    recallThreshold: number;
    windowMs: number;
  } | null;
  verification: { pass: boolean; items: readonly DrVerificationItem[] } | null;
  /** Backup, destroy, up, restore start/end, index, load, first good window: in time order. */
  timeline: readonly { at: number; what: string }[];
}

export interface RunReport {
  runId: string;
  scenario: string;
  seed: number;
  platform: PlatformName;
  milvusVersion: string;
  /** What the server and the SDK say they are, once connected. */
  versions: { server: string; sdk: string } | null;
  startedAt: string;
  finishedAt: string;
  bringUpMs: number | null;
  /** k of recall@k. */
  recallK: number;
  /** In-memory replicas the collection was loaded with (collection.replicas). */
  replicas?: number;
  verdict: Verdict;
  exitCode: number;
  error: string | null;
  phases: readonly PhaseStats[];
  /** When each phase ran, in ms since the run's start. */
  phaseWindows: readonly { phase: PhaseName; start: number; end: number }[];
  faults: readonly FaultWindow[];
  durability: {
    acknowledged: number;
    found: number;
    missing: number;
    resurrected: number;
    stale: number;
    uncertain: number;
    unverified: number;
    count: { reported: number; min: number; max: number } | null;
    /** The first few ids of each kind of violation, to start an investigation from. */
    samples: { missing: readonly number[]; resurrected: readonly number[]; stale: readonly number[] };
  } | null;
  slos: readonly SloVerdict[];
  latencyByOp: readonly OpLatency[];
  findings: readonly Finding[];
  server: readonly ServerPhaseView[];
  /** The k6 load, when the scenario had one. */
  load: { searches: number; dropped: number; thresholds: readonly { metric: string; threshold: string; pass: boolean }[] } | null;
  /** The SLO (or gate) whose breach stopped the run early, if one did. */
  abortedOnBreach: string | null;
  /** A step that could not complete (an action failed, a wait timed out). */
  stepFailure: string | null;
  /** Checks that threw: their error, and the verdict is 'unknown'. */
  checkErrors: readonly { check: string; error: string }[];
  /** The history ended before the run did (the runner was killed). */
  incomplete: boolean;
  /** Every security probe as it ran (when the stack had security on): the evidence behind the security SLO. */
  security?: { probes: readonly { name: string; point: SecurityPoint; expect: SecurityProbe['expect']; severity: SecurityProbe['severity']; outcome: Outcome; status: 'held' | 'breached' | 'unknown'; at: number; evidence: string }[] } | null;
  /** What the scenario expected, and whether the run did exactly that. */
  expectation: { expected: Expectation; outcome: 'pass' | 'fail' | 'aborted'; met: boolean; reason: string } | null;
  /** Each upgrade step, in order; empty without upgrade steps. */
  upgrades: readonly UpgradeStep[];
  /** Disaster-recovery figures (backup, restore, RPO, RTO, verification); null without backup/restore steps. */
  dr?: DrReport | null;
  /** Each scale step, in order (src/checks/rebalance.ts); absent or empty without scale steps. */
  rebalances?: readonly RebalanceStep[];
  /** The sizing projection, when the scenario asked for one. */
  sizing?: SizingReport | null;
  /** Time series for charts: [ms since epoch, value]. */
  series: {
    searchLatency: readonly (readonly [number, number, Outcome])[];
    recall: readonly (readonly [number, number])[];
  };
}

export const EXIT = {
  pass: 0,
  sloMissed: 1,
  harness: 2,
  invalidScenario: 3,
  /** An SLO marked abortOnBreach was missed and the run stopped early. */
  abortedOnBreach: 4,
  interrupted: 130,
} as const;
