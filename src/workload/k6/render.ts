// Renders a K6WorkloadSpec into what the fixed k6 script (script/drill.js) runs: k6 options
// (scenarios and thresholds, passed with --config) and the script's own config (read with open()).
// The script is fixed code and the workload is data, so nothing user-supplied is ever spliced
// into JavaScript.
import type { SloSpec } from '../../core/types.ts';
import { k6SpecProblems, type ArrivalSpec, type K6WorkloadSpec, type VuSpec, type WriteOp } from './spec.ts';

/** Custom metrics the script emits for every operation. */
export const OP_METRIC = 'drill_op';
export const OP_FAILED_METRIC = 'drill_op_failed';
export const GRPC_DURATION_METRIC = 'grpc_req_duration';

interface ArrivalScenarioFields {
  /** Name of the script's exported function. */
  exec: string;
  /** Delay from the start of the run, when not 0. */
  startTime?: string;
  timeUnit: string;
  preAllocatedVUs: number;
  maxVUs: number;
  gracefulStop: string;
  tags: { op: string };
}

export type K6Scenario =
  | (ArrivalScenarioFields & { executor: 'constant-arrival-rate'; rate: number; duration: string })
  | (ArrivalScenarioFields & {
      executor: 'ramping-arrival-rate';
      startRate: number;
      stages: { target: number; duration: string }[];
    });

export interface K6Options {
  scenarios: Record<string, K6Scenario>;
  thresholds: Record<string, string[]>;
  summaryTrendStats: string[];
}

export interface K6StreamConfig {
  op: WriteOp;
  batchesFile: string;
}

/** What script/drill.js reads, minus the run-time address and proto directory. */
export interface K6ScriptConfig
  extends Pick<K6WorkloadSpec, 'collection' | 'idField' | 'vectorField' | 'dim' | 'metric' | 'topK' | 'consistency' | 'queryVectorsFile' | 'phases' | 'recordSearchResults'> {
  searchParamsJson: string;
  timeoutMs: number;
  /** Write streams by scenario name. */
  streams: Record<string, K6StreamConfig>;
}

export interface RenderedK6Workload {
  options: K6Options;
  script: K6ScriptConfig;
}

const ms = (n: number): string => `${Math.round(n)}ms`;

/**
 * k6 rates are integers per timeUnit; fractional rates (0.5/s) are expressed per 1000 s, which
 * spaces arrivals identically.
 */
function rateScale(rates: readonly number[]): { timeUnit: string; scale: (r: number) => number } {
  if (rates.every((r) => Number.isInteger(r))) return { timeUnit: '1s', scale: (r) => r };
  return { timeUnit: '1000s', scale: (r) => Math.round(r * 1000) };
}

/** The script's exported function per op ('delete' is a reserved word in JavaScript). */
const EXEC_OF: Record<'search' | WriteOp, string> = { search: 'search', insert: 'insert', upsert: 'upsert', delete: 'remove', query: 'query' };

function arrivalScenario(arrival: ArrivalSpec, vus: VuSpec, op: 'search' | WriteOp, gracefulStop: string): K6Scenario {
  const common = { exec: EXEC_OF[op], preAllocatedVUs: vus.preAllocated, maxVUs: vus.max, gracefulStop, tags: { op } };
  if (arrival.kind === 'constant') {
    const { timeUnit, scale } = rateScale([arrival.rate]);
    return { executor: 'constant-arrival-rate', rate: scale(arrival.rate), timeUnit, duration: ms(arrival.duration), ...common };
  }
  const { timeUnit, scale } = rateScale([arrival.startRate, ...arrival.stages.map((s) => s.target)]);
  return {
    executor: 'ramping-arrival-rate',
    startRate: scale(arrival.startRate),
    timeUnit,
    stages: arrival.stages.map((s) => ({ target: scale(s.target), duration: ms(s.duration) })),
    ...common,
  };
}

function selector(metric: string, tags: Record<string, string>): string {
  const parts = Object.entries(tags).map(([k, v]) => `${k}:${v}`);
  return `${metric}{${parts.join(',')}}`;
}

/**
 * k6 thresholds for the SLOs k6 can judge while it runs: search latency percentiles and search
 * error rates, per phase when the SLO names one. Recall, recovery time and durability need the
 * whole history and are judged by the checks, not here. An unknown outcome counts as a failure.
 */
export function thresholdsFromSlos(slos: readonly SloSpec[], scheduledPhases: readonly string[] = []): Record<string, string[]> {
  const thresholds: Record<string, string[]> = {};
  const add = (key: string, expression: string): void => {
    (thresholds[key] ??= []).push(expression);
  };
  // k6 judges only what it can judge alone: fixed thresholds, over phases whose bounds it was given.
  // Anything else is left to the checks, so k6 and the report never give two verdicts that disagree.
  const judged = slos.filter((slo) => typeof slo.threshold === 'number' && (slo.phase === null || scheduledPhases.includes(slo.phase)));
  for (const slo of judged) {
    const tags: Record<string, string> = { op: 'search', ...(slo.phase ? { phase: slo.phase } : {}) };
    if (slo.kind === 'latency') {
      add(selector(GRPC_DURATION_METRIC, tags), `p(${slo.percentile ?? 99})${slo.op}${slo.threshold}`);
    } else if (slo.kind === 'errorRate') {
      add(selector(OP_FAILED_METRIC, tags), `rate${slo.op}${slo.threshold}`);
    }
  }
  return thresholds;
}

function uniqueStreamNames(ops: readonly WriteOp[]): string[] {
  return ops.map((op, i) => (ops.filter((o) => o === op).length > 1 ? `${op}_${i}` : op));
}

/** Renders the k6 options and script config; throws listing every problem with the spec. */
export function renderK6Workload(spec: K6WorkloadSpec, slos: readonly SloSpec[]): RenderedK6Workload {
  const problems = k6SpecProblems(spec);
  if (problems.length > 0) throw new Error(`invalid k6 workload:\n  ${problems.join('\n  ')}`);
  // In-flight calls may finish after the scenario ends, so none is cut off mid-call and lost.
  const gracefulStop = ms(spec.timeout + 5_000);
  const scenarios: Record<string, K6Scenario> = {};
  const streams: Record<string, K6StreamConfig> = {};
  if (spec.search) scenarios.search = arrivalScenario(spec.search.arrival, spec.search.vus, 'search', gracefulStop);
  const names = uniqueStreamNames(spec.writes.map((w) => w.op));
  spec.writes.forEach((w, i) => {
    const name = names[i]!;
    const arrival: ArrivalSpec = { kind: 'constant', rate: w.rate, duration: w.duration };
    const scenario = arrivalScenario(arrival, w.vus, w.op, gracefulStop);
    scenarios[name] = w.startAfter > 0 ? { ...scenario, startTime: ms(w.startAfter) } : scenario;
    streams[name] = { op: w.op, batchesFile: w.batchesFile };
  });
  return {
    options: {
      scenarios,
      thresholds: thresholdsFromSlos(slos, spec.phases.map((p) => p.name).filter((n) => n !== 'unscheduled')),
      summaryTrendStats: ['count', 'min', 'med', 'avg', 'p(90)', 'p(95)', 'p(99)', 'p(99.9)', 'max'],
    },
    script: {
      collection: spec.collection,
      idField: spec.idField,
      vectorField: spec.vectorField,
      dim: spec.dim,
      metric: spec.metric,
      topK: spec.topK,
      searchParamsJson: JSON.stringify(spec.searchParams),
      consistency: spec.consistency,
      timeoutMs: spec.timeout,
      queryVectorsFile: spec.queryVectorsFile,
      phases: spec.phases,
      recordSearchResults: spec.recordSearchResults,
      streams,
    },
  };
}
