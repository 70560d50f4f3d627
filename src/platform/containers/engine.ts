import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { ManagedProcess } from '../../supervise/process.ts';
import type { Journal } from '../../supervise/journal.ts';
import { stateDir } from '../../supervise/home.ts';
import { waitFor } from '../../util/poll.ts';

/**
 * A Docker-compatible container engine: Docker where a user has it, Podman's Docker-compatible
 * API service otherwise. testcontainers talks to it through DOCKER_HOST; images are built with
 * the engine's own CLI.
 */
export interface Engine extends AsyncDisposable {
  /** unix:///path or tcp://host:port, as testcontainers and the docker CLI take it. */
  readonly dockerHost: string;
  /** The CLI that builds images and that `heal` uses: 'podman' talks to its storage directly. */
  readonly cli: 'podman' | 'docker';
  /** How it was found, for the log. */
  readonly source: string;
}

export class NoEngineError extends Error {}

const DOCKER_SOCKET = '/var/run/docker.sock';
const PODMAN_SOCKET = '/run/podman/podman.sock';

/** Answers Docker's /_ping over a unix socket (or tcp), within a second. */
export function pingEngine(dockerHost: string): Promise<boolean> {
  return new Promise((resolve) => {
    const url = new URL(dockerHost);
    const target = url.protocol === 'unix:' ? { socketPath: url.pathname } : { host: url.hostname, port: Number(url.port) };
    const req = request({ ...target, path: '/_ping', method: 'GET', timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
    req.end();
  });
}

function hasCommand(name: string): boolean {
  return spawnSync(name, ['--version'], { stdio: 'ignore', timeout: 10_000 }).status === 0;
}

/** Which CLI drives images for an engine found at dockerHost. */
function cliFor(dockerHost: string): 'podman' | 'docker' {
  if (dockerHost.includes('podman') && hasCommand('podman')) return 'podman';
  return hasCommand('docker') ? 'docker' : 'podman';
}

export interface EngineOptions {
  journal: Journal;
  /** Where the Podman API service writes its log. */
  logDir: string;
  log?: (message: string) => void;
}

/**
 * Finds an engine in order: DOCKER_HOST, Docker's socket, Podman's socket; else starts Podman's
 * API service on a socket of this run (journalled, stopped on dispose, killed with the harness).
 */
export async function openEngine(o: EngineOptions): Promise<Engine> {
  const fromEnv = process.env.DOCKER_HOST;
  if (fromEnv) {
    if (!(await pingEngine(fromEnv))) throw new NoEngineError(`DOCKER_HOST=${fromEnv} does not answer; start that engine, or unset DOCKER_HOST to let milvus-drill start Podman`);
    return existing(fromEnv, 'DOCKER_HOST');
  }
  for (const socket of [DOCKER_SOCKET, PODMAN_SOCKET]) {
    const host = `unix://${socket}`;
    if (existsSync(socket) && (await pingEngine(host))) return existing(host, socket);
  }
  if (!hasCommand('podman')) {
    throw new NoEngineError(
      `no container engine: DOCKER_HOST is unset, nothing answers on ${DOCKER_SOCKET} or ${PODMAN_SOCKET}, and podman is not installed; ` +
        "run 'npm run setup' (scripts/setup.d/60-containers.sh installs Debian's podman and runc), or start Docker",
    );
  }
  return startPodmanService(o);
}

function existing(dockerHost: string, source: string): Engine {
  return { dockerHost, cli: cliFor(dockerHost), source, [Symbol.asyncDispose]: async () => undefined };
}

async function startPodmanService(o: EngineOptions): Promise<Engine> {
  const dir = join(stateDir(), 'podman');
  mkdirSync(dir, { recursive: true });
  // One path per harness process: testcontainers keeps its client for the life of the process,
  // so a later run in the same process must find its new service at the same place.
  const socket = join(dir, `harness-${process.pid}.sock`);
  rmSync(socket, { force: true });
  const dockerHost = `unix://${socket}`;
  o.log?.(`starting Podman's API service on ${socket}`);
  const service = new ManagedProcess(
    { name: 'podman-service', command: 'podman', args: ['system', 'service', '--time=0', dockerHost], logFile: join(o.logDir, 'podman-service.log') },
    o.journal,
  );
  const stop = async (): Promise<void> => {
    await service.stop(5_000);
    rmSync(socket, { force: true });
  };
  try {
    await waitFor(
      async () => {
        if (!service.running) throw new NoEngineError(`podman system service exited (${JSON.stringify(service.status)}): see ${join(o.logDir, 'podman-service.log')}`);
        return pingEngine(dockerHost);
      },
      { what: `Podman's API service on ${socket}`, timeoutMs: 30_000, intervalMs: 100 },
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { dockerHost, cli: 'podman', source: 'podman system service (started for this run)', [Symbol.asyncDispose]: stop };
}

/** Points testcontainers at the engine; the reaper (Ryuk) image cannot be pulled here, so labels and `heal` clean up instead. */
export function configureTestcontainers(engine: Engine): Disposable {
  const keys = ['DOCKER_HOST', 'TESTCONTAINERS_RYUK_DISABLED', 'TESTCONTAINERS_HOST_OVERRIDE'] as const;
  const before = Object.fromEntries(keys.map((k) => [k, process.env[k]]));
  process.env.DOCKER_HOST = engine.dockerHost;
  process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
  // Ports are published on 127.0.0.1 only; 'localhost' may resolve to ::1 first.
  if (engine.dockerHost.startsWith('unix://')) process.env.TESTCONTAINERS_HOST_OVERRIDE ??= '127.0.0.1';
  // Restored afterwards, so processes started later do not inherit a socket that is gone.
  return {
    [Symbol.dispose]: () => {
      for (const k of keys) {
        if (before[k] === undefined) delete process.env[k];
        else process.env[k] = before[k];
      }
    },
  };
}
