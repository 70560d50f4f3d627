// Truth-engine benchmark: our WebAssembly engine vs a native C kernel (-O3 -march=native) and
// faiss exact search, on the same data and threads in one run; prints ratios.
//   node --import tsx bench/truth/run.ts [--quick] [--threads N] [--skip-faiss]
//   node --import tsx bench/truth/run.ts --billion [--billion-rows N]   (1e9-row streamed truth)
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
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
  { name: '100k×128 L2 k=10', profile: 'sift-128', dim: 128, metric: 'L2', rows: 100_000, queries: 200, k: 10 },
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

function faissInstalled(): boolean {
  return spawnSync('dpkg-query', ['-W', '-f=${Status}', 'libfaiss-dev'], { encoding: 'utf8' }).stdout.includes('install ok installed');
}

/** Builds the faiss harness, installing Debian's libfaiss-dev first if needed; null (with the reason logged) if impossible. */
function buildFaiss(): string | null {
  if (has('skip-faiss')) return null;
  if (!faissInstalled()) {
    log('installing Debian package libfaiss-dev for the faiss comparison');
    const root = process.getuid?.() === 0;
    const apt = (args: string[]): boolean => spawnSync(root ? 'apt-get' : 'sudo', root ? args : ['apt-get', ...args], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status === 0;
    if (!(apt(['update', '-qq']) && apt(['install', '-y', '-qq', '--no-install-recommends', 'libfaiss-dev']))) {
      log('SKIPPING faiss: libfaiss-dev could not be installed');
      return null;
    }
  }
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

function runHarness(binary: string, args: string[]): number {
  const r = spawnSync(binary, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
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

/** Highest resident set size seen while `work` runs, sampled every 20 ms. */
async function peakRss<T>(work: () => Promise<T>): Promise<{ result: T; peak: number }> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  try {
    const result = await work();
    return { result, peak: Math.max(peak, process.memoryUsage().rss) };
  } finally {
    clearInterval(timer);
  }
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
  /** Only for the first workload: the process's RSS does not fall back between workloads. */
  memoryRatio: number | null;
  agreeNative: number;
  agreeFaiss: number | null;
}

async function runWorkload(w: Workload, engine: TruthEngine, tools: { native: string; faiss: string | null }, dir: string, first: boolean): Promise<Row> {
  const dataset = createDataset({ profile: w.profile, dim: w.dim, metric: w.metric, seed: 1 });
  const rssBefore = process.memoryUsage().rss;
  const base = dataset.vectors(0, w.rows);
  const queries = dataset.queries(w.queries);
  const basePath = join(dir, 'base.fbin');
  const queryPath = join(dir, 'queries.fbin');
  writeFbin(basePath, base, w.dim);
  writeFbin(queryPath, queries, w.dim);
  let maskPath = '-';
  let filter: ((id: number) => boolean) | undefined;
  if (w.category !== undefined) {
    const mask = Uint8Array.from({ length: w.rows }, (_, id) => (dataset.scalars(id).category === w.category ? 1 : 0));
    maskPath = join(dir, 'mask.u8');
    writeFileSync(maskPath, mask);
    filter = (id) => mask[id] === 1;
  }
  const request: TruthRequest = { dim: w.dim, metric: w.metric, k: w.k, queries, base, filter };
  const started = performance.now();
  const { result: ours, peak } = await peakRss(() => engine.topK(request));
  const oursSeconds = (performance.now() - started) / 1000;
  const metricCode = String({ L2: 0, IP: 1, COSINE: 2 }[w.metric]);
  const harnessArgs = (out: string): string[] => [basePath, queryPath, String(w.k), metricCode, String(THREADS), maskPath, out];
  const nativeSeconds = runHarness(tools.native, harnessArgs(join(dir, 'native.ibin')));
  const agreeNative = agreement(ours.ids, readGroundTruth(join(dir, 'native.ibin')).ids, w.queries, w.k);
  let faissSeconds: number | null = null;
  let agreeFaiss: number | null = null;
  if (tools.faiss && w.metric !== 'COSINE') {
    faissSeconds = runHarness(tools.faiss, harnessArgs(join(dir, 'faiss.ibin')));
    agreeFaiss = agreement(ours.ids, readGroundTruth(join(dir, 'faiss.ibin')).ids, w.queries, w.k);
  }
  return { workload: w.name, oursSeconds, nativeSeconds, faissSeconds, memoryRatio: first ? (peak - rssBefore) / base.byteLength : null, agreeNative, agreeFaiss };
}

function printTable(rows: Row[]): void {
  const f = (x: number | null, digits = 2): string => (x === null ? 'n/a' : x.toFixed(digits));
  console.log(`\nthreads ${THREADS}; speed ratio = other engine's seconds / ours (higher is better for us)`);
  console.log('workload                          ours s  native s  faiss s  vs native (≥0.5)  vs faiss (≥1.5)  peak mem/base (≤1.3)  id agreement native/faiss');
  for (const r of rows) {
    console.log(
      `${r.workload.padEnd(32)} ${f(r.oursSeconds).padStart(7)} ${f(r.nativeSeconds).padStart(9)} ${f(r.faissSeconds).padStart(8)}` +
        ` ${f(r.nativeSeconds / r.oursSeconds).padStart(17)} ${f(r.faissSeconds === null ? null : r.faissSeconds / r.oursSeconds).padStart(16)}` +
        ` ${f(r.memoryRatio).padStart(21)}  ${f(r.agreeNative, 4)}/${f(r.agreeFaiss, 4)}`,
    );
  }
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

async function billion(engine: TruthEngine): Promise<void> {
  const rows = Number(value('billion-rows') ?? 1_000_000_000);
  const dataset = createDataset({ profile: 'sift-128', dim: 128, metric: 'L2', seed: 1 });
  const queries = dataset.queries(100);
  log(`exact top-100 for 100 queries over ${rows.toLocaleString('en')} generated rows on ${engine.threads} threads`);
  const started = performance.now();
  const truth = await engine.topK({
    dim: 128, metric: 'L2', k: 100, queries, base: { dataset, rows },
    onProgress: (done, total) => log(`${((100 * done) / total).toFixed(2)}% after ${((performance.now() - started) / 1000).toFixed(0)} s`),
  });
  const seconds = (performance.now() - started) / 1000;
  console.log(`billion: ${rows} rows × 100 queries, k=100, ${engine.threads} threads: ${seconds.toFixed(0)} s (${(seconds / 60).toFixed(1)} min; target < 15 min on 2 cores); first ids ${Array.from(truth.ids.subarray(0, 5)).join(',')}`);
}

async function main(): Promise<void> {
  await using engine = new TruthEngine(THREADS);
  await engine.warm();
  if (has('billion')) return billion(engine);
  const quick = has('quick');
  const tools = { native: buildNative(), faiss: buildFaiss() };
  if (tools.faiss) log(`faiss uses BLAS ${blasInUse()}`);
  const dir = mkdtempSync(join(tmpdir(), 'bench-truth-'));
  try {
    const rows: Row[] = [];
    for (const w of quick ? QUICK : FULL) {
      log(`running ${w.name}`);
      rows.push(await runWorkload(w, engine, tools, dir, rows.length === 0));
    }
    printTable(rows);
    await generatorVersusTruth(engine, quick);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
