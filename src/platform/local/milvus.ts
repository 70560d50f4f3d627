import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ManagedProcess } from '../../supervise/process.ts';
import type { Journal } from '../../supervise/journal.ts';
import { freePorts } from '../../util/ports.ts';
import { waitFor } from '../../util/poll.ts';
import { milvusBinary } from './tools.ts';
import { toYaml, type YamlValue } from './yaml.ts';
import { CHANNEL_CONFIG, versionConfig } from './milvus-versions.ts';
import { MINIO_CREDENTIALS } from './minio.ts';
import { pulsarSection } from './roles.ts';

/** Every gRPC port Milvus opens; all must be set, because the built-in defaults collide. */
const PORT_KEYS = [
  ['rootCoord', 'port'],
  ['proxy', 'port'],
  ['proxy', 'internalPort'],
  ['queryCoord', 'port'],
  ['queryNode', 'port'],
  ['indexCoord', 'port'],
  ['indexNode', 'port'],
  ['dataCoord', 'port'],
  ['dataNode', 'port'],
] as const;

export interface MilvusStandaloneOptions {
  version: string;
  dir: string;
  journal: Journal;
  etcdEndpoints: string[];
  /** null: Milvus keeps its segments on the local disk instead of object storage. */
  minioAddress: string | null;
  /** Pulsar as the message queue; absent: Milvus's own rocksmq. */
  pulsar?: { host: string; port: number; webPort: number };
  timeoutMs?: number;
  /** Settings the stack always has (security, TLS), under any restart's overrides. */
  baseConfig?: Record<string, unknown>;
}

export interface MilvusPorts {
  grpc: number;
  metrics: number;
  internal: Record<string, number>;
}

/** Our own minimal milvus.yaml: only what differs from Milvus's built-in defaults, what the version needs besides, then the scenario's overrides. */
export function renderStandaloneConfig(o: { version: string; dir: string; etcdEndpoints: string[]; minioAddress: string | null; pulsar?: MilvusStandaloneOptions['pulsar']; ports: MilvusPorts; overrides?: Record<string, unknown> }): string {
  const config: Record<string, YamlValue> = {
    // The sub-paths spelled out: 2.2 has no built-in default for them (it panics 'key not found'),
    // and an upgrade must find its metadata where the old version wrote it.
    etcd: { endpoints: o.etcdEndpoints.join(','), rootPath: 'milvus-drill', metaSubPath: 'meta', kvSubPath: 'kv', use: { embed: false } },
    common: { storageType: o.minioAddress ? 'minio' : 'local', ...CHANNEL_CONFIG.common },
    localStorage: { path: join(o.dir, 'local') },
    rocksmq: { path: join(o.dir, 'rocksmq') },
    log: { level: 'info', file: { rootPath: join(o.dir, 'logs') } },
  };
  if (o.pulsar) {
    config.mq = { type: 'pulsar' };
    config.pulsar = pulsarSection(o.pulsar);
  }
  if (o.minioAddress) {
    const [address, port] = o.minioAddress.split(':') as [string, string];
    config.minio = {
      address,
      port: Number(port),
      accessKeyID: MINIO_CREDENTIALS.accessKey,
      secretAccessKey: MINIO_CREDENTIALS.secretKey,
      useSSL: false,
      bucketName: 'milvus-drill',
      rootPath: 'files',
    };
  }
  for (const [section, key] of PORT_KEYS) {
    const s = (config[section] ??= {}) as Record<string, YamlValue>;
    s[key] = key === 'port' && section === 'proxy' ? o.ports.grpc : o.ports.internal[`${section}.${key}`]!;
    // Without an ip, each role registers the first non-loopback address; keep traffic on loopback.
    s.ip = '127.0.0.1';
  }
  return `${toYaml(mergeConfig(mergeConfig(versionConfig(o.version) as Record<string, YamlValue>, config), o.overrides ?? {}))}\n`;
}

/**
 * How long the old server may drain on SIGTERM during an upgrade before it is SIGKILLed. Milvus's
 * own graceful stop lasts up to common.gracefulStopTimeout (30 s); 2.3.0's never finishes and
 * holds the whole 30 s (measured), and the new server then still waits for the old session's
 * lease, so the full grace only lengthened the downtime. Acknowledged writes are in the message
 * queue's log either way (the durability check verifies every one).
 */
export const UPGRADE_STOP_MS = 10_000;

/** A real Milvus standalone server: one process holding every role. */
export class MilvusStandalone implements AsyncDisposable {
  private constructor(
    readonly options: MilvusStandaloneOptions,
    readonly ports: MilvusPorts,
    readonly logFile: string,
    public process: ManagedProcess,
  ) {}

  static async start(options: MilvusStandaloneOptions): Promise<MilvusStandalone> {
    const ports = await allocatePorts();
    const confDir = join(options.dir, 'conf');
    mkdirSync(confDir, { recursive: true });
    mkdirSync(join(options.dir, 'run'), { recursive: true });
    writeFileSync(join(confDir, 'milvus.yaml'), renderStandaloneConfig({ ...options, ports, overrides: options.baseConfig ?? {} }));
    // Knowhere's C++ logging reads this file; without it the server aborts at start.
    writeFileSync(join(confDir, 'glog.conf'), '--logtostderr=true\n--minloglevel=1\n');
    const server = new MilvusStandalone(options, ports, join(options.dir, 'milvus.log'), undefined as never);
    server.process = server.spawn();
    try {
      await server.waitReady(options.timeoutMs ?? 120_000);
      return server;
    } catch (err) {
      await server[Symbol.asyncDispose]();
      throw err;
    }
  }

  get address(): string {
    return `127.0.0.1:${this.ports.grpc}`;
  }

  get metricsUrl(): string {
    return `http://127.0.0.1:${this.ports.metrics}/metrics`;
  }

  /** The data coordinator's internal gRPC address (GcControl for binlog backups). */
  get dataCoordAddress(): string {
    return `127.0.0.1:${this.ports.internal['dataCoord.port']!}`;
  }

  private spawn(): ManagedProcess {
    const { binary, libDir } = milvusBinary(this.options.version);
    return new ManagedProcess(
      {
        name: 'milvus-standalone',
        command: binary,
        args: ['run', 'standalone'],
        cwd: this.options.dir,
        env: {
          MILVUSCONF: `${join(this.options.dir, 'conf')}/`,
          DEPLOY_MODE: 'STANDALONE',
          METRICS_PORT: String(this.ports.metrics),
          MILVUS_RUN_DIR: join(this.options.dir, 'run'),
          // Its S3 client would otherwise ask the EC2 metadata address for a region: off loopback.
          AWS_EC2_METADATA_DISABLED: 'true',
          LD_LIBRARY_PATH: [libDir, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':'),
        },
        logFile: this.logFile,
      },
      this.options.journal,
    );
  }

  /** Rewrites milvus.yaml with these overrides (nested objects) for the next start. */
  reconfigure(overrides: Record<string, unknown>): void {
    const merged = mergeConfig(mergeConfig({}, this.options.baseConfig ?? {}), overrides);
    writeFileSync(join(this.options.dir, 'conf', 'milvus.yaml'), renderStandaloneConfig({ ...this.options, ports: this.ports, overrides: merged }));
  }

  /**
   * Replaces the server with another version in place: a graceful stop (SIGKILL past the grace
   * period: a stop can hang for minutes), that version's milvus.yaml on the same etcd root, MinIO
   * bucket and ports, and a start, resolved once it is healthy.
   */
  async upgrade(version: string, overrides: Record<string, unknown>, signal: AbortSignal, timeoutMs = 180_000): Promise<{ stopMs: number; killed: boolean }> {
    milvusBinary(version); // a missing install fails here, before the running server is stopped
    const stopping = Date.now();
    const exit = await this.process.stop(UPGRADE_STOP_MS);
    const stopped = { stopMs: Date.now() - stopping, killed: exit.signal === 'SIGKILL' };
    signal.throwIfAborted();
    this.options.version = version;
    this.reconfigure(overrides);
    this.process = this.spawn();
    await this.waitReady(timeoutMs);
    return stopped;
  }

  /** Starts the server again after a kill, with the same config, ports and data. */
  restart(): void {
    if (this.process.running) throw new Error('milvus is still running');
    this.process = this.spawn();
  }

  async waitReady(timeoutMs: number): Promise<void> {
    const url = `http://127.0.0.1:${this.ports.metrics}/healthz`;
    await waitFor(
      async () => {
        const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
        return (await res.text()).trim() === 'OK';
      },
      { what: `Milvus health at ${url}`, timeoutMs, process: this.process },
    );
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.process.stop(15_000);
  }
}

async function allocatePorts(): Promise<MilvusPorts> {
  const ports = await freePorts(PORT_KEYS.length + 1);
  const internal: Record<string, number> = {};
  PORT_KEYS.forEach(([section, key], i) => (internal[`${section}.${key}`] = ports[i]!));
  return { grpc: internal['proxy.port']!, metrics: ports[PORT_KEYS.length]!, internal };
}

/** Deep-merges overrides (nested objects) into a config; scalars and lists replace. */
export function mergeConfig(base: Record<string, YamlValue>, overrides: Record<string, unknown>): Record<string, YamlValue> {
  const out: Record<string, YamlValue> = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    const current = out[key];
    const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
    out[key] = isMap(value) && isMap(current) ? mergeConfig(current as Record<string, YamlValue>, value) : (value as YamlValue);
  }
  return out;
}
