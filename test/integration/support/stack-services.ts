// Minimal etcd and MinIO for the stack tests, until the platform's own versions land.
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import type { Journal } from '../../../src/platform/local/journal.ts';
import { ManagedProcess } from '../../../src/platform/local/process.ts';
import { pollUntil } from '../../../src/util/poll.ts';
import { freePorts } from '../../../src/util/ports.ts';

export interface Service extends AsyncDisposable {
  process: ManagedProcess;
  port: number;
}

async function httpOk(url: string): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
  return res.ok;
}

async function started(proc: ManagedProcess, url: string, what: string): Promise<void> {
  await pollUntil(
    async () => {
      if (!proc.running) throw new Error(`${what} exited: ${JSON.stringify(proc.status)}`);
      return httpOk(url);
    },
    { what, timeoutMs: 30_000, intervalMs: 100 },
  ).catch(async (err: unknown) => {
    await proc.stop(2_000);
    throw err;
  });
}

export async function startEtcd(dir: string, journal: Journal): Promise<Service> {
  const [port = 0, peerPort = 0] = await freePorts(2);
  mkdirSync(dir, { recursive: true });
  const proc = new ManagedProcess({
    name: 'etcd',
    command: 'etcd',
    args: [
      '--name', 'drill', '--data-dir', join(dir, 'data'),
      '--listen-client-urls', `http://127.0.0.1:${port}`, '--advertise-client-urls', `http://127.0.0.1:${port}`,
      '--listen-peer-urls', `http://127.0.0.1:${peerPort}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${peerPort}`,
      '--initial-cluster', `drill=http://127.0.0.1:${peerPort}`, '--quota-backend-bytes', String(4 * 1024 ** 3),
    ],
    logFile: join(dir, 'etcd.log'),
  }, journal);
  await started(proc, `http://127.0.0.1:${port}/health`, 'etcd health');
  return { process: proc, port, [Symbol.asyncDispose]: async () => void (await proc.stop(5_000)) };
}

export const MINIO_USER = 'drilladmin';
export const MINIO_PASSWORD = 'drilladmin-secret';

export async function startMinio(minioBinary: string, dir: string, journal: Journal): Promise<Service> {
  const [port = 0, consolePort = 0] = await freePorts(2);
  mkdirSync(join(dir, 'data'), { recursive: true });
  const proc = new ManagedProcess({
    name: 'minio',
    command: minioBinary,
    args: ['server', join(dir, 'data'), '--address', `127.0.0.1:${port}`, '--console-address', `127.0.0.1:${consolePort}`],
    env: { MINIO_ROOT_USER: MINIO_USER, MINIO_ROOT_PASSWORD: MINIO_PASSWORD },
    logFile: join(dir, 'minio.log'),
  }, journal);
  await started(proc, `http://127.0.0.1:${port}/minio/health/ready`, 'minio readiness');
  return { process: proc, port, [Symbol.asyncDispose]: async () => void (await proc.stop(5_000)) };
}
