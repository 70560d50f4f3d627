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
  /** Exact-pruning bounds for a generated source (see bounds.ts). */
  bounds?: ClusterBounds;
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
