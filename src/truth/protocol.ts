import type { Metric } from '../core/types.ts';
import type { Candidates, ClusterBounds } from './kernel.ts';
import type { RowSourceSpec } from './rows.ts';
import type { WasmModule } from './wasm-api.ts';

/** Messages between the truth engine and its worker threads. */
export interface ScanSetup {
  module: WasmModule;
  metric: Metric;
  dim: number;
  k: number;
  queries: Float32Array;
  source: RowSourceSpec;
  /** Exact-pruning bounds: generator clusters (bounds.ts) or a stored base's leaves (partition.ts). */
  bounds?: ClusterBounds;
  /** Each query's k-th badness known before the scan (rows beyond it are never kept). */
  thresholds?: Float32Array;
}

/** Rows [position, position+count) of the source. */
export interface ScanTask {
  position: number;
  count: number;
  /** Id of the row at `position` when `rowIds` is absent (ids run consecutively from it). */
  firstId: number;
  /** For a `slots` source: the slot the main thread copied the task's rows into. */
  slot?: number;
  rowIds?: Int32Array;
  /** Rows at these base positions instead of [position, position+count) (a stored base's leaf). */
  positions?: Int32Array;
  /** The bounds' cluster all the task's rows belong to: only the queries it may serve see them. */
  cluster?: number;
  /** One byte per row: 0 skips it (the request's filter said no). */
  mask?: Uint8Array;
}

export type ToWorker =
  | { type: 'setup'; setup: ScanSetup }
  | { type: 'task'; task: ScanTask }
  | { type: 'finish' };

export type FromWorker =
  | { type: 'done' }
  | { type: 'candidates'; candidates: Candidates }
  | { type: 'error'; message: string };
