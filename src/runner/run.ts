import { mkdirSync, writeFileSync, cpSync, rmSync, existsSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { Scenario } from '../core/types.ts';
import type { Platform, Stack } from '../core/platform.ts';
import { HistoryRecorder } from '../history/recorder.ts';
import { createDataset, type Dataset } from '../dataset/index.ts';
import { SdkDriver } from '../workload/sdk.ts';
import type { K6RunResult } from '../workload/k6/run.ts';
import { Journal } from '../supervise/journal.ts';
import { stateDir } from '../supervise/home.ts';
import { DisposalStack } from '../util/disposal.ts';
import { delay } from '../util/poll.ts';
import { GroundTruth } from './truth.ts';
import { scrapeMetrics, type Scrape } from './metrics.ts';
import { describeLoad, k6Spec, runChurn, runLoad, writeQueries } from './workload.ts';
import { BreachWatch } from './breach.ts';
import { buildReport, type RunState } from './report.ts';
import { writeReports } from '../report/write.ts';
import type { RunReport } from '../core/types.ts';

export interface RunOptions {
  platform: Platform;
  runId: string;
  outDir: string;
  signal: AbortSignal;
  log: (message: string) => void;
}

/** Runs a validated scenario end to end and writes its reports. Never throws: the report says what happened. */
export async function runScenario(scenario: Scenario, opts: RunOptions): Promise<RunReport> {
  const startedAt = new Date();
  const history = new HistoryRecorder(startedAt.getTime());
  const workDir = join(tmpdir(), `milvus-drill-${opts.runId}`);
  mkdirSync(opts.outDir, { recursive: true });
  mkdirSync(workDir, { recursive: true });
  const state: RunState = { bringUpMs: null, groundTruth: null, scrapes: [], load: null, breach: null, versions: null };
  const breach = new AbortController();
  const signal = AbortSignal.any([opts.signal, breach.signal]);
  let error: unknown = null;
  try {
    await execute(scenario, { ...opts, signal }, history, workDir, state, breach);
  } catch (err) {
    if (!signal.aborted) error = err;
  } finally {
    keepLogs(workDir, join(opts.outDir, 'logs'));
    rmSync(workDir, { recursive: true, force: true });
  }
  const snapshot = history.snapshot();
  const report = buildReport(scenario, { runId: opts.runId, platform: opts.platform.name, interrupted: opts.signal.aborted }, snapshot, state, startedAt, error);
  writeReports(opts.outDir, report, snapshot);
  return report;
}

async function execute(s: Scenario, opts: RunOptions, history: HistoryRecorder, workDir: string, state: RunState, breach: AbortController): Promise<void> {
  const { signal, log } = opts;
  await using resources = new DisposalStack();
  const journal = new Journal(stateDir(), `${opts.runId}-runner`);
  resources.defer(() => journal.close());
  const t0 = Date.now();
  const stack = resources.use(await opts.platform.up(s.stack, { runId: opts.runId, workDir, signal, log }));
  state.bringUpMs = Date.now() - t0;
  log(`stack ready in ${(state.bringUpMs / 1000).toFixed(1)} s; Milvus at ${stack.milvusAddress}`);

  const driver = resources.use(await SdkDriver.connect(stack.milvusAddress, history, s.collection, stack.milvusVersion));
  state.versions = await driver.versions();
  log(`server ${state.versions.server}, Node SDK ${state.versions.sdk}`);
  const dataset = createDataset({ profile: s.dataset.profile, dim: s.dataset.dim, metric: s.dataset.metric, seed: s.seed });
  const acknowledged = await load(s, driver, dataset, signal, log);
  const queries = dataset.queries(s.dataset.queries);
  const filtered = s.workload.search.filtered;
  state.groundTruth = await GroundTruth.compute(
    { dataset, baseIds: acknowledged, queries, k: s.workload.search.topK, consistency: s.collection.consistency, categories: filtered.share > 0 ? filtered.categories : [] },
    log,
  );
  signal.throwIfAborted();

  const running = new AbortController();
  const stopAll = (): void => running.abort();
  signal.addEventListener('abort', stopAll, { once: true });
  const totalMs = s.phases.steady + s.phases.fault + s.phases.recovered;
  const now = (): number => history.now();
  const scrapes = stack.metricsUrl ? scrapeMetrics(stack.metricsUrl, 5000, now, running.signal) : Promise.resolve<Scrape[]>([]);
  const probes = driver.runSearchProbes(queries, s.dataset.dim, s.workload.search, running.signal);
  const churn = runChurn(s, driver, dataset, totalMs, now, running.signal);
  const spec = k6Spec(s, { queryVectorsFile: writeQueries(workDir, queries, s.dataset.dim), durationMs: totalMs, dataset, dir: join(workDir, 'k6-batches') });
  const k6 = spec ? runLoad(s, spec, { address: stack.milvusAddress, runDir: join(workDir, 'k6'), journal, epochMs: history.epochMs, signal: running.signal }) : null;
  if (k6) log(`k6: ${describeLoad(s.workload.load!)}, open model`);
  const watch = new BreachWatch(s, history, state, (reason) => {
    state.breach = reason;
    log(`SLO breached, stopping early: ${reason}`);
    breach.abort(new Error(reason));
  });
  try {
    await runPhases(s, stack, history, signal, log, watch);
  } finally {
    running.abort();
    signal.removeEventListener('abort', stopAll);
    const [scraped, loadResult] = await Promise.all([scrapes, k6?.catch((err: unknown) => err), probes, churn]);
    state.scrapes = scraped;
    if (loadResult instanceof Error) log(`k6 failed: ${loadResult.message}`);
    else if (loadResult) recordLoad(loadResult as K6RunResult, history, state, log);
  }
  signal.throwIfAborted();
  history.enterPhase('verify');
  log('verifying durability: every row ever written, with Strong consistency');
  await verify(driver, writtenIds(history), signal);
}

/** Creates the collection and loads the initial rows; returns the acknowledged ids. */
async function load(s: Scenario, driver: SdkDriver, dataset: Dataset, signal: AbortSignal, log: (m: string) => void): Promise<number[]> {
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
  return acknowledged;
}

async function runPhases(s: Scenario, stack: Stack, history: HistoryRecorder, signal: AbortSignal, log: (m: string) => void, watch: BreachWatch): Promise<void> {
  history.enterPhase('steady');
  log(`steady phase: ${s.phases.steady / 1000} s`);
  await delay(s.phases.steady, signal);
  watch.phaseEnded('steady');

  history.enterPhase('fault');
  log(`fault phase: ${s.phases.fault / 1000} s`);
  const phaseStart = Date.now();
  const faults = s.faults.map(async (fault) => {
    await delay(fault.at, signal);
    history.event('fault-start', fault.name, fault.kind);
    log(`inject ${fault.kind} '${fault.name}' on ${fault.target.role} for ${fault.duration / 1000} s`);
    try {
      await using active = await stack.inject(fault, signal);
      await active.healed;
    } finally {
      history.event('fault-end', fault.name, fault.kind);
      log(`healed '${fault.name}'`);
    }
  });
  await Promise.all(faults);
  await delay(Math.max(0, s.phases.fault - (Date.now() - phaseStart)), signal);
  watch.phaseEnded('fault');

  history.enterPhase('recovered');
  log(`recovered phase: ${s.phases.recovered / 1000} s`);
  await watch.during(s.phases.recovered, signal);
  history.event('phase-end', 'recovered');
  watch.phaseEnded('recovered');
}

/** Every id the run wrote: the initial rows and every churn target. */
function writtenIds(history: HistoryRecorder): number[] {
  const ids = new Set<number>();
  for (const op of history.snapshot().ops) if (op.op === 'insert' || op.op === 'delete' || op.op === 'upsert') op.ids?.forEach((id) => ids.add(id));
  return [...ids].sort((a, b) => a - b);
}

/** Looks every id up and counts rows; failed lookups are retried until a deadline, each try recorded. */
async function verify(driver: SdkDriver, ids: readonly number[], signal: AbortSignal, deadlineMs = 120_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  let pending = [...ids];
  while (pending.length > 0 && Date.now() < deadline) {
    signal.throwIfAborted();
    const records = await driver.verifyDurability(pending);
    pending = records.filter((r) => r.outcome !== 'ok').flatMap((r) => [...(r.keys ?? [])]);
    if (pending.length > 0) await delay(1000, signal);
  }
  await driver.count();
}

function recordLoad(result: K6RunResult, history: HistoryRecorder, state: RunState, log: (m: string) => void): void {
  history.import(result.ops, 'k6');
  state.load = {
    searches: result.ops.filter((o) => o.op === 'search').length,
    dropped: result.dropped.total,
    thresholds: result.thresholds.map((t) => ({ metric: t.metric, threshold: t.expression, pass: t.pass })),
  };
  log(`k6: ${state.load.searches} searches, ${state.load.dropped} dropped iterations`);
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

function keepLogs(workDir: string, logDir: string): void {
  if (!existsSync(workDir)) return;
  mkdirSync(logDir, { recursive: true });
  // Logs, configs and k6's summary; never data (segments, WAL, volumes), which can be large.
  const kept = (src: string): boolean => {
    const stat = lstatSync(src);
    return stat.isDirectory() ? !/(minio-data|rocksmq|volumes?|data)$/.test(src) : stat.isFile() && /\.(log|ya?ml|conf|properties)$|k6-summary\.json$/.test(src);
  };
  cpSync(workDir, logDir, { recursive: true, filter: kept });
  writeFileSync(join(logDir, 'README'), 'Component logs and configs of this run (etcd, MinIO, Kafka, Milvus, k6). Data is not kept.\n');
}
