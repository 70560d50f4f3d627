// Truth-engine benchmark: our WebAssembly engine vs a native C kernel (-O3 -march=native) and
// faiss exact search, on the same data and threads in one run; prints ratios.
//   node --import tsx bench/truth/run.ts [--quick] [--threads N] [--skip-faiss]
//   node --import tsx bench/truth/run.ts --billion [--billion-rows N]   (1e9-row streamed truth)
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Metric } from '../../src/core/types.ts';
import { BinWriter, createDataset, readGroundTruth, type Dataset } from '../../src/dataset/index.ts';
import { TruthEngine, type TruthRequest } from '../../src/truth/index.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const BUILD = join(HERE, 'build');
const argv = process.argv.slice(2);
const has = (name: string): boolean => argv.includes(`--${name}`);
const value = (name: string): string | undefined => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const THREADS = Number(value('threads') ?? availableParallelism());

interface Workload {
  name: string;
  profile: string;
  dim: number;
  metric: Metric;
  rows: number;
  queries: number;
  k: number;
  /** Keep rows whose category is this (category 1 selects 10%). */
  category?: number;
}

const FULL: Workload[] = [
  { name: '1M×128 L2 k=10', profile: 'sift-128', dim: 128, metric: 'L2', rows: 1_000_000, queries: 1000, k: 10 },
  { name: '1M×128 L2 k=100', profile: 'sift-128', dim: 128, metric: 'L2', rows: 1_000_000, queries: 1000, k: 100 },
  { name: '100k×768 IP k=100', profile: 'text-768', dim: 768, metric: 'IP', rows: 100_000, queries: 1000, k: 100 },
  { name: '1M×128 L2 k=100 filtered 10%', profile: 'sift-128', dim: 128, metric: 'L2', rows: 1_000_000, queries: 1000, k: 100, category: 1 },
];
const QUICK: Workload[] = [
  { name: '1M×128 L2 k=10, 100 queries', profile: 'sift-128', dim: 128, metric: 'L2', rows: 1_000_000, queries: 100, k: 10 },
  { name: '20k×768 IP k=100', profile: 'text-768', dim: 768, metric: 'IP', rows: 20_000, queries: 200, k: 100 },
  { name: '100k×128 L2 k=100 filtered 10%', profile: 'sift-128', dim: 128, metric: 'L2', rows: 100_000, queries: 200, k: 100, category: 1 },
];

function log(message: string): void {
  console.error(`[bench:truth] ${message}`);
}

function commandExists(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

function buildNative(): string {
  mkdirSync(BUILD, { recursive: true });
  const out = join(BUILD, 'knn-ref');
  execFileSync('cc', ['-O3', '-march=native', '-o', out, join(HERE, 'native', 'knn-ref.c'), '-lpthread', '-lm'], { stdio: 'inherit' });
  return out;
}

function debianPackageInstalled(name: string): boolean {
  return spawnSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8' }).stdout.includes('install ok installed');
}

let aptUpdated = false;

/** Installs a Debian package with apt-get unless it is installed; false if that failed. */
function ensureDebianPackage(name: string, why: string): boolean {
  if (debianPackageInstalled(name)) return true;
  log(`installing Debian package ${name} ${why}`);
  const root = process.getuid?.() === 0;
  const apt = (args: string[]): boolean => spawnSync(root ? 'apt-get' : 'sudo', root ? args : ['apt-get', ...args], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status === 0;
  aptUpdated ||= apt(['update', '-qq']);
  return aptUpdated && apt(['install', '-y', '-qq', '--no-install-recommends', name]);
}

/**
 * Builds the faiss harness, installing Debian's libfaiss-dev first if needed, and OpenBLAS so
 * faiss does not run on the reference BLAS; null (with the reason logged) if impossible.
 */
function buildFaiss(): string | null {
  if (has('skip-faiss')) return null;
  if (!ensureDebianPackage('libfaiss-dev', 'for the faiss comparison')) {
    log('SKIPPING faiss: libfaiss-dev could not be installed');
    return null;
  }
  if (!ensureDebianPackage('libopenblas0-pthread', 'so faiss uses an optimised BLAS')) log('OpenBLAS could not be installed: faiss runs on the BLAS Debian has selected');
  if (!commandExists('g++')) {
    log('SKIPPING faiss: no C++ compiler (g++)');
    return null;
  }
  const out = join(BUILD, 'faiss-flat');
  const built = spawnSync('g++', ['-O3', '-march=native', '-fopenmp', '-o', out, join(HERE, 'native', 'faiss-flat.cpp'), '-lfaiss', '-lblas', '-llapack'], { stdio: 'inherit' });
  if (built.status !== 0) {
    log('SKIPPING faiss: the harness did not compile');
    return null;
  }
  return out;
}

function blasInUse(): string {
  const r = spawnSync('readlink', ['-f', '/usr/lib/x86_64-linux-gnu/libblas.so.3'], { encoding: 'utf8' });
  return r.stdout.trim() || 'unknown';
}

function writeFbin(path: string, values: Float32Array, dim: number): void {
  const writer = new BinWriter(path, values.length / dim, dim);
  writer.append(values);
  writer.close();
}

/**
 * faiss's threads: OpenBLAS's as many as ours, and OpenMP's sleeping rather than spinning when idle,
 * which on this shared machine was the faster setting (spinning OpenMP and OpenBLAS threads starve
 * each other).
 */
const FAISS_ENV = { OPENBLAS_NUM_THREADS: String(THREADS), OMP_WAIT_POLICY: 'PASSIVE' };

function runHarness(binary: string, args: string[], env: Record<string, string> = {}): number {
  const r = spawnSync(binary, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`${binary} exited with ${r.status}`);
  return (JSON.parse(r.stdout) as { seconds: number }).seconds;
}

/** Share of our ids that the other engine also returned (sanity: all compute the same exact answer). */
function agreement(ours: Int32Array, other: Int32Array, nq: number, k: number): number {
  let same = 0;
  for (let q = 0; q < nq; q++) {
    const theirs = new Set(other.subarray(q * k, (q + 1) * k));
    for (let i = 0; i < k; i++) if (theirs.has(ours[q * k + i]!)) same++;
  }
  return same / (nq * k);
}

/** The process's (all threads') resident memory now (VmRSS) or at its peak since resetPeakResident (VmHWM), in bytes. */
function residentBytes(field: 'VmRSS' | 'VmHWM'): number {
  const kb = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
  if (kb === undefined) throw new Error(`no ${field} in /proc/self/status: the memory figures need Linux`);
  return Number(kb) * 1024;
}

/** Restarts the kernel's exact peak-RSS record (VmHWM) from the current RSS: no sampling, nothing missed. */
function resetPeakResident(): void {
  writeFileSync('/proc/self/clear_refs', '5');
}

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** Runs `work`, timing it and reading the exact peak RSS it reached. */
async function measured<T>(work: () => Promise<T>): Promise<{ result: T; seconds: number; peak: number }> {
  resetPeakResident();
  const started = performance.now();
  const result = await work();
  return { result, seconds: (performance.now() - started) / 1000, peak: residentBytes('VmHWM') };
}

function categoryMask(dataset: Dataset, rows: number, category: number): Uint8Array {
  return Uint8Array.from({ length: rows }, (_, id) => (dataset.scalars(id).category === category ? 1 : 0));
}

function generatorRate(dataset: Dataset, rows: number): number {
  const buffer = new Float32Array(rows * dataset.dim);
  dataset.fillVectors(0, Math.min(rows, 1000), buffer);
  const t = performance.now();
  dataset.fillVectors(0, rows, buffer);
  return rows / ((performance.now() - t) / 1000);
}

interface Row {
  workload: string;
  oursSeconds: number;
  nativeSeconds: number;
  faissSeconds: number | null;
  /** (Peak RSS during our search − RSS before the base was generated) / base bytes. */
  memoryRatio: number;
  agreeNative: number;
  agreeFaiss: number | null;
}

async function runWorkload(w: Workload, engine: TruthEngine, tools: { native: string; faiss: string | null }, dir: string): Promise<Row> {
  collectGarbage(); // the previous workload's arrays leave, so RSS falls back to the warm engine's
  const dataset = createDataset({ profile: w.profile, dim: w.dim, metric: w.metric, seed: 1 });
  const rssBefore = residentBytes('VmRSS');
  const base = dataset.vectors(0, w.rows);
  const queries = dataset.queries(w.queries);
  const mask = w.category === undefined ? null : categoryMask(dataset, w.rows, w.category);
  const filter = mask ? (id: number): boolean => mask[id] === 1 : undefined;
  const ours = await measured(() => engine.topK({ dim: w.dim, metric: w.metric, k: w.k, queries, base, filter }));
  const memoryRatio = (ours.peak - rssBefore) / base.byteLength;
  const basePath = join(dir, 'base.fbin');
  const queryPath = join(dir, 'queries.fbin');
  writeFbin(basePath, base, w.dim);
  writeFbin(queryPath, queries, w.dim);
  const maskPath = mask ? join(dir, 'mask.u8') : '-';
  if (mask) writeFileSync(maskPath, mask);
  const metricCode = String({ L2: 0, IP: 1, COSINE: 2 }[w.metric]);
  const harnessArgs = (out: string): string[] => [basePath, queryPath, String(w.k), metricCode, String(THREADS), maskPath, out];
  const nativeSeconds = runHarness(tools.native, harnessArgs(join(dir, 'native.ibin')));
  const agreeNative = agreement(ours.result.ids, readGroundTruth(join(dir, 'native.ibin')).ids, w.queries, w.k);
  let faissSeconds: number | null = null;
  let agreeFaiss: number | null = null;
  if (tools.faiss && w.metric !== 'COSINE') {
    faissSeconds = runHarness(tools.faiss, harnessArgs(join(dir, 'faiss.ibin')), FAISS_ENV);
    agreeFaiss = agreement(ours.result.ids, readGroundTruth(join(dir, 'faiss.ibin')).ids, w.queries, w.k);
  }
  return { workload: w.name, oursSeconds: ours.seconds, nativeSeconds, faissSeconds, memoryRatio, agreeNative, agreeFaiss };
}

/** The same memory figure for a 1M×128 base on a SharedArrayBuffer, which the threads read in place. */
async function sharedBaseMemory(engine: TruthEngine): Promise<number> {
  collectGarbage();
  const rows = 1_000_000;
  const dataset = createDataset({ profile: 'sift-128', dim: 128, metric: 'L2', seed: 1 });
  const rssBefore = residentBytes('VmRSS');
  const base = new Float32Array(new SharedArrayBuffer(rows * 128 * 4));
  dataset.fillVectors(0, rows, base);
  const { peak } = await measured(() => engine.topK({ dim: 128, metric: 'L2', k: 10, queries: dataset.queries(100), base }));
  return (peak - rssBefore) / base.byteLength;
}

function printTable(rows: Row[]): void {
  const f = (x: number | null, digits = 2): string => (x === null ? 'n/a' : x.toFixed(digits));
  console.log(`\nthreads ${THREADS}; speed ratio = other engine's seconds / ours (higher is better for us)`);
  console.log('workload                            ours s  native s  faiss s  vs native (≥0.5)  vs faiss (≥1.5)  peak mem/base (≤1.3)  id agreement native/faiss');
  for (const r of rows) {
    console.log(
      `${r.workload.padEnd(34)} ${f(r.oursSeconds).padStart(7)} ${f(r.nativeSeconds).padStart(9)} ${f(r.faissSeconds).padStart(8)}` +
        ` ${f(r.nativeSeconds / r.oursSeconds).padStart(17)} ${f(r.faissSeconds === null ? null : r.faissSeconds / r.oursSeconds).padStart(16)}` +
        ` ${f(r.memoryRatio).padStart(21)}  ${f(r.agreeNative, 4)}/${f(r.agreeFaiss, 4)}`,
    );
  }
  console.log('peak mem/base = (peak RSS of the whole process during our search, read exactly from VmHWM − RSS before the base was generated, with the engine warm) / base bytes');
}

/**
 * Generator cost against a truth pass over the same rows: the JavaScript generator (Dataset.vectors)
 * per core, and the WebAssembly copy the engine streams from (streamed pass minus in-memory pass).
 */
async function generatorVersusTruth(engine: TruthEngine, quick: boolean): Promise<void> {
  const rows = quick ? 50_000 : 200_000;
  const dataset = createDataset({ profile: 'sift-128', dim: 128, metric: 'L2', seed: 1 });
  const perCore = generatorRate(dataset, rows);
  const queries = dataset.queries(quick ? 200 : 1000);
  const nq = queries.length / 128;
  const time = async (base: TruthRequest['base']): Promise<number> => {
    const started = performance.now();
    await engine.topK({ dim: 128, metric: 'L2', k: 10, queries, base });
    return (performance.now() - started) / 1000;
  };
  const inMemory = await time(dataset.vectors(0, rows));
  const streamed = await time({ dataset, rows });
  const jsSeconds = rows / perCore / engine.threads;
  console.log(`\ngenerator (sift-128, ${rows} rows, truth pass with ${nq} queries on ${engine.threads} threads: ${inMemory.toFixed(2)} s in memory):`);
  console.log(`  JavaScript: ${Math.round(perCore).toLocaleString('en')} vectors/s/core = ${(jsSeconds / inMemory).toFixed(2)} of the truth pass (target ≤ 0.25)`);
  console.log(`  WebAssembly, streamed into the engine: pass ${streamed.toFixed(2)} s, generation adds ${((streamed - inMemory) / inMemory).toFixed(2)} of the pass (target ≤ 0.25)`);
}

const BILLION = 1_000_000_000;

async function billion(engine: TruthEngine): Promise<void> {
  const rows = Number(value('billion-rows') ?? BILLION);
  if (!Number.isSafeInteger(rows) || rows < 1) throw new Error(`--billion-rows must be a positive integer, got ${value('billion-rows')}`);
  const dataset = createDataset({ profile: 'sift-128', dim: 128, metric: 'L2', seed: 1 });
  const queries = dataset.queries(100);
  collectGarbage();
  const rssBefore = residentBytes('VmRSS');
  const mb = (bytes: number): string => `${Math.round(bytes / 2 ** 20)} MB`;
  log(`exact top-100 for 100 queries over ${rows.toLocaleString('en')} rows streamed from the sift-128 generator (none stored) on ${engine.threads} threads; RSS ${mb(rssBefore)}; progress every 5 s`);
  const started = performance.now();
  const onProgress = (done: number, total: number): void => {
    const seconds = (performance.now() - started) / 1000;
    const left = ((total - done) * seconds) / done;
    log(`${((100 * done) / total).toFixed(1).padStart(5)}% ${done.toLocaleString('en')} rows in ${seconds.toFixed(0)} s (${(done / seconds / 1e6).toFixed(2)} M rows/s), about ${left.toFixed(0)} s left, RSS ${mb(residentBytes('VmRSS'))}`);
  };
  const { result: truth, seconds, peak } = await measured(() => engine.topK({ dim: 128, metric: 'L2', k: 100, queries, base: { dataset, rows }, onProgress }));
  const projected = rows === BILLION ? '' : `; at this rate 1e9 rows take ${((seconds * BILLION) / rows / 60).toFixed(1)} min`;
  console.log(
    `billion: ${rows.toLocaleString('en')} rows × 100 queries, k=100, ${engine.threads} threads: ${seconds.toFixed(0)} s = ${(seconds / 60).toFixed(1)} min` +
      ` (target for 1e9 rows: < 15 min on 2 cores${projected}); peak RSS ${mb(peak)}, ${mb(peak - rssBefore)} above the warm engine; first ids ${Array.from(truth.ids.subarray(0, 5)).join(',')}`,
  );
}

async function main(): Promise<void> {
  await using engine = new TruthEngine(THREADS);
  await engine.warm();
  if (has('billion')) return await billion(engine);
  const quick = has('quick');
  const tools = { native: buildNative(), faiss: buildFaiss() };
  if (tools.faiss) log(`faiss uses BLAS ${blasInUse()} with ${Object.entries(FAISS_ENV).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  const dir = mkdtempSync(join(tmpdir(), 'bench-truth-'));
  try {
    const rows: Row[] = [];
    for (const w of quick ? QUICK : FULL) {
      log(`running ${w.name}`);
      rows.push(await runWorkload(w, engine, tools, dir));
    }
    printTable(rows);
    // Last: the workers keep their handle on a shared base until their own garbage collection.
    const sharedMemoryRatio = await sharedBaseMemory(engine);
    console.log(`the same for a 1M×128 base on a SharedArrayBuffer (threads read it in place), 100 queries: ${sharedMemoryRatio.toFixed(2)}`);
    await generatorVersusTruth(engine, quick);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
