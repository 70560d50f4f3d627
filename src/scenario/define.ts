import type {
  DamageMode,
  ActionKind,
  BackupMethod,
  ConsistencyLevel,
  CoordinatorLayout,
  CoordinatorRole,
  FaultKind,
  IndexSpec,
  IndexType,
  Metric,
  PhaseName,
  Role,
  ScalarField,
  SloKind,
  TargetMember,
  TargetMode,
  Topology,
  WaitCondition,
} from '../core/types.ts';
import type { DurationInput } from './duration.ts';

/** What a scenario author writes. Durations may be strings; omitted fields take defaults. */
export interface ScenarioInput {
  name: string;
  description?: string;
  seed?: number;
  stack?: {
    milvusVersion?: string;
    topology?: Topology;
    etcd?: { members?: number };
    messageQueue?: 'rocksmq' | 'kafka' | 'pulsar';
    objectStore?: 'minio' | 'local';
    /** Authorization, a generated root password and TLS (certificates generated per run); probes run by default when on. */
    security?: { authorization?: boolean; rootPassword?: 'generated' | null; tls?: 'off' | 'one-way' | 'mutual'; rbacSurvivesRestore?: boolean };
    /** Container image per component for --platform containers, e.g. { milvus: 'milvusdb/milvus:v2.5.4' }. */
    images?: { milvus?: string; etcd?: string; minio?: string; kafka?: string };
    /** milvus.yaml overrides for every Milvus process from bring-up on (local platform), e.g. { dataCoord: { segment: { maxSize: 2 } } }. */
    config?: Record<string, unknown>;
    /** Cluster coordinators: 'mixture' (one process, the default), 'separate' (one per role), 'active-standby' (each role twice). */
    coordinators?: CoordinatorLayout;
  };
  collection?: {
    name?: string;
    shards?: number;
    partitionKey?: { field: ScalarField; partitions?: number } | null;
    scalarFields?: ScalarField[];
    index?: Partial<IndexSpec> & { type: IndexSpec['type'] };
    consistency?: ConsistencyLevel;
    /** In-memory replicas to load (loadCollection's replica_number), each on its own query node; default 1. */
    replicas?: number;
  };
  dataset?: {
    profile?: string;
    dim?: number;
    metric?: Metric;
    rows?: number;
    batchSize?: number;
    queries?: number;
  };
  workload?: {
    search?: {
      every?: DurationInput;
      concurrency?: number;
      topK?: number;
      timeout?: DurationInput;
      /** A share of probes searches with `category == c` (0: 50% of rows, 1: 10%, 2: 1%). */
      filtered?: { share: number; categories?: number[] };
    };
    churn?: { deletesPerSecond?: number; upsertsPerSecond?: number } | null;
    /**
     * k6 open-model search load, besides the probes: a constant rate or ramp stages; and write
     * streams of `rate` batches/s × `batchSize` rows (ids: src/scenario/load-writes.ts).
     */
    load?: {
      rate?: number;
      stages?: { target: number; duration: DurationInput }[];
      maxVUs?: number;
      timeout?: DurationInput;
      writes?: { op: 'insert' | 'upsert' | 'delete'; rate: number; batchSize: number }[];
    } | null;
  };
  /** The three-phase form: steady, then a fault phase holding `faults`, then recovered. */
  phases?: { steady?: DurationInput; fault?: DurationInput; recovered?: DurationInput };
  faults?: FaultInput[];
  /** The timeline as steps, run in order (instead of phases + faults). */
  steps?: StepInput[];
  recovery?: { window?: DurationInput };
  slos?: SloInput[];
  /** A negative drill: the run passes only when exactly this verdict and these missed SLOs happen. */
  expect?: { verdict: 'pass' | 'fail' | 'aborted'; slos?: string[] } | null;
  /** A sizing projection: sizes loaded in turn during setup, further index types measured after the run, the target to project to. */
  sizing?: { target: { rows: number; dim: number }; sizes: number[]; indexes?: IndexType[]; nodeMemoryGiB?: number } | null;
}

export type StepInput =
  /** A phase: held for `duration`, or `until` a condition (at most `timeout`); `after: 'recovery'` first waits for recovery in a phase 'recovering'. */
  | { phase: PhaseName; duration?: DurationInput; until?: WaitCondition; timeout?: DurationInput; after?: 'recovery'; faults?: FaultInput[] }
  /** A fault injected now (after its `at`), waited for until healed. */
  | { fault: FaultInput }
  | ({ action: ActionKind; timeout?: DurationInput } & ActionParams)
  | { wait: WaitCondition; timeout?: DurationInput }
  /** SLOs checked on the history so far; a miss stops the run with exit code 4. */
  | { gate: string | string[] };

interface ActionParams {
  target?: { role: Role; instance?: string };
  /** milvus.yaml overrides as nested objects, e.g. { common: { security: { authorizationEnabled: true } } }. */
  config?: Record<string, unknown>;
  name?: string;
  version?: string;
  /** upgrade: a downgrade is intended (a rollback test); refused otherwise. */
  rollback?: boolean;
  /** backup: the directory it goes to (default: under the run's work directory). */
  dir?: string;
  /**
   * backup: 'binlog' (default: milvus-drill's binlog copy) or 'cold-snapshot' (local platform:
   * stops the stack, saves etcd and the MinIO bucket; follow it with destroy, up, restore).
   */
  method?: BackupMethod;
  /** restore: false skips the manifest's SHA-256 check (default true). */
  verifyChecksums?: boolean;
  /** damage-backup: flip bytes in, or remove, one object of the given binlog kind; or strip the index records, or every segment and object (metadata only). */
  mode?: DamageMode;
  object?: 'insert' | 'delta';
  replicas?: number;
}

export interface FaultInput {
  name?: string;
  kind: FaultKind;
  target: { role: Role; mode?: TargetMode; member?: TargetMember; instance?: string; coordinator?: CoordinatorRole };
  at?: DurationInput;
  duration: DurationInput;
  params?: Record<string, unknown>;
}

export interface SloInput {
  name?: string;
  kind: SloKind;
  phase?: PhaseName;
  percentile?: number;
  op?: '<=' | '>=';
  /** A number, or relative to the same measurement in another phase: base × times + plus. */
  threshold?: number | { phase: PhaseName; times?: number; plus?: number };
  /** recall only: judge the phase per window of this length; the worst window's mean recall must be ≥ min. */
  window?: DurationInput;
  /** The windowed recall SLO's threshold (instead of threshold): the lowest mean recall a window may have. */
  min?: number | { phase: PhaseName; times?: number; plus?: number };
  /** Stop the run as soon as this SLO is known to be missed (exit code 4). */
  abortOnBreach?: boolean;
}

/** Marks a module's default export as a scenario and gives authors type checking. */
export function defineScenario(input: ScenarioInput): ScenarioInput {
  return input;
}
