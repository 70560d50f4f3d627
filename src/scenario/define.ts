import type {
  ConsistencyLevel,
  EtcdMember,
  FaultKind,
  IndexSpec,
  Metric,
  PhaseName,
  Role,
  ScalarField,
  SloKind,
  TargetMode,
  Topology,
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
    /** Container image per component for --platform containers, e.g. { milvus: 'milvusdb/milvus:v2.5.4' }. */
    images?: { milvus?: string; etcd?: string; minio?: string; kafka?: string };
  };
  collection?: {
    name?: string;
    shards?: number;
    partitionKey?: { field: ScalarField; partitions?: number } | null;
    scalarFields?: ScalarField[];
    index?: Partial<IndexSpec> & { type: IndexSpec['type'] };
    consistency?: ConsistencyLevel;
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
  phases?: { steady?: DurationInput; fault?: DurationInput; recovered?: DurationInput };
  faults?: FaultInput[];
  recovery?: { window?: DurationInput };
  slos?: SloInput[];
}

export interface FaultInput {
  name?: string;
  kind: FaultKind;
  target: { role: Role; mode?: TargetMode; member?: EtcdMember };
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
  threshold: number;
  /** Stop the run as soon as this SLO is known to be missed (exit code 4). */
  abortOnBreach?: boolean;
}

/** Marks a module's default export as a scenario and gives authors type checking. */
export function defineScenario(input: ScenarioInput): ScenarioInput {
  return input;
}
