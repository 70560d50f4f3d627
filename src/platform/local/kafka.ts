import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from '../../util/poll.ts';
import { freePorts } from '../../util/ports.ts';
import type { Journal } from '../../supervise/journal.ts';
import { ManagedProcess, type ProcessSpec } from '../../supervise/process.ts';

const execFileAsync = promisify(execFile);

export const KAFKA_VERSION = '3.7.2';

export interface KafkaConfig {
  nodeId: number;
  /** Address the broker binds and advertises (127.0.0.1, or a namespace's address). */
  host: string;
  brokerPort: number;
  controllerPort: number;
  dataDir: string;
}

/** A single-node KRaft server.properties: one process is both broker and controller. */
export function renderKafkaProperties(c: KafkaConfig): string {
  const lines: [string, string | number][] = [
    ['process.roles', 'broker,controller'],
    ['node.id', c.nodeId],
    ['controller.quorum.voters', `${c.nodeId}@${c.host}:${c.controllerPort}`],
    ['listeners', `PLAINTEXT://${c.host}:${c.brokerPort},CONTROLLER://${c.host}:${c.controllerPort}`],
    ['advertised.listeners', `PLAINTEXT://${c.host}:${c.brokerPort}`],
    ['controller.listener.names', 'CONTROLLER'],
    ['inter.broker.listener.name', 'PLAINTEXT'],
    ['listener.security.protocol.map', 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT'],
    ['log.dirs', c.dataDir],
    ['num.partitions', 1],
    ['auto.create.topics.enable', 'true'],
    // One broker: internal topics cannot have more replicas than that.
    ['offsets.topic.replication.factor', 1],
    ['transaction.state.log.replication.factor', 1],
    ['transaction.state.log.min.isr', 1],
    ['group.initial.rebalance.delay.ms', 0],
    // Milvus writes messages up to a few MB (insert batches).
    ['message.max.bytes', 10 * 1024 * 1024],
    ['replica.fetch.max.bytes', 10 * 1024 * 1024],
  ];
  return lines.map(([k, v]) => `${k}=${v}`).join('\n') + '\n';
}

export interface KafkaOptions {
  /** $DRILL_HOME/kafka/<version> (holds libs/). */
  kafkaHome: string;
  /** Holds config, data and the log; created if missing. */
  dir: string;
  journal: Journal;
  host?: string;
  heapMb?: number;
  /** Default: <dir>/data. */
  dataDir?: string;
  /** Wraps the broker's process spec, e.g. to run it inside a network namespace. */
  wrap?: (spec: ProcessSpec) => ProcessSpec;
  readyTimeoutMs?: number;
}

export class KafkaBroker implements AsyncDisposable {
  constructor(
    public process: ManagedProcess,
    readonly host: string,
    readonly port: number,
    readonly controllerPort: number,
    readonly logFile: string,
    private readonly journal: Journal,
  ) {}

  /** Starts the broker again after a kill, on its formatted storage, ports and config. */
  restart(): void {
    if (this.process.running) throw new Error('kafka is still running');
    this.process = new ManagedProcess(this.process.spec, this.journal);
  }

  /** What Milvus's kafka.brokerList wants. */
  get brokerList(): string {
    return `${this.host}:${this.port}`;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.process.stop(15_000);
  }
}

export function kafkaJavaArgs(libs: string, heapMb: number, mainClass: string, args: readonly string[]): string[] {
  return [`-Xms64m`, `-Xmx${heapMb}m`, '-XX:+UseSerialGC', '-Djava.awt.headless=true', '-cp', `${libs}/*`, mainClass, ...args];
}

/**
 * A container's command for one KRaft broker of the image's Kafka (/opt/kafka): writes the
 * properties from $KAFKA_PROPERTIES, formats the storage on first start, then runs the broker.
 */
export function kafkaContainerScript(clusterId: string): string {
  const java = (heapMb: number, main: string, args: string[]): string => ['java', ...kafkaJavaArgs('/opt/kafka/libs', heapMb, main, args)].map((a) => `'${a}'`).join(' ');
  return [
    'printf "%s" "$KAFKA_PROPERTIES" > /tmp/server.properties',
    java(256, 'kafka.tools.StorageTool', ['format', '--ignore-formatted', '-t', clusterId, '-c', '/tmp/server.properties']),
    `exec ${java(384, 'kafka.Kafka', ['/tmp/server.properties'])}`,
  ].join(' && ');
}

/** Formats the storage (first start only) and starts a KRaft broker+controller; resolves when it serves metadata. */
export async function startKafka(options: KafkaOptions): Promise<KafkaBroker> {
  const libs = join(options.kafkaHome, 'libs');
  if (!existsSync(join(libs, `kafka_2.13-${KAFKA_VERSION}.jar`))) {
    throw new Error(`Kafka ${KAFKA_VERSION} jars not found in ${libs}: run scripts/setup.sh (scripts/setup.d/50-kafka.sh)`);
  }
  const host = options.host ?? '127.0.0.1';
  const heapMb = options.heapMb ?? 512;
  const [brokerPort = 0, controllerPort = 0] = await freePorts(2);
  const dataDir = options.dataDir ?? join(options.dir, 'data');
  const config = join(options.dir, 'server.properties');
  mkdirSync(options.dir, { recursive: true });
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(config, renderKafkaProperties({ nodeId: 1, host, brokerPort, controllerPort, dataDir }));
  await formatStorage(libs, config);

  const logFile = join(options.dir, 'kafka.log');
  const spec: ProcessSpec = { name: 'kafka', command: 'java', args: kafkaJavaArgs(libs, heapMb, 'kafka.Kafka', [config]), logFile };
  const proc = new ManagedProcess(options.wrap ? options.wrap(spec) : spec, options.journal);
  const broker = new KafkaBroker(proc, host, brokerPort, controllerPort, logFile, options.journal);
  try {
    await waitFor(
      async () => (await kafkaMetadataBrokers(host, brokerPort)).length > 0,
      { what: `Kafka broker on ${host}:${brokerPort} to list itself in metadata`, timeoutMs: options.readyTimeoutMs ?? 90_000, intervalMs: 250, process: proc },
    );
  } catch (err) {
    await proc.stop(5_000);
    throw err;
  }
  return broker;
}

/**
 * A Kafka cluster id (a 16-byte UUID in base64url) that cannot begin with '-' or '_': with the top
 * bit of the first byte clear the first character is one of A-Z, a-f. One random id in 64 began with '-'
 * and the storage tool read it as an option.
 */
export function kafkaClusterId(bytes: Buffer = randomBytes(16)): string {
  const id = Buffer.from(bytes.subarray(0, 16));
  id[0] = id[0]! & 0x7f;
  return id.toString('base64url');
}

async function formatStorage(libs: string, config: string): Promise<void> {
  const clusterId = kafkaClusterId();
  try {
    // --ignore-formatted: a data dir kept from an earlier start is reused as is. The '=' form keeps the id an argument whatever it holds.
    await execFileAsync('java', kafkaJavaArgs(libs, 256, 'kafka.tools.StorageTool', ['format', '--ignore-formatted', `--cluster-id=${clusterId}`, `--config=${config}`]), { timeout: 60_000 });
  } catch (err) {
    throw new Error(`kafka storage format failed: ${(err as { stderr?: string }).stderr?.trim().slice(-1_000) ?? String(err)}`);
  }
}

export interface KafkaBrokerInfo {
  nodeId: number;
  host: string;
  port: number;
}

/** Sends a Kafka Metadata v0 request and returns the brokers the cluster lists. */
export function kafkaMetadataBrokers(host: string, port: number, timeoutMs = 2_000): Promise<KafkaBrokerInfo[]> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let received = Buffer.alloc(0);
    const fail = (err: Error): void => {
      socket.destroy();
      reject(err);
    };
    socket.setTimeout(timeoutMs, () => fail(new Error(`no Kafka metadata answer from ${host}:${port} in ${timeoutMs} ms`)));
    socket.once('error', fail);
    socket.once('connect', () => socket.write(metadataRequest(7)));
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 4 || received.length < 4 + received.readInt32BE(0)) return;
      socket.destroy();
      try {
        resolve(parseMetadataBrokers(received.subarray(4, 4 + received.readInt32BE(0)), 7));
      } catch (err) {
        reject(err as Error);
      }
    });
  });
}

const METADATA_API_KEY = 3;
const CLIENT_ID = 'milvus-drill';

export function metadataRequest(correlationId: number): Buffer {
  const body = Buffer.alloc(2 + 2 + 4 + 2 + CLIENT_ID.length + 4);
  let o = body.writeInt16BE(METADATA_API_KEY, 0);
  o = body.writeInt16BE(0, o);
  o = body.writeInt32BE(correlationId, o);
  o = body.writeInt16BE(CLIENT_ID.length, o);
  o += body.write(CLIENT_ID, o, 'latin1');
  body.writeInt32BE(0, o); // v0: an empty topic list asks about every topic
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return Buffer.concat([size, body]);
}

export function parseMetadataBrokers(response: Buffer, correlationId: number): KafkaBrokerInfo[] {
  if (response.readInt32BE(0) !== correlationId) throw new Error('Kafka metadata answer has the wrong correlation id');
  const count = response.readInt32BE(4);
  const brokers: KafkaBrokerInfo[] = [];
  let o = 8;
  for (let i = 0; i < count; i++) {
    const nodeId = response.readInt32BE(o);
    const hostLength = response.readInt16BE(o + 4);
    const host = response.toString('latin1', o + 6, o + 6 + hostLength);
    const port = response.readInt32BE(o + 6 + hostLength);
    brokers.push({ nodeId, host, port });
    o += 10 + hostLength;
  }
  return brokers;
}
