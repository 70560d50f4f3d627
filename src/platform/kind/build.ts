// Builds what a kind cluster on this machine needs, from package registries only: kind and the
// Kubernetes commands from their Go modules, etcd, CoreDNS, crictl and the local-path provisioner
// from theirs, the pause binary from Kubernetes' own C source, then the control-plane images and
// the node image (see node-image.ts). Every build runs under `nice -n 19` and lands in
// $MILVUS_DRILL_HOME/kind/<what>/<version>-<key>/, written to a scratch directory renamed into
// place at the end, so an interrupted build is redone and a finished one is skipped.
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { drillHome, MissingToolError } from '../../supervise/home.ts';
import {
  buildDir, cacheKey, GO_BUILD_ENV, KIND_TOOL, KUBE_COMMANDS, KUBERNETES_VERSION, kubeBuildArgs,
  renderKubeGoMod, renderKubeToolsGo, renderWrapperGoMod, goToolBuildArgs, type GoTool,
} from './build-plan.ts';

/** The one command that builds everything here; named by every "not built" error. */
export const SETUP_KIND_COMMAND = 'npm run setup:kind';

export interface Part {
  name: string;
  dir: string;
  built: boolean;
  seconds: number;
  /** Seconds its last real build took (recorded beside it), whether or not it was built now. */
  buildSeconds: number;
}

export interface BuildContext {
  home: string;
  log: (message: string) => void;
  /** Folder of build logs, one file per step. */
  logs: string;
}

export function buildContext(log: (message: string) => void, home = drillHome()): BuildContext {
  const logs = join(home, 'kind', 'logs');
  mkdirSync(logs, { recursive: true });
  return { home, log, logs };
}

/** `go version`'s answer, part of every Go build's cache key; a clear error when Go is missing. */
export function goVersion(): string {
  const r = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new MissingToolError("Go is not installed (no 'go' on PATH); install Debian's golang-go (apt-get install golang-go) or a Go toolchain, then run " + SETUP_KIND_COMMAND);
  }
  return r.stdout.trim();
}

/** Runs a command at the lowest CPU priority, its output appended to a log file; errors carry the log's tail. */
export function runNice(ctx: BuildContext, step: string, command: string, args: string[], o: { cwd?: string; env?: Record<string, string> } = {}): Promise<void> {
  const logFile = join(ctx.logs, `${step}.log`);
  const out = createWriteStream(logFile, { flags: 'a' });
  out.write(`\n$ ${command} ${args.join(' ')}\n`);
  return new Promise((resolve, reject) => {
    const child = spawn('nice', ['-n', '19', command, ...args], { cwd: o.cwd, env: { ...process.env, ...o.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(out, { end: false });
    child.stderr.pipe(out, { end: false });
    child.on('error', (e) => {
      out.end();
      reject(e);
    });
    child.on('close', (code) => {
      out.end(() => {
        if (code === 0) return resolve();
        const tail = readFileSync(logFile, 'utf8').split('\n').slice(-25).join('\n');
        reject(new Error(`${step}: '${command} ${args.slice(0, 3).join(' ')} …' failed (exit ${code}); full log: ${logFile}\n${tail}`));
      });
    });
  });
}

/** Runs `build` into a scratch folder renamed to `dir` when it succeeds; skips it when `dir` exists. */
export async function cached(ctx: BuildContext, name: string, dir: string, build: (scratch: string) => Promise<void>): Promise<Part> {
  if (existsSync(join(dir, '.done'))) {
    ctx.log(`${name}: cached (${dir})`);
    const recorded = JSON.parse(readFileSync(join(dir, '.done'), 'utf8')) as { seconds?: number };
    return { name, dir, built: false, seconds: 0, buildSeconds: recorded.seconds ?? 0 };
  }
  const started = Date.now();
  const scratch = `${dir}.part`;
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  ctx.log(`${name}: building into ${dir} (log: ${join(ctx.logs, name + '.log')})`);
  await build(scratch);
  const seconds = (Date.now() - started) / 1000;
  writeFileSync(join(scratch, '.done'), JSON.stringify({ name, seconds, at: new Date().toISOString() }) + '\n');
  rmSync(dir, { recursive: true, force: true });
  renameSync(scratch, dir);
  ctx.log(`${name}: built in ${seconds.toFixed(0)} s`);
  return { name, dir, built: true, seconds, buildSeconds: seconds };
}

/** kind, from its Go module, with `go install`. */
export function buildKind(ctx: BuildContext, go = goVersion()): Promise<Part> {
  const dir = buildDir(ctx.home, 'kind', KIND_TOOL.version, cacheKey(KIND_TOOL.pkg, KIND_TOOL.version, go));
  return cached(ctx, 'kind', dir, (scratch) =>
    runNice(ctx, 'kind', 'go', ['install', `${KIND_TOOL.pkg}@${KIND_TOOL.version}`], { env: { ...GO_BUILD_ENV, GOBIN: join(scratch, 'bin') } }));
}

/** The Kubernetes commands, from k8s.io/kubernetes with its staging modules replaced by the published ones. */
export function buildKubernetes(ctx: BuildContext, version = KUBERNETES_VERSION, go = goVersion()): Promise<Part> {
  const goMod = renderKubeGoMod(version);
  const tools = renderKubeToolsGo();
  const key = cacheKey(goMod, tools, kubeBuildArgs(version, 'out').join(' '), go);
  const dir = buildDir(ctx.home, 'kubernetes', version, key);
  return cached(ctx, 'kubernetes', dir, async (scratch) => {
    const mod = prepareModule(ctx, `kubernetes-${version}`, goMod, tools);
    await runNice(ctx, 'kubernetes', 'go', ['mod', 'tidy'], { cwd: mod, env: { ...GO_BUILD_ENV } });
    await runNice(ctx, 'kubernetes', 'go', kubeBuildArgs(version, join(scratch, 'bin')), { cwd: mod, env: { ...GO_BUILD_ENV } });
    for (const c of KUBE_COMMANDS) if (!existsSync(join(scratch, 'bin', c))) throw new Error(`kubernetes: go build produced no ${c}`);
  });
}

/** One command from a module built in a wrapper module (a module with replace directives cannot be `go install`ed). */
export function buildGoTool(ctx: BuildContext, tool: GoTool, go = goVersion()): Promise<Part> {
  const goMod = renderWrapperGoMod(tool);
  const args = goToolBuildArgs(tool, 'out');
  const dir = buildDir(ctx.home, tool.name, tool.version, cacheKey(goMod, args.join(' '), go));
  return cached(ctx, tool.name, dir, async (scratch) => {
    const mod = prepareModule(ctx, `${tool.name}-${tool.version}`, goMod);
    await runNice(ctx, tool.name, 'go', ['get', `${tool.pkg}@${tool.version}`], { cwd: mod, env: { ...GO_BUILD_ENV } });
    await runNice(ctx, tool.name, 'go', goToolBuildArgs(tool, join(scratch, 'bin', tool.name)), { cwd: mod, env: { ...GO_BUILD_ENV } });
  });
}

/** A module folder under the drill home (kept, so its go.sum is reused), with go.mod rewritten when it differs. */
function prepareModule(ctx: BuildContext, name: string, goMod: string, tools?: string): string {
  const mod = join(ctx.home, 'kind', 'src', name);
  mkdirSync(mod, { recursive: true });
  const modFile = join(mod, 'go.mod');
  const marker = join(mod, '.go.mod.rendered');
  if (!existsSync(marker) || readFileSync(marker, 'utf8') !== goMod) {
    writeFileSync(modFile, goMod);
    writeFileSync(marker, goMod);
    rmSync(join(mod, 'go.sum'), { force: true });
  }
  if (tools !== undefined) writeFileSync(join(mod, 'tools.go'), tools);
  return mod;
}
