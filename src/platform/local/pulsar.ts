import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { Role } from '../../core/types.ts';
import { drillHome } from '../../supervise/home.ts';
import type { Journal } from '../../supervise/journal.ts';
import { ManagedProcess, type ProcessSpec } from '../../supervise/process.ts';
import { DisposalStack } from '../../util/disposal.ts';
import { waitFor } from '../../util/poll.ts';
import { freePorts } from '../../util/ports.ts';

/**
 * Apache Pulsar for the local platform, from the jars scripts/setup.d/55-pulsar.sh resolves:
 * a Pulsar standalone (broker, bookie and ZooKeeper in one JVM) beside Milvus standalone, or, for
 * the cluster topology, ZooKeeper, three bookies and one broker as separate processes, as the
 * Milvus Helm chart runs them. See docs/local-stack.md.
 */
export const PULSAR_VERSION = '2.10.5';

/** The Milvus chart's broker settings: with three bookies, one can be lost and writes go on. */
export const PULSAR_QUORUM = { ensemble: 2, write: 2, ack: 2 } as const;
export const PULSAR_BOOKIES = 3;
export const PULSAR_CLUSTER = 'milvus-drill';

export type PulsarRole = Extract<Role, 'pulsar-zookeeper' | 'pulsar-bookie' | 'pulsar-broker'>;

/** Component names of the cluster topology's Pulsar, in start order. */
export const PULSAR_COMPONENTS: readonly string[] = [
  'pulsar-zookeeper',
  ...Array.from({ length: PULSAR_BOOKIES }, (_, i) => `pulsar-bookie-${i + 1}`),
  'pulsar-broker',
];

export function pulsarHome(): string {
  return join(drillHome(), 'pulsar', PULSAR_VERSION);
}

/** What Milvus's `pulsar` config section needs. */
export interface PulsarEndpoint {
  host: string;
  port: number;
  webPort: number;
}

type Properties = readonly (readonly [string, string | number | boolean])[];

function properties(lines: Properties): string {
  return lines.map(([k, v]) => `${k}=${v}`).join('\n') + '\n';
}

export function renderZookeeperConfig(c: { host: string; port: number; dataDir: string }): string {
  return properties([
    ['tickTime', 2000],
    ['initLimit', 10],
    ['syncLimit', 5],
    ['dataDir', c.dataDir],
    ['clientPort', c.port],
    ['clientPortAddress', c.host],
    ['admin.enableServer', false],
    ['4lw.commands.whitelist', 'ruok,srvr'],
    ['autopurge.purgeInterval', 1],
  ]);
}

export function renderBookieConfig(c: { host: string; port: number; zookeeper: string; journalDir: string; ledgersDir: string }): string {
  return properties([
    ['bookiePort', c.port],
    ['advertisedAddress', c.host],
    // Bookie ids are host:port; on loopback three bookies share 127.0.0.1.
    ['allowLoopback', true],
    ['useHostNameAsBookieID', false],
    ['journalDirectories', c.journalDir],
    ['ledgerDirectories', c.ledgersDir],
    ['metadataServiceUri', `zk+null://${c.zookeeper}/ledgers`],
    ['zkTimeout', 30_000],
    ['httpServerEnabled', false],
    // Small caches: five JVMs share a 2-core machine with Milvus.
    ['journalMaxGroupWaitMSec', 1],
    ['skipListSizeLimit', 16 * 1024 * 1024],
    ['diskCheckInterval', 2_000],
  ]);
}

export function renderBrokerConfig(c: { host: string; brokerPort: number; webPort: number; zookeeper: string; ensemble: number; write: number; ack: number }): string {
  return properties([
    ['clusterName', PULSAR_CLUSTER],
    ['metadataStoreUrl', `zk:${c.zookeeper}`],
    ['configurationMetadataStoreUrl', `zk:${c.zookeeper}`],
    ['brokerServicePort', c.brokerPort],
    ['webServicePort', c.webPort],
    ['bindAddress', c.host],
    ['advertisedAddress', c.host],
    ...commonBrokerSettings(c),
    // A broker that loses its ZooKeeper session reconnects instead of exiting: locally nothing
    // restarts it, where Kubernetes would.
    ['zookeeperSessionExpiredPolicy', 'reconnect'],
  ]);
}

function commonBrokerSettings(q: { ensemble: number; write: number; ack: number }): Properties {
  return [
    ['managedLedgerDefaultEnsembleSize', q.ensemble],
    ['managedLedgerDefaultWriteQuorum', q.write],
    ['managedLedgerDefaultAckQuorum', q.ack],
    // The broker cannot read a VM's NIC speed and refuses to start without it.
    ['loadBalancerOverrideBrokerNicSpeedGbps', 10],
    ['functionsWorkerEnabled', false],
    ['systemTopicEnabled', false],
    ['topicLevelPoliciesEnabled', false],
    ['brokerDeleteInactiveTopicsEnabled', false],
    // Milvus's chart: 5 MiB messages (insert batches).
    ['maxMessageSize', 5 * 1024 * 1024],
    ['brokerShutdownTimeoutMs', 5_000],
  ];
}

export function renderStandaloneConfig(c: { host: string; brokerPort: number; webPort: number; zookeeperPort: number }): string {
  return properties([
    ['clusterName', 'standalone'],
    ['metadataStoreUrl', `zk:${c.host}:${c.zookeeperPort}`],
    ['configurationMetadataStoreUrl', `zk:${c.host}:${c.zookeeperPort}`],
    ['brokerServicePort', c.brokerPort],
    ['webServicePort', c.webPort],
    ['bindAddress', c.host],
    ['advertisedAddress', c.host],
    ...commonBrokerSettings({ ensemble: 1, write: 1, ack: 1 }),
  ]);
}

const LOG4J2 = [
  'status = warn',
  'appender.console.type = Console',
  'appender.console.name = console',
  'appender.console.layout.type = PatternLayout',
  'appender.console.layout.pattern = %d{ISO8601} %-5level [%t] %c{1} - %msg%n',
  'rootLogger.level = info',
  'rootLogger.appenderRef.console.ref = console',
  '',
].join('\n');

/** The module openings Pulsar's own launcher passes on Java 17 (its metrics and DNS cache read JDK internals). */
const ADD_OPENS = ['java.base/sun.net', 'java.management/sun.management', 'java.base/jdk.internal.platform', 'java.base/java.lang', 'java.base/java.nio', 'java.base/sun.nio.ch'];

export function pulsarJavaArgs(libs: string, log4jConfig: string, heapMb: number, mainClass: string, args: readonly string[]): string[] {
  return [
    '-Xms32m',
    `-Xmx${heapMb}m`,
    `-XX:MaxDirectMemorySize=${heapMb}m`,
    '-XX:+UseSerialGC',
    '-Djava.awt.headless=true',
    `-Dlog4j.configurationFile=${log4jConfig}`,
    '-Dpulsar.allocator.exit_on_oom=true',
    ...ADD_OPENS.flatMap((m) => ['--add-opens', `${m}=ALL-UNNAMED`]),
    '-cp',
    `${libs}/*`,
    mainClass,
    ...args,
  ];
}

function libsOrThrow(home: string): string {
  const libs = join(home, 'libs');
  if (!existsSync(join(libs, `pulsar-broker-${PULSAR_VERSION}.jar`))) {
    throw new Error(`Pulsar ${PULSAR_VERSION} jars not found in ${libs}: run scripts/setup.sh (scripts/setup.d/55-pulsar.sh)`);
  }
  return libs;
}

/** One Pulsar process that a fault can kill and the heal start again on its data, ports and config. */
export class PulsarNode {
  process: ManagedProcess;

  constructor(
    readonly name: string,
    readonly role: PulsarRole | 'mq',
    private readonly spec: ProcessSpec,
    private readonly journal: Journal,
  ) {
    this.process = new ManagedProcess(spec, journal);
  }

  get logFile(): string {
    return this.spec.logFile;
  }

  restart(): void {
    if (this.process.running) throw new Error(`${this.name} is still running`);
    this.process = new ManagedProcess(this.spec, this.journal);
  }

  alive(): void {
    if (!this.process.running) throw new Error(`${this.name} exited (${JSON.stringify(this.process.status)}): see ${this.logFile}${logTail(this.logFile)}`);
  }
}

function logTail(file: string): string {
  try {
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    const errors = lines.filter((l) => / ERROR |Exception:/.test(l)).slice(-3);
    return errors.length > 0 ? `\n  ${errors.join('\n  ')}` : '';
  } catch {
    return '';
  }
}

export interface PulsarCommonOptions {
  /** Holds configs and logs; created if missing. */
  dir: string;
  journal: Journal;
  signal?: AbortSignal;
  readyTimeoutMs?: number;
  /** Default: pulsarHome(). */
  home?: string;
}

/** Pulsar standalone (broker, one bookie and ZooKeeper in one JVM) on loopback. */
export class PulsarStandalone implements AsyncDisposable {
  private constructor(
    readonly node: PulsarNode,
    readonly endpoint: PulsarEndpoint,
  ) {}

  static async start(o: PulsarCommonOptions & { heapMb?: number }): Promise<PulsarStandalone> {
    const libs = libsOrThrow(o.home ?? pulsarHome());
    const host = '127.0.0.1';
    const [brokerPort = 0, webPort = 0, zookeeperPort = 0, bookiePort = 0] = await freePorts(4);
    mkdirSync(o.dir, { recursive: true });
    const conf = join(o.dir, 'standalone.conf');
    const log4j = join(o.dir, 'log4j2.properties');
    writeFileSync(conf, renderStandaloneConfig({ host, brokerPort, webPort, zookeeperPort }));
    writeFileSync(log4j, LOG4J2);
    const args = ['--config', conf, '--zookeeper-port', String(zookeeperPort), '--bookkeeper-port', String(bookiePort), '--zookeeper-dir', join(o.dir, 'zookeeper'), '--bookkeeper-dir', join(o.dir, 'bookkeeper'), '--no-stream-storage', '--no-functions-worker'];
    const spec: ProcessSpec = { name: 'pulsar-standalone', command: 'java', args: pulsarJavaArgs(libs, log4j, o.heapMb ?? 512, 'org.apache.pulsar.PulsarStandaloneStarter', args), cwd: o.dir, logFile: join(o.dir, 'pulsar.log') };
    const node = new PulsarNode('pulsar', 'mq', spec, o.journal);
    const standalone = new PulsarStandalone(node, { host, port: brokerPort, webPort });
    try {
      await waitBrokerHealthy(node, standalone.endpoint, o);
      return standalone;
    } catch (err) {
      await node.process.stop(5_000);
      throw err;
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.node.process.stop(10_000);
  }
}

export interface PulsarClusterOptions extends PulsarCommonOptions {
  /** Address each component binds and advertises (its namespace's address, or 127.0.0.1). */
  hostOf?: (name: string) => string;
  /** Wraps a component's process spec, e.g. to run it inside its network namespace. */
  wrap?: (name: string, spec: ProcessSpec) => ProcessSpec;
  /** Where a component keeps its data (its volume); default <dir>/<name>/data. */
  dataDirOf?: (name: string) => string;
  log?: (message: string) => void;
}

/** ZooKeeper, three bookies and a broker, each its own process. */
export class PulsarCluster implements AsyncDisposable {
  private constructor(
    readonly zookeeper: PulsarNode,
    readonly bookies: readonly PulsarNode[],
    readonly broker: PulsarNode,
    readonly endpoint: PulsarEndpoint,
    private readonly resources: DisposalStack,
  ) {}

  get nodes(): PulsarNode[] {
    return [this.zookeeper, ...this.bookies, this.broker];
  }

  static async start(o: PulsarClusterOptions): Promise<PulsarCluster> {
    const libs = libsOrThrow(o.home ?? pulsarHome());
    const hostOf = o.hostOf ?? (() => '127.0.0.1');
    const wrap = o.wrap ?? ((_name: string, spec: ProcessSpec) => spec);
    const dataDirOf = o.dataDirOf ?? ((name: string) => join(o.dir, name, 'data'));
    const [zkPort = 0, brokerPort = 0, webPort = 0, ...bookiePorts] = await freePorts(3 + PULSAR_BOOKIES);
    const log4j = join(o.dir, 'log4j2.properties');
    mkdirSync(o.dir, { recursive: true });
    writeFileSync(log4j, LOG4J2);
    const resources = new DisposalStack();
    const nodeOf = (name: string, role: PulsarRole, heapMb: number, mainClass: string, args: (confDir: string) => string[], config: (confDir: string) => [string, string]): PulsarNode => {
      const confDir = join(o.dir, name);
      mkdirSync(confDir, { recursive: true });
      const [file, text] = config(confDir);
      writeFileSync(join(confDir, file), text);
      const spec: ProcessSpec = { name, command: 'java', args: pulsarJavaArgs(libs, log4j, heapMb, mainClass, args(confDir)), cwd: confDir, logFile: join(o.dir, `${name}.log`) };
      return new PulsarNode(name, role, wrap(name, spec), o.journal);
    };
    const stopAll = (nodes: PulsarNode[], graceMs: number) => async () => void (await Promise.all(nodes.map((n) => n.process.stop(graceMs))));
    try {
      const zkHost = hostOf('pulsar-zookeeper');
      const zookeeper = `${zkHost}:${zkPort}`;
      const zk = nodeOf('pulsar-zookeeper', 'pulsar-zookeeper', 128, 'org.apache.zookeeper.server.ZooKeeperServerMain', (d) => [join(d, 'zoo.cfg')], () => ['zoo.cfg', renderZookeeperConfig({ host: zkHost, port: zkPort, dataDir: dataDirOf('pulsar-zookeeper') })]);
      resources.defer(stopAll([zk], 5_000));
      await waitFor(async () => (zk.alive(), (await fourLetterWord(zkHost, zkPort, 'ruok')) === 'imok'), { what: `Pulsar's ZooKeeper at ${zookeeper}`, timeoutMs: o.readyTimeoutMs ?? 60_000, intervalMs: 250, ...signalOf(o) });
      await initializeMetadata(o, libs, log4j, wrap, zookeeper, hostOf('pulsar-broker'), brokerPort, webPort);

      o.log?.(`Pulsar: ZooKeeper at ${zookeeper}; starting ${PULSAR_BOOKIES} bookies`);
      const bookies = bookiePorts.map((port, i) => {
        const name = `pulsar-bookie-${i + 1}`;
        const data = dataDirOf(name);
        return nodeOf(name, 'pulsar-bookie', 256, 'org.apache.bookkeeper.server.Main', (d) => ['--conf', join(d, 'bookkeeper.conf')], () => [
          'bookkeeper.conf',
          renderBookieConfig({ host: hostOf(name), port, zookeeper, journalDir: join(data, 'journal'), ledgersDir: join(data, 'ledgers') }),
        ]);
      });
      resources.defer(stopAll(bookies, 10_000));
      await Promise.all(bookies.map((b, i) => waitFor(async () => (b.alive(), await tcpOpen(hostOf(b.name), bookiePorts[i]!)), { what: `${b.name} on ${hostOf(b.name)}:${bookiePorts[i]}`, timeoutMs: o.readyTimeoutMs ?? 90_000, intervalMs: 250, ...signalOf(o) })));

      const brokerHost = hostOf('pulsar-broker');
      const broker = nodeOf('pulsar-broker', 'pulsar-broker', 384, 'org.apache.pulsar.PulsarBrokerStarter', (d) => ['--broker-conf', join(d, 'broker.conf')], () => [
        'broker.conf',
        renderBrokerConfig({ host: brokerHost, brokerPort, webPort, zookeeper, ...PULSAR_QUORUM }),
      ]);
      resources.defer(stopAll([broker], 10_000));
      const endpoint = { host: brokerHost, port: brokerPort, webPort };
      await waitBrokerHealthy(broker, endpoint, o);
      return new PulsarCluster(zk, bookies, broker, endpoint, resources.move());
    } catch (err) {
      await resources.disposeAsync();
      throw err;
    }
  }

  /** Broker first (it flushes to the bookies), then the bookies, then ZooKeeper. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.resources.disposeAsync();
  }
}

function signalOf(o: { signal?: AbortSignal }): { signal?: AbortSignal } {
  return o.signal ? { signal: o.signal } : {};
}

/** Writes the cluster, tenant and namespace metadata and formats BookKeeper's ledger metadata, once. */
async function initializeMetadata(o: PulsarClusterOptions, libs: string, log4j: string, wrap: (name: string, spec: ProcessSpec) => ProcessSpec, zookeeper: string, brokerHost: string, brokerPort: number, webPort: number): Promise<void> {
  const logFile = join(o.dir, 'pulsar-init.log');
  const args = ['--cluster', PULSAR_CLUSTER, '--zookeeper', zookeeper, '--configuration-store', zookeeper, '--web-service-url', `http://${brokerHost}:${webPort}`, '--broker-service-url', `pulsar://${brokerHost}:${brokerPort}`];
  // Run from ZooKeeper's namespace: it only talks to ZooKeeper.
  const init = new ManagedProcess(wrap('pulsar-zookeeper', { name: 'pulsar-init', command: 'java', args: pulsarJavaArgs(libs, log4j, 128, 'org.apache.pulsar.PulsarClusterMetadataSetup', args), logFile }), o.journal);
  const abort = (): void => init.signal('SIGKILL');
  o.signal?.addEventListener('abort', abort, { once: true });
  const timer = setTimeout(abort, o.readyTimeoutMs ?? 90_000);
  try {
    const status = await init.exited;
    if (status.code !== 0) throw new Error(`Pulsar metadata initialization failed (${JSON.stringify(status)}): see ${logFile}${logTail(logFile)}`);
  } finally {
    clearTimeout(timer);
    o.signal?.removeEventListener('abort', abort);
  }
}

/** Ready when the broker's health check passes: it writes and reads a heartbeat topic through the bookies. */
async function waitBrokerHealthy(node: PulsarNode, endpoint: PulsarEndpoint, o: PulsarCommonOptions): Promise<void> {
  await waitFor(
    async () => {
      node.alive();
      return (await brokerHealth(endpoint)) === 'ok';
    },
    { what: `Pulsar broker health at ${healthUrl(endpoint)}`, timeoutMs: o.readyTimeoutMs ?? 120_000, intervalMs: 500, ...signalOf(o) },
  );
}

function healthUrl(e: PulsarEndpoint): string {
  return `http://${e.host}:${e.webPort}/admin/v2/brokers/health`;
}

/** The broker's own health check: 'ok' after a message went through a topic and back. */
export async function brokerHealth(e: PulsarEndpoint, timeoutMs = 10_000): Promise<string> {
  const res = await fetch(healthUrl(e), { signal: AbortSignal.timeout(timeoutMs) });
  return (await res.text()).trim();
}

/** ZooKeeper's four-letter commands ('ruok' answers 'imok'). */
export function fourLetterWord(host: string, port: number, word: string, timeoutMs = 2_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let answer = '';
    socket.setTimeout(timeoutMs, () => {
      socket.destroy();
      reject(new Error(`no answer to '${word}' from ${host}:${port} in ${timeoutMs} ms`));
    });
    socket.once('error', reject);
    socket.once('connect', () => socket.write(word));
    socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
    socket.once('end', () => {
      socket.destroy();
      resolve(answer.trim());
    });
  });
}

function tcpOpen(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
