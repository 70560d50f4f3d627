import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ManagedProcess, type ProcessSpec } from '../../supervise/process.ts';
import type { Journal } from '../../supervise/journal.ts';
import { freePorts } from '../../util/ports.ts';
import { waitFor } from '../../util/poll.ts';
import { minioBinary } from './tools.ts';

export const MINIO_CREDENTIALS = { accessKey: 'drilladmin', secretKey: 'drilladmin-secret' } as const;

export interface MinioOptions {
  dir: string;
  journal: Journal;
  timeoutMs?: number;
  /** Address to bind, e.g. a network namespace's; default 127.0.0.1. */
  host?: string;
  /** Default: <dir>/minio-data. */
  dataDir?: string;
  /** Wraps the process, e.g. to run it inside a network namespace. */
  wrap?: (spec: ProcessSpec) => ProcessSpec;
  /** Fills the data directory before MinIO first starts (a restore from a snapshot: cold-snapshot.ts). */
  seed?: (dataDir: string) => void | Promise<void>;
}

/** A real MinIO server on loopback (or a namespace's address), serving one data dir. */
export class MinioServer implements AsyncDisposable {
  private constructor(
    readonly host: string,
    readonly port: number,
    readonly dataDir: string,
    readonly logFile: string,
    private readonly consolePort: number,
    private readonly journal: Journal,
    private readonly wrap: (spec: ProcessSpec) => ProcessSpec,
    public process: ManagedProcess,
  ) {}

  static async start(opts: MinioOptions): Promise<MinioServer> {
    const [port, consolePort] = (await freePorts(2)) as [number, number];
    const dataDir = opts.dataDir ?? join(opts.dir, 'minio-data');
    mkdirSync(dataDir, { recursive: true });
    await opts.seed?.(dataDir);
    const logFile = join(opts.dir, 'minio.log');
    const wrap = opts.wrap ?? ((spec: ProcessSpec) => spec);
    const server = new MinioServer(opts.host ?? '127.0.0.1', port, dataDir, logFile, consolePort, opts.journal, wrap, undefined as never);
    server.process = server.spawn();
    try {
      await server.waitReady(opts.timeoutMs ?? 30_000);
      return server;
    } catch (err) {
      await server[Symbol.asyncDispose]();
      throw err;
    }
  }

  get address(): string {
    return `${this.host}:${this.port}`;
  }

  private spawn(): ManagedProcess {
    return new ManagedProcess(
      this.wrap({
        name: 'minio',
        command: minioBinary(),
        args: ['server', this.dataDir, '--address', this.address, '--console-address', `${this.host}:${this.consolePort}`, '--quiet'],
        env: {
          MINIO_ROOT_USER: MINIO_CREDENTIALS.accessKey,
          MINIO_ROOT_PASSWORD: MINIO_CREDENTIALS.secretKey,
          MINIO_BROWSER: 'off',
          MINIO_UPDATE: 'off',
        },
        logFile: this.logFile,
      }),
      this.journal,
    );
  }

  restart(): void {
    if (this.process.running) throw new Error('minio is still running');
    this.process = this.spawn();
  }

  async waitReady(timeoutMs: number): Promise<void> {
    await waitFor(
      async () => {
        const res = await fetch(`http://${this.address}/minio/health/ready`, { signal: AbortSignal.timeout(1000) });
        return res.ok;
      },
      { what: `MinIO readiness at http://${this.address}/minio/health/ready`, timeoutMs, process: this.process },
    );
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.process.stop();
  }
}
