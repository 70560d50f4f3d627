// Builds the WebAssembly module (src/truth/wasm/*.c: the exact-kNN kernel and the generator's row
// formula) with Debian's clang and lld, twice: plain SIMD128, and with relaxed-SIMD fused
// multiply-add where the compiler has it (clang 16 or newer). The output is content-addressed, so
// worktrees sharing one MILVUS_DRILL_HOME never mix builds.
// Run directly (`node --import tsx src/truth/wasm-build.ts`) it builds and prints the paths.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { wasmApi, type WasmModule } from './wasm-api.ts';
import { drillHome } from '../supervise/home.ts';

const SOURCE_DIR = fileURLToPath(new URL('./wasm/', import.meta.url));
const SOURCE_FILES = readdirSync(SOURCE_DIR).filter((name) => /\.[ch]$/.test(name)).sort();
const SOURCES = SOURCE_FILES.filter((name) => name.endsWith('.c')).map((name) => join(SOURCE_DIR, name));

const CLANG_FLAGS = [
  '--target=wasm32', '-O3', '-msimd128', '-ffreestanding', '-nostdlib', '-fno-builtin',
  // No contraction into fused multiply-adds except the kernel's explicit ones (RELAXED_FMA).
  '-ffp-contract=off', '-Wall', '-Wextra', '-Werror',
  '-Wl,--no-entry', '-Wl,--initial-memory=1048576', '-Wl,--max-memory=4294967296', '-Wl,-z,stack-size=65536',
];
const RELAXED_FLAGS = ['-mrelaxed-simd', '-DRELAXED_FMA'];

export type KernelFlavour = 'simd128' | 'relaxed-fma';

export function knnWasmPath(flavour: KernelFlavour = 'simd128'): string {
  const hash = createHash('sha256').update(CLANG_FLAGS.join(' ')).update(flavour);
  for (const name of SOURCE_FILES) hash.update(name).update(readFileSync(join(SOURCE_DIR, name)));
  const digest = hash.digest('hex').slice(0, 16);
  return join(drillHome(), 'wasm', `knn-${flavour === 'simd128' ? '' : `${flavour}-`}${digest}.wasm`);
}

/** Newest first: relaxed SIMD's final opcodes need clang 16 or newer. */
const CLANG_NAMES = ['clang-19', 'clang-18', 'clang-17', 'clang-16', 'clang', 'clang-15', 'clang-14'];

function clangVersion(name: string): number | null {
  try {
    const out = execFileSync(name, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return Number(/clang version (\d+)/.exec(out)?.[1] ?? 0);
  } catch {
    return null;
  }
}

function findClang(): { name: string; version: number } {
  for (const name of CLANG_NAMES) {
    const version = clangVersion(name);
    if (version !== null) return { name, version };
  }
  throw new Error('clang is not installed: run scripts/setup.sh (it installs Debian clang and lld) to build the WebAssembly kNN kernel');
}

function compile(out: string, extraFlags: string[]): void {
  mkdirSync(dirname(out), { recursive: true });
  const partial = `${out}.${process.pid}.part`;
  try {
    execFileSync(findClang().name, [...CLANG_FLAGS, ...extraFlags, '-o', partial, ...SOURCES], { stdio: ['ignore', 'inherit', 'pipe'] });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`building the WebAssembly kNN kernel failed (is lld installed? scripts/setup.sh installs it): ${stderr || String(err)}`);
  }
  renameSync(partial, out);
}

/** Builds the kernel if this source has not been built yet; returns the .wasm path. */
export function buildKnnWasm(flavour: KernelFlavour = 'simd128'): string {
  const out = knnWasmPath(flavour);
  if (!existsSync(out)) compile(out, flavour === 'simd128' ? [] : RELAXED_FLAGS);
  return out;
}

/** The relaxed-FMA build, or null when this clang cannot make it (older than 16). */
export function buildRelaxedKnnWasm(): string | null {
  const out = knnWasmPath('relaxed-fma');
  if (existsSync(out)) return out;
  return findClang().version >= 16 ? buildKnnWasm('relaxed-fma') : null;
}

// The smallest module using f32x4.relaxed_madd (opcode 0xfd 0x85 0x02): does this runtime accept it?
const RELAXED_PROBE = Uint8Array.from([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 61, 1, 59, 0,
  253, 12, ...new Array<number>(16).fill(0), 253, 12, ...new Array<number>(16).fill(0), 253, 12, ...new Array<number>(16).fill(0),
  253, 133, 2, 11,
]);

interface WasmValidate {
  validate(bytes: Uint8Array): boolean;
}

function runtimeHasRelaxedSimd(): boolean {
  const validate = (): boolean => (globalThis as unknown as { WebAssembly: WasmValidate }).WebAssembly.validate(RELAXED_PROBE);
  if (validate()) return true;
  // Node 20 (V8 11.3) implements relaxed SIMD behind a flag; later Node versions ship it.
  setFlagsFromString('--experimental-wasm-relaxed-simd');
  return validate();
}

function chooseFlavour(): KernelFlavour {
  const wanted = process.env.MILVUS_DRILL_WASM_KERNEL;
  if (wanted === 'simd128') return 'simd128';
  if (wanted !== undefined && wanted !== 'relaxed-fma') throw new Error(`MILVUS_DRILL_WASM_KERNEL must be simd128 or relaxed-fma, got '${wanted}'`);
  return runtimeHasRelaxedSimd() && buildRelaxedKnnWasm() !== null ? 'relaxed-fma' : 'simd128';
}

/**
 * Compiles with the optimising compiler only: V8 otherwise starts a module on its baseline
 * compiler and tiers up a function only on a later call, so a long first call would run slow.
 */
function compileOptimised(bytes: Uint8Array): WasmModule {
  setFlagsFromString('--no-liftoff');
  try {
    return new wasmApi.Module(bytes);
  } finally {
    setFlagsFromString('--liftoff');
  }
}

let compiled: { module: WasmModule; flavour: KernelFlavour } | undefined;

/** The compiled kernel: relaxed-SIMD FMA when the runtime has it (MILVUS_DRILL_WASM_KERNEL=simd128 forces plain). */
export function knnModule(): WasmModule {
  return knnKernel().module;
}

export function knnKernel(): { module: WasmModule; flavour: KernelFlavour } {
  if (!compiled) {
    const flavour = chooseFlavour();
    compiled = { module: compileOptimised(readFileSync(buildKnnWasm(flavour))), flavour };
  }
  return compiled;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(buildKnnWasm());
  console.log(buildRelaxedKnnWasm() ?? 'relaxed-fma: not built (needs clang 16 or newer)');
}
