// Builds the WebAssembly module (src/truth/wasm/*.c: the exact-kNN kernel and the generator's row
// formula) with Debian's clang and lld.
// The output is content-addressed, so worktrees sharing one MILVUS_DRILL_HOME never mix builds.
// Run directly (`node --import tsx src/truth/wasm-build.ts`) it builds and prints the path.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { wasmApi, type WasmModule } from './wasm-api.ts';
import { drillHome } from '../supervise/home.ts';

const SOURCE_DIR = fileURLToPath(new URL('./wasm/', import.meta.url));
const SOURCES = readdirSync(SOURCE_DIR).filter((name) => name.endsWith('.c')).sort().map((name) => join(SOURCE_DIR, name));

const CLANG_FLAGS = [
  '--target=wasm32', '-O3', '-msimd128', '-ffreestanding', '-nostdlib', '-fno-builtin',
  // No fused multiply-add contraction: results must not depend on the compiler's mood.
  '-ffp-contract=off', '-Wall', '-Wextra', '-Werror',
  '-Wl,--no-entry', '-Wl,--initial-memory=1048576', '-Wl,--max-memory=4294967296', '-Wl,-z,stack-size=65536',
];

export function knnWasmPath(): string {
  const hash = createHash('sha256').update(CLANG_FLAGS.join(' '));
  for (const source of SOURCES) hash.update(source.slice(SOURCE_DIR.length)).update(readFileSync(source));
  const digest = hash.digest('hex').slice(0, 16);
  return join(drillHome(), 'wasm', `knn-${digest}.wasm`);
}

function findClang(): string {
  for (const candidate of ['clang', 'clang-16', 'clang-15', 'clang-14']) {
    try {
      execFileSync(candidate, ['--version'], { stdio: 'ignore' });
      return candidate;
    } catch {
      // try the next name
    }
  }
  throw new Error('clang is not installed: run scripts/setup.sh (it installs the Debian packages clang and lld) to build the WebAssembly kNN kernel');
}

/** Builds the kernel if this source has not been built yet; returns the .wasm path. */
export function buildKnnWasm(): string {
  const out = knnWasmPath();
  if (existsSync(out)) return out;
  mkdirSync(dirname(out), { recursive: true });
  const partial = `${out}.${process.pid}.part`;
  try {
    execFileSync(findClang(), [...CLANG_FLAGS, '-o', partial, ...SOURCES], { stdio: ['ignore', 'inherit', 'pipe'] });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`building the WebAssembly kNN kernel failed (is lld installed? scripts/setup.sh installs it): ${stderr || String(err)}`);
  }
  renameSync(partial, out);
  return out;
}

let compiled: WasmModule | undefined;

export function knnModule(): WasmModule {
  compiled ??= new wasmApi.Module(readFileSync(buildKnnWasm()));
  return compiled;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(buildKnnWasm());
}
