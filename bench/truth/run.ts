// Truth-engine benchmark: our WebAssembly engine (brute force, and with exact pruning) against the
// strongest baselines a user could pick, on the same files and threads in one run: a
// register-blocked native C kernel (-O3 -march=native, AVX-512 here), OpenBLAS sgemm plus a top-k
// pass, faiss IndexFlat on OpenBLAS, and numpy brute force; prints GFLOP/s and ratios.
//   node --import tsx bench/truth/run.ts [--quick] [--threads N] [--skip-python]
//   node --import tsx bench/truth/run.ts --billion [--billion-rows N]   (1e9-row streamed truth)
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Metric } from '../../src/core/types.ts';
import { BinWriter, createDataset, readGroundTruth, type Dataset } from '../../src/dataset/index.ts';
import { TruthEngine, type TruthRequest } from '../../src/truth/index.ts';
import { drillHome } from '../../src/supervise/home.ts';
import { knnKernel } from '../../src/truth/wasm-build.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const BUILD = join(HERE, 'build');
const REPO = join(HERE, '..', '..');
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
  /** Also time the CLI end to end against numpy's whole script. */
  endToEnd?: boolean;
}

const FULL: Workload[] = [
  { name: '1M×128 L2 k=100', profile: 'sift-128', dim: 128, metric: 'L2', rows: 1_000_000, queries: 1000, k: 100, endToEnd: true },
  { name: '100k×768 IP k=100', profile: 'text-768', dim: 768, metric: 'IP', rows: 100_000, queries: 1000, k: 100 },
  { name: '1M×128 L2 k=100 filter 10%', profile: 'sift-128', dim: 128, metric: 'L2', rows: 1_000_000, queries: 1000, k: 100, category: 1 },
];
const QUICK: Workload[] = [
  { name: '200k×128 L2 k=100, 300 q', profile: 'sift-128', dim: 128, metric: 'L2', rows: 200_000, queries: 300, k: 100, endToEnd: true },
  { name: '20k×768 IP k=100, 200 q', profile: 'text-768', dim: 768, metric: 'IP', rows: 20_000, queries: 200, k: 100 },
];

function log(message: string): void {
  console.error(`[bench:truth] ${message}`);
}

function compileC(source: string, out: string, extra: string[] = []): string {
  mkdirSync(BUILD, { recursive: true });
  const path = join(BUILD, out);
  execFileSync('cc', ['-O3', '-march=native', '-o', path, join(HERE, 'native', source), ...extra, '-lpthread', '-lm'], { stdio: 'inherit' });
  return path;
}

/** PyPI packages of the Python baselines, pinned; installed into $MILVUS_DRILL_HOME/bench-venv. */
const PYTHON_PACKAGES = ['numpy==2.4.6', 'faiss-cpu==1.15.1', 'scipy-openblas32==0.3.34.481.3'];

/** The bench's Python environment (made and filled on first use), or null when it cannot be. */
function benchVenv(): string | null {
  if (has('skip-python')) return null;
  const venv = join(drillHome(), 'bench-venv');
  const python = join(venv, 'bin', 'python');
  const ready = (): boolean => spawnSync(python, ['-c', 'import numpy, faiss, scipy_openblas32'], { stdio: 'ignore' }).status === 0;
  if (existsSync(python) && ready()) return python;
  log(`installing ${PYTHON_PACKAGES.join(', ')} into ${venv}`);
  if (!existsSync(python) && spawnSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' }).status !== 0) {
    log('SKIPPING the Python baselines: python3 -m venv failed (scripts/setup.sh installs python3-venv)');
    return null;
  }
  spawnSync(join(venv, 'bin', 'pip'), ['install', '-q', '--disable-pip-version-check', ...PYTHON_PACKAGES], { stdio: 'inherit' });
  if (ready()) return python;
  log('SKIPPING the Python baselines: pip could not install them');
  return null;
}

/** The sgemm harness, built against the OpenBLAS that PyPI's scipy-openblas32 ships. */
function buildSgemm(python: string): string {
  const where = (call: string): string => execFileSync(python, ['-c', `import scipy_openblas32 as s; print(s.${call}())`], { encoding: 'utf8' }).trim();
  const lib = where('get_lib_dir');
  return compileC('knn-sgemm.c', 'knn-sgemm', ['-fopenmp', `-I${where('get_include_dir')}`, `-L${lib}`, '-lscipy_openblas', `-Wl,-rpath,${lib}`]);
}

interface Tools {
  blocked: string;
  perPair: string;
  fmaPeak: string;
  sgemm: string | null;
  python: string | null;
}

function writeFbin(path: string, values: Float32Array, dim: number): void {
  const writer = new BinWriter(path, values.length / dim, dim);
  writer.append(values);
  writer.close();
}

/**
 * The baselines' threads: OpenBLAS and OpenMP as many as ours, OpenMP sleeping rather than spinning
 * when idle, which on this shared machine was the faster setting (spinning OpenMP and OpenBLAS
 * threads starve each other).
 */
const BASELINE_ENV = { OPENBLAS_NUM_THREADS: String(THREADS), OMP_NUM_THREADS: String(THREADS), OMP_WAIT_POLICY: 'PASSIVE' };

interface Timing {
  seconds: number;
  cpuSeconds: number;
}

function runHarness(binary: string, args: string[]): Timing {
  const r = spawnSync(binary, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...BASELINE_ENV } });
  if (r.status !== 0) throw new Error(`${binary} ${args[0] ?? ''} exited with ${r.status}`);
  return JSON.parse(r.stdout) as Timing;
}

/** Share of our ids that the other engine also returned (all compute the same exact answer, up to ties). */
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

/** Runs `work`, timing it (wall and all threads' CPU) and reading the exact peak RSS it reached. */
async function measured<T>(work: () => Promise<T>): Promise<{ result: T; seconds: number; cpuSeconds: number; peak: number }> {
  resetPeakResident();
  const cpu = process.cpuUsage();
  const started = performance.now();
  const result = await work();
  const used = process.cpuUsage(cpu);
  return { result, seconds: (performance.now() - started) / 1000, cpuSeconds: (used.user + used.system) / 1e6, peak: residentBytes('VmHWM') };
}

function categoryMask(dataset: Dataset, rows: number, category: number): Uint8Array {
  return Uint8Array.from({ length: rows }, (_, id) => (dataset.scalars(id).category === category ? 1 : 0));
}

interface Line extends Timing {
  engine: string;
  agreement: number | null;
  note?: string;
}

interface Result {
  workload: Workload;
  flop: number;
  lines: Line[];
  memoryBrute: number;
  memoryPruned: number;
  endToEnd?: { cli: number; numpy: number };
}

async function runWorkload(w: Workload, engine: TruthEngine, tools: Tools, dir: string): Promise<Result> {
  collectGarbage(); // the previous workload's arrays leave, so RSS falls back to the warm engine's
  const dataset = createDataset({ profile: w.profile, dim: w.dim, metric: w.metric, seed: 1 });
  const rssBefore = residentBytes('VmRSS');
  const base = dataset.vectors(0, w.rows);
  const queries = dataset.queries(w.queries);
  const mask = w.category === undefined ? null : categoryMask(dataset, w.rows, w.category);
  const filter = mask ? (id: number): boolean => mask[id] === 1 : undefined;
  const request: TruthRequest = { dim: w.dim, metric: w.metric, k: w.k, queries, base, filter };
  const brute = await measured(() => engine.topK({ ...request, prune: false }));
  const pruned = await measured(() => engine.topK({ ...request, prune: true }));
  const selected = mask ? mask.reduce((a, b) => a + b, 0) : w.rows;
  const prunedShare = engine.lastPairsScored / (w.queries * selected);
  // The same rows made by the generator inside the kernel, with exact cluster pruning (the product's
  // path for generated datasets: nothing stored).
  const generated = await measured(() => engine.topK({ ...request, base: { dataset, rows: w.rows } }));
  const generatedShare = engine.lastPairsScored / (w.queries * selected);
  const ids = brute.result.ids;
  const lines: Line[] = [
    { engine: 'ours, brute force', seconds: brute.seconds, cpuSeconds: brute.cpuSeconds, agreement: 1 },
    { engine: 'ours, exact pruning', seconds: pruned.seconds, cpuSeconds: pruned.cpuSeconds, agreement: agreement(ids, pruned.result.ids, w.queries, w.k), note: `scored ${(100 * prunedShare).toFixed(1)}% of the pairs, partition included` },
    { engine: 'ours, generator + cluster pruning', seconds: generated.seconds, cpuSeconds: generated.cpuSeconds, agreement: agreement(ids, generated.result.ids, w.queries, w.k), note: `rows generated in the kernel, ${(100 * generatedShare).toFixed(1)}% of the pairs scored` },
  ];
  const basePath = join(dir, 'base.fbin');
  const queryPath = join(dir, 'queries.fbin');
  writeFbin(basePath, base, w.dim);
  writeFbin(queryPath, queries, w.dim);
  const maskPath = mask ? join(dir, 'mask.u8') : '-';
  if (mask) writeFileSync(maskPath, mask);
  const metricCode = String({ L2: 0, IP: 1, COSINE: 2 }[w.metric]);
  const harness = (name: string, binary: string): void => {
    const out = join(dir, `${name}.ibin`);
    const timing = runHarness(binary, [basePath, queryPath, String(w.k), metricCode, String(THREADS), maskPath, out]);
    lines.push({ engine: name, ...timing, agreement: agreement(ids, readGroundTruth(out).ids, w.queries, w.k) });
  };
  harness('native C, register-blocked (a)', tools.blocked);
  harness('native C, per pair (old reference)', tools.perPair);
  if (tools.sgemm && w.metric !== 'COSINE') harness('OpenBLAS sgemm + top-k (b)', tools.sgemm);
  if (tools.python && !mask && w.metric !== 'COSINE') {
    for (const [name, engineName] of [['faiss IndexFlat, OpenBLAS (c)', 'faiss'], ['numpy brute force (d)', 'numpy']] as const) {
      const out = join(dir, `${engineName}.ibin`);
      const timing = runHarness(tools.python, [join(HERE, 'python', 'exact.py'), engineName, basePath, queryPath, String(w.k), metricCode, String(THREADS), out]);
      lines.push({ engine: name, seconds: timing.seconds, cpuSeconds: timing.cpuSeconds, agreement: agreement(ids, readGroundTruth(out).ids, w.queries, w.k) });
    }
  }
  const result: Result = {
    workload: w,
    flop: 2 * w.dim * w.queries * selected,
    lines,
    memoryBrute: (brute.peak - rssBefore) / base.byteLength,
    memoryPruned: (pruned.peak - rssBefore) / base.byteLength,
  };
  if (w.endToEnd && tools.python) result.endToEnd = endToEnd(w, tools.python, basePath, queryPath, dir);
  return result;
}

/** Wall time of whole processes: our CLI, and numpy's script (reading the files included in both). */
function endToEnd(w: Workload, python: string, basePath: string, queryPath: string, dir: string): { cli: number; numpy: number } {
  const time = (command: string, args: string[]): number => {
    const started = performance.now();
    const r = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...BASELINE_ENV }, cwd: REPO });
    if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${r.stderr}`);
    return (performance.now() - started) / 1000;
  };
  const metric = w.metric.toLowerCase();
  const cli = time(process.execPath, [join(REPO, 'bin', 'milvus-drill.js'), 'truth', '--base', basePath, '--queries', queryPath, '--k', String(w.k), '--metric', metric, '--threads', String(THREADS), '--out', join(dir, 'cli.ibin')]);
  const numpy = time(python, [join(HERE, 'python', 'exact.py'), 'numpy', basePath, queryPath, String(w.k), w.metric === 'L2' ? '0' : '1', String(THREADS), join(dir, 'numpy-e2e.ibin')]);
  return { cli, numpy };
}

function printResults(results: Result[], peaks: Record<string, number>): void {
  const f = (x: number | null, digits = 2): string => (x === null ? 'n/a' : x.toFixed(digits));
  console.log(`\n${new Date().toISOString().slice(0, 10)}, threads ${THREADS}, kernel ${knnKernel().flavour}, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  console.log(`FMA peak, per second of CPU time × ${THREADS} cores: ${Object.entries(peaks).map(([w, g]) => `${w}-bit ${g.toFixed(0)} GFLOP/s`).join(', ')} (WebAssembly SIMD is 128-bit)`);
  console.log('GFLOP/s counts 2·dim multiply-adds per (query, row) pair of a brute-force scan, for every engine; "per CPU s" divides by the CPU time of all threads, which other work on the machine disturbs less than wall time');
  for (const r of results) {
    const native = r.lines.find((l) => l.engine.endsWith('(a)'))!;
    console.log(`\n${r.workload.name} (${r.workload.queries} queries)`);
    console.log('engine                                  wall s   CPU s  GFLOP/s  per CPU s  vs (a) wall  vs (a) CPU  ids agree');
    for (const l of r.lines) {
      console.log(
        `${l.engine.padEnd(38)} ${f(l.seconds).padStart(7)} ${f(l.cpuSeconds).padStart(7)} ${f(r.flop / l.seconds / 1e9, 1).padStart(8)} ${f(r.flop / l.cpuSeconds / 1e9, 1).padStart(10)}` +
          ` ${f(native.seconds / l.seconds).padStart(12)} ${f(native.cpuSeconds / l.cpuSeconds).padStart(11)} ${f(l.agreement, 4).padStart(10)}${l.note ? `  (${l.note})` : ''}`,
      );
    }
    const faiss = r.lines.find((l) => l.engine.startsWith('faiss'));
    for (const pruned of [r.lines[1]!, r.lines[2]!]) {
      if (faiss) console.log(`${pruned.engine} vs faiss (target ≥ 1.5): wall ${f(faiss.seconds / pruned.seconds)}, CPU ${f(faiss.cpuSeconds / pruned.cpuSeconds)}`);
    }
    console.log(`brute force vs (a) (target ≥ 0.35): wall ${f(native.seconds / r.lines[0]!.seconds)}, CPU ${f(native.cpuSeconds / r.lines[0]!.cpuSeconds)}`);
    console.log(`peak memory / base (target ≤ 1.3): brute force ${f(r.memoryBrute)}, pruned ${f(r.memoryPruned)}`);
    if (r.endToEnd) console.log(`end to end, whole processes: CLI ${f(r.endToEnd.cli)} s, numpy script ${f(r.endToEnd.numpy)} s: ${f(r.endToEnd.numpy / r.endToEnd.cli)}× (target ≥ 4)`);
  }
  console.log('\npeak memory / base = (peak RSS of the whole process during our search, read exactly from VmHWM − RSS before the base was generated, with the engine warm) / base bytes');
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

const BILLION = 1_000_000_000;

async function billion(engine: TruthEngine): Promise<void> {
  const rows = Number(value('billion-rows') ?? BILLION);
  if (!Number.isSafeInteger(rows) || rows < 1) throw new Error(`--billion-rows must be a positive integer, got ${value('billion-rows')}`);
  const dataset = createDataset({ profile: 'sift-128', dim: 128, metric: 'L2', seed: 1 });
  const queries = dataset.queries(100);
  collectGarbage();
  const rssBefore = residentBytes('VmRSS');
  const mb = (bytes: number): string => `${Math.round(bytes / 2 ** 20)} MB`;
  log(`exact top-100 for 100 queries over ${rows.toLocaleString('en')} rows streamed from the sift-128 generator (none stored; exact cluster pruning) on ${engine.threads} threads; RSS ${mb(rssBefore)}; progress every 5 s`);
  const started = performance.now();
  const onProgress = (done: number, total: number): void => {
    const seconds = (performance.now() - started) / 1000;
    const left = ((total - done) * seconds) / done;
    log(`${((100 * done) / total).toFixed(1).padStart(5)}% ${done.toLocaleString('en')} rows in ${seconds.toFixed(0)} s (${(done / seconds / 1e6).toFixed(2)} M rows/s), about ${left.toFixed(0)} s left, RSS ${mb(residentBytes('VmRSS'))}`);
  };
  const { result: truth, seconds, cpuSeconds, peak } = await measured(() => engine.topK({ dim: 128, metric: 'L2', k: 100, queries, base: { dataset, rows }, onProgress }));
  const projected = rows === BILLION ? '' : `; at this rate 1e9 rows take ${((seconds * BILLION) / rows / 60).toFixed(1)} min`;
  console.log(
    `billion: ${rows.toLocaleString('en')} rows × 100 queries, k=100, ${engine.threads} threads: ${seconds.toFixed(0)} s = ${(seconds / 60).toFixed(1)} min` +
      ` (CPU ${cpuSeconds.toFixed(0)} s of all threads: ${(cpuSeconds / engine.threads / 60).toFixed(1)} min on ${engine.threads} idle cores; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')})` +
      ` (target for 1e9 rows: < 5 min on 2 cores${projected}); pairs scored ${(100 * engine.lastPairsScored / rows / 100).toFixed(2)}% (exact pruning); peak RSS ${mb(peak)}, ${mb(peak - rssBefore)} above the warm engine; first ids ${Array.from(truth.ids.subarray(0, 5)).join(',')}`,
  );
}

async function main(): Promise<void> {
  await using engine = new TruthEngine(THREADS);
  await engine.warm();
  if (has('billion')) return await billion(engine);
  const quick = has('quick');
  const python = benchVenv();
  const tools: Tools = {
    blocked: compileC('knn-blocked.c', 'knn-blocked'),
    perPair: compileC('knn-ref.c', 'knn-ref'),
    fmaPeak: compileC('fma-peak.c', 'fma-peak'),
    sgemm: python && buildSgemm(python),
    python,
  };
  const peaks: Record<string, number> = {};
  for (const width of ['512', '256', '128']) peaks[width] = THREADS * (JSON.parse(execFileSync(tools.fmaPeak, ['1', width], { encoding: 'utf8' })) as { gflopsPerCpuSecond: number }).gflopsPerCpuSecond;
  const dir = mkdtempSync(join(tmpdir(), 'bench-truth-'));
  try {
    const results: Result[] = [];
    for (const w of quick ? QUICK : FULL) {
      log(`running ${w.name}`);
      results.push(await runWorkload(w, engine, tools, dir));
    }
    printResults(results, peaks);
    // Last: the workers keep their handle on a shared base until their own garbage collection.
    const sharedMemoryRatio = await sharedBaseMemory(engine);
    console.log(`the same for a 1M×128 base on a SharedArrayBuffer (threads read it in place), 100 queries: ${sharedMemoryRatio.toFixed(2)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
