import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ManagedProcess } from './process.ts';
import type { Journal } from './journal.ts';
import { freePorts } from '../../util/ports.ts';
import { pollUntil } from '../../util/poll.ts';
import { minioBinary } from './tools.ts';

export const MINIO_CREDENTIALS = { accessKey: 'drilladmin', secretKey: 'drilladmin-secret' } as const;

/** A real MinIO server on loopback, serving one data dir. */
export class MinioServer implements AsyncDisposable {
  private constructor(
    readonly port: number,
    readonly dataDir: string,
    readonly logFile: string,
    private readonly consolePort: number,
    private readonly journal: Journal,
    public process: ManagedProcess,
  ) {}

  static async start(opts: { dir: string; journal: Journal; timeoutMs?: number }): Promise<MinioServer> {
    const [port, consolePort] = (await freePorts(2)) as [number, number];
    const dataDir = join(opts.dir, 'minio-data');
    mkdirSync(dataDir, { recursive: true });
    const logFile = join(opts.dir, 'minio.log');
    const server = new MinioServer(port, dataDir, logFile, consolePort, opts.journal, undefined as never);
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
    return `127.0.0.1:${this.port}`;
  }

  private spawn(): ManagedProcess {
    return new ManagedProcess(
      {
        name: 'minio',
        command: minioBinary(),
        args: ['server', this.dataDir, '--address', this.address, '--console-address', `127.0.0.1:${this.consolePort}`, '--quiet'],
        env: {
          MINIO_ROOT_USER: MINIO_CREDENTIALS.accessKey,
          MINIO_ROOT_PASSWORD: MINIO_CREDENTIALS.secretKey,
          MINIO_BROWSER: 'off',
          MINIO_UPDATE: 'off',
        },
        logFile: this.logFile,
      },
      this.journal,
    );
  }

  restart(): void {
    if (this.process.running) throw new Error('minio is still running');
    this.process = this.spawn();
  }

  async waitReady(timeoutMs: number): Promise<void> {
    await pollUntil(
      async () => {
        if (!this.process.running) throw new Error(`minio exited: see ${this.logFile}`);
        const res = await fetch(`http://${this.address}/minio/health/ready`, { signal: AbortSignal.timeout(1000) });
        return res.ok;
      },
      { what: `MinIO readiness at http://${this.address}/minio/health/ready`, timeoutMs },
    );
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.process.stop();
  }
}
