import type { ActionKind, ActionSpec, FaultSpec, StackSpec, ValidationError } from './types.ts';

/** What the runner needs from any platform; the platform's internals stay behind it. */
export interface RunContext {
  runId: string;
  /** The run's work directory: configs, data dirs and component logs. */
  workDir: string;
  signal: AbortSignal;
  log: (message: string) => void;
  /** The run's seed; a platform draws whatever it picks at random (fault targets) from it. */
  seed: number;
  /** Bring the stack up from a backup taken at the infrastructure level (a cold snapshot's directory), where the platform can. */
  restoreFrom?: { method: 'cold-snapshot'; dir: string } | null;
  /** milvus.yaml overrides for this stack (an 'up' step's config: a DR site with another bucket and root path). */
  milvusConfig?: Record<string, unknown>;
}

export interface ComponentInfo {
  name: string;
  role: string;
  pid: number | null;
  logFile: string;
}

export interface ActiveFault extends AsyncDisposable {
  readonly spec: FaultSpec;
  /** Resolves when the fault has been healed (its own duration elapsed, or disposed early). */
  readonly healed: Promise<void>;
  /** The components it hit, when the platform can say (e.g. which coordinator was the active one). */
  readonly targets?: readonly string[];
}

/** How a client reaches a stack with TLS on: files the platform generated for the run. */
export interface ClientTls {
  mode: 'one-way' | 'mutual';
  caPath: string;
  /** The client's certificate and key (mutual TLS only). */
  certPath: string | null;
  keyPath: string | null;
  /** The name the server's certificate is issued to. */
  serverName: string;
}

/** How to reach the object store a stack keeps its segments in (S3 API), and where Milvus writes. */
export interface ObjectStoreAccess {
  /** host:port of the S3 endpoint (plain HTTP). */
  endpoint: string;
  accessKey: string;
  secretKey: string;
  /** Milvus's bucket and root path (minio.bucketName, minio.rootPath). */
  bucket: string;
  rootPath: string;
}

export interface Stack extends AsyncDisposable {
  /** host:port of the Milvus gRPC endpoint. */
  readonly milvusAddress: string;
  readonly milvusVersion: string;
  /** Prometheus metrics endpoint of Milvus, when it has one. */
  readonly metricsUrl: string | null;
  /** Client TLS files when the stack runs TLS; absent or null without. */
  readonly clientTls?: ClientTls | null;
  /** Its object store, for binlog backups; absent or null where it has none (objectStore 'local'). */
  readonly objectStore?: ObjectStoreAccess | null;
  /** Milvus's HTTP endpoint (metrics, health, management API), e.g. http://127.0.0.1:9091; absent where it has none. */
  readonly httpUrl?: string | null;
  /** The data coordinator's gRPC address (its GcControl pauses garbage collection); absent where not reachable. */
  readonly dataCoordAddress?: string | null;
  components(): ComponentInfo[];
  /** Applies a fault now; it heals itself after spec.duration, or when disposed. */
  inject(fault: FaultSpec, signal: AbortSignal): Promise<ActiveFault>;
  /**
   * Performs one of the platform's `stackActions` (e.g. restart); resolves once it is done. An
   * action made of steps (a rolling upgrade: one process after another) reports each through
   * `progress`, so the history can time them.
   */
  perform(action: ActionSpec, signal: AbortSignal, progress?: (step: ActionProgress) => void): Promise<void>;
  /** What the stack's processes use now, for sizing; absent where the platform cannot tell. */
  usage?(): Promise<StackUsage>;
}

export interface StackUsage {
  /** Resident memory per component process (null: not running or unreadable). */
  processes: { name: string; role: string; rssBytes: number | null }[];
  /** Bytes in the object store's data directory; null where it cannot be read. */
  objectStoreBytes: number | null;
}

/** One step of a multi-step action, as it starts and as it ends. */
export interface ActionProgress {
  at: 'start' | 'end';
  /** The Milvus role of the process (rootcoord, querynode, ...) and the process. */
  role: string;
  instance: string;
  /** At 'end': 'ok', or why the step failed. */
  outcome?: string;
  /** At 'end': how long the old process took to stop, and whether it was SIGKILLed past its deadline. */
  stopMs?: number;
  killed?: boolean;
  /** At 'end': what the step could not check (e.g. whether a query node serves its rows again). */
  note?: string;
}

export interface Platform {
  readonly name: string;
  /**
   * The actions this platform can perform: those its stacks `perform`, and 'destroy'/'up', which
   * the runner does by disposing a stack and bringing up another. (flush and compact go through
   * the SDK and need nothing of a platform.)
   */
  readonly actions: readonly ActionKind[];
  /** What of a valid scenario this platform cannot do, as scenario errors (checked before anything starts). */
  check(stack: StackSpec, faults: readonly FaultSpec[]): ValidationError[];
  up(stack: StackSpec, ctx: RunContext): Promise<Stack>;
}
