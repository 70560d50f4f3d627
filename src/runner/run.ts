import { mkdirSync, writeFileSync, cpSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { EXIT, type History, type RunReport, type Scenario, type Verdict } from '../core/types.ts';
import type { Platform, Stack } from '../core/platform.ts';
import { HistoryRecorder } from '../history/recorder.ts';
import { createDataset } from '../dataset/index.ts';
import { SdkDriver } from '../workload/sdk.ts';
import { DisposalStack } from '../util/disposal.ts';
import { delay } from '../util/poll.ts';
import { buildTruth } from './truth.ts';
import { phaseStats, faultWindows, phaseWindows } from '../checks/phases.ts';
import { durability, type DurabilityResult } from '../checks/durability.ts';
import { searchRecall } from '../checks/recall.ts';
import type { Truth } from '../checks/truth.ts';
import { evaluateSlos, exitCodeFor } from '../slo/verdicts.ts';
import { writeReports } from '../report/write.ts';

export interface RunOptions {
  platform: Platform;
  runId: string;
  outDir: string;
  signal: AbortSignal;
  log: (message: string) => void;
}

export class Interrupted extends Error {}

/** Runs a validated scenario end to end and writes its reports. Never throws: the report says what happened. */
export async function runScenario(scenario: Scenario, opts: RunOptions): Promise<RunReport> {
  const startedAt = new Date();
  const history = new HistoryRecorder(startedAt.getTime());
  const workDir = join(tmpdir(), `milvus-drill-${opts.runId}`);
  mkdirSync(opts.outDir, { recursive: true });
  mkdirSync(workDir, { recursive: true });
  const state: RunState = { bringUpMs: null, truth: null, durability: null, stack: null };
  let error: unknown = null;
  try {
    await execute(scenario, opts, history, workDir, state);
  } catch (err) {
    error = err;
  } finally {
    keepLogs(workDir, join(opts.outDir, 'logs'));
    rmSync(workDir, { recursive: true, force: true });
  }
  const report = buildReport(scenario, opts, history.snapshot(), state, startedAt, error);
  writeReports(opts.outDir, report, history.snapshot());
  return report;
}

interface RunState {
  bringUpMs: number | null;
  truth: Truth | null;
  durability: DurabilityResult | null;
  stack: Stack | null;
}

async function execute(s: Scenario, opts: RunOptions, history: HistoryRecorder, workDir: string, state: RunState): Promise<void> {
  const { signal, log } = opts;
  await using resources = new DisposalStack();
  const t0 = Date.now();
  const stack = resources.use(await opts.platform.up(s.stack, { runId: opts.runId, workDir, signal, log }));
  state.stack = stack;
  state.bringUpMs = Date.now() - t0;
  log(`stack ready in ${(state.bringUpMs / 1000).toFixed(1)} s; Milvus at ${stack.milvusAddress}`);

  const driver = resources.use(await SdkDriver.connect(stack.milvusAddress, history, s.collection));
  const dataset = createDataset({ profile: s.dataset.profile, dim: s.dataset.dim, metric: s.dataset.metric, seed: s.seed });
  const step = async (what: string, record: Promise<{ outcome: string; error?: string }>): Promise<void> => {
    const r = await record;
    if (r.outcome !== 'ok') throw new Error(`${what} failed: ${r.error ?? r.outcome}`);
    signal.throwIfAborted();
  };
  await step('create collection', driver.createCollection(s.dataset));
  const progress = throttled(log, 5000);
  const acknowledged = await driver.insertAll(dataset, s.dataset, (n) => progress(`inserted ${n}/${s.dataset.rows} rows`), signal);
  log(`inserted ${acknowledged.length} rows; flushing`);
  await step('flush', driver.flush());
  log(`building ${s.collection.index.type} index`);
  await step('build index', driver.buildIndex(s.dataset.metric, signal));
  log('loading collection');
  await step('load collection', driver.load());

  const queries = dataset.queries(s.dataset.queries);
  log(`computing exact top-${s.workload.search.topK} for ${s.dataset.queries} queries over ${acknowledged.length} rows`);
  state.truth = buildTruth(dataset, acknowledged, queries, s.workload.search.topK);
  signal.throwIfAborted();

  const probing = new AbortController();
  const stopProbes = (): void => probing.abort();
  signal.addEventListener('abort', stopProbes, { once: true });
  const probes = driver.runSearchProbes(queries, s.dataset.dim, s.workload.search, probing.signal);
  try {
    await runPhases(s, stack, history, signal, log);
  } finally {
    probing.abort();
    signal.removeEventListener('abort', stopProbes);
    await probes;
  }
  signal.throwIfAborted();
  history.enterPhase('verify');
  log(`verifying durability of ${acknowledged.length} acknowledged rows`);
  await verifyDurability(driver, acknowledged, signal);
  state.durability = durability(history.snapshot().ops);
}

async function runPhases(s: Scenario, stack: Stack, history: HistoryRecorder, signal: AbortSignal, log: (m: string) => void): Promise<void> {
  history.enterPhase('steady');
  log(`steady phase: ${s.phases.steady / 1000} s`);
  await delay(s.phases.steady, signal);

  history.enterPhase('fault');
  log(`fault phase: ${s.phases.fault / 1000} s`);
  const phaseStart = Date.now();
  const faults = s.faults.map(async (fault) => {
    await delay(fault.at, signal);
    history.event('fault-start', fault.name, fault.kind);
    log(`inject ${fault.kind} '${fault.name}' on ${fault.target.role} for ${fault.duration / 1000} s`);
    await using active = await stack.inject(fault, signal);
    await active.healed;
    history.event('fault-end', fault.name, fault.kind);
    log(`healed '${fault.name}'`);
  });
  await Promise.all(faults);
  await delay(Math.max(0, s.phases.fault - (Date.now() - phaseStart)), signal);

  history.enterPhase('recovered');
  log(`recovered phase: ${s.phases.recovered / 1000} s`);
  await delay(s.phases.recovered, signal);
  history.event('phase-end', 'recovered');
}

/** Looks every acknowledged id up; batches that fail are retried until a deadline, each try recorded. */
async function verifyDurability(driver: SdkDriver, ids: readonly number[], signal: AbortSignal, deadlineMs = 120_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  let pending = [...ids];
  while (pending.length > 0 && Date.now() < deadline) {
    signal.throwIfAborted();
    const records = await driver.verifyDurability(pending);
    pending = records.filter((r) => r.outcome !== 'ok').flatMap((r) => [...(r.keys ?? [])]);
    if (pending.length > 0) await delay(1000, signal);
  }
}

function throttled(log: (m: string) => void, everyMs: number): (m: string) => void {
  let last = 0;
  return (m) => {
    if (Date.now() - last >= everyMs) {
      last = Date.now();
      log(m);
    }
  };
}

function buildReport(s: Scenario, opts: RunOptions, history: History, state: RunState, startedAt: Date, error: unknown): RunReport {
  const interrupted = opts.signal.aborted;
  const phases = state.truth ? phaseStats(history, state.truth) : [];
  const faults = faultWindows(history, s.recovery.window);
  const slos = evaluateSlos(s.slos, { phases, faults, durability: state.durability });
  let verdict: Verdict;
  let exitCode: number;
  if (interrupted) [verdict, exitCode] = ['interrupted', EXIT.interrupted];
  else if (error) [verdict, exitCode] = ['error', EXIT.harness];
  else {
    exitCode = exitCodeFor(slos);
    verdict = exitCode === EXIT.pass ? 'pass' : 'fail';
  }
  const d = state.durability;
  const truth = state.truth;
  return {
    runId: opts.runId,
    scenario: s.name,
    seed: s.seed,
    platform: opts.platform.name as RunReport['platform'],
    milvusVersion: s.stack.milvusVersion,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    bringUpMs: state.bringUpMs,
    recallK: s.workload.search.topK,
    verdict,
    exitCode,
    error: error && !interrupted ? describeError(error) : null,
    phases,
    phaseWindows: phaseWindows(history),
    faults,
    durability: d && {
      acknowledged: d.acknowledged,
      found: d.found,
      missing: d.missing.length,
      unverified: d.unverified,
      sampleMissing: d.missing.slice(0, 20),
    },
    slos,
    series: {
      searchLatency: history.ops.filter((o) => o.op === 'search').map((o) => [o.start, round(o.latencyMs), o.outcome] as const),
      recall: truth
        ? history.ops.flatMap((o) => {
            const r = o.op === 'search' ? searchRecall(o, truth) : null;
            return r === null ? [] : [[o.start, round(r)] as const];
          })
        : [],
    },
  };
}

function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

function keepLogs(workDir: string, logDir: string): void {
  if (!existsSync(workDir)) return;
  mkdirSync(logDir, { recursive: true });
  cpSync(workDir, logDir, { recursive: true, filter: (src) => !/(minio-data|etcd-\d+$|local|rocksmq|run)$/.test(src) });
  writeFileSync(join(logDir, 'README'), 'Component logs of this run (etcd, MinIO, Milvus). Data dirs are not kept.\n');
}
