import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MilvusClient } from '@zilliz/milvus2-sdk-node';
import type { ActionProgress, RunContext } from '../../core/platform.ts';
import type { CoordinatorRole, Role, StackSpec } from '../../core/types.ts';
import { DisposalStack } from '../../util/disposal.ts';
import { waitFor } from '../../util/poll.ts';
import { freePorts } from '../../util/ports.ts';
import type { LocalCapabilities } from './capabilities.ts';
import { EtcdCluster, type EtcdClusterOptions } from './etcd.ts';
import { localComponent, type FaultContext, type LocalComponent } from './faults.ts';
import type { Journal } from '../../supervise/journal.ts';
import { KAFKA_VERSION, startKafka, type KafkaBroker } from './kafka.ts';
import { MINIO_CREDENTIALS, MinioServer, type MinioOptions } from './minio.ts';
import { PULSAR_BOOKIES, PULSAR_COMPONENTS, PULSAR_VERSION, PulsarCluster } from './pulsar.ts';
import { NetnsNetwork } from './netns.ts';
import { ManagedProcess, type ProcessSpec } from '../../supervise/process.ts';
import {
  GLOG_CONF,
  activeProcess,
  activeSessionKey,
  clusterProcessNames,
  clusterProcessSpecs,
  coordinatorRoles,
  isCoordinator,
  portsNeeded,
  renderMilvusConfig,
  rollOrder,
  servedRows,
  type ClusterLayout,
  type MilvusProcess,
} from './roles.ts';
import { CHANNEL_CONFIG, versionConfig } from './milvus-versions.ts';
import { drillHome } from '../../supervise/home.ts';
import { milvusBinary } from './tools.ts';
import { DataVolume } from './volumes.ts';
import { NodeScaler } from './scale.ts';

/**
 * One mixture process for the three coordinators: Milvus 2.6 (what the kind platform deploys)
 * and the Helm chart's mixcoord run them as one, so a 'coordinator' fault means the same on
 * both platforms, and one process instead of three spares the 2-core machine ~0.5 GB and a core-second per second of idle polling.
 */
export const CLUSTER_LAYOUT: ClusterLayout = { coordinators: 'mixture', proxies: 1, queryNodes: 2, dataNodes: 1, indexNodes: 1 };

/** The layout a stack asks for: its coordinators as one process, one per role, or each role twice (active-standby). */
export function clusterLayout(spec: StackSpec): ClusterLayout {
  const coordinators = spec.coordinators ?? 'mixture';
  return {
    ...CLUSTER_LAYOUT,
    coordinators: coordinators === 'mixture' ? 'mixture' : 'separate',
    coordinatorReplicas: coordinators === 'active-standby' ? 2 : 1,
    coordinatorRoles: coordinatorRoles(spec.milvusVersion),
  };
}

const GIB = 2 ** 30;
/** Sparse images: they cost host disk only for what is written (or filled). */
const VOLUME_BYTES: Partial<Record<Role, number>> = {
  etcd: 1 * GIB,
  minio: 4 * GIB,
  mq: 2 * GIB,
  'pulsar-zookeeper': 1 * GIB,
  'pulsar-bookie': 2 * GIB,
  querynode: 2 * GIB,
  datanode: 2 * GIB,
  indexnode: 2 * GIB,
};

/** Seconds a Milvus process drains on SIGTERM; the cluster is thrown away after the run. */
const GRACEFUL_STOP_SECONDS = 5;

export interface LocalCluster {
  components: LocalComponent[];
  milvus: MilvusRoles;
  proxyAddress: string;
  metricsUrl: string;
  network: NetnsNetwork | null;
  etcd: EtcdCluster;
  minio: MinioServer;
  /** Adds and removes query and data nodes (scale steps). */
  scaler: NodeScaler;
  resources: DisposalStack;
}

interface Placement {
  host(name: string): string;
  wrap(name: string): (spec: ProcessSpec) => ProcessSpec;
}

/** Every component as its own process, each in its own network namespace when the machine allows. */
export async function startCluster(spec: StackSpec, ctx: RunContext, journal: Journal, caps: LocalCapabilities, seeds: ServiceSeeds = {}): Promise<LocalCluster> {
  const resources = new DisposalStack();
  mkdirSync(ctx.workDir, { recursive: true });
  try {
    const dataRoot = dataRootFor(ctx, journal, resources);
    const etcdNames = Array.from({ length: spec.etcd.members }, (_, i) => `etcd-${i}`);
    const layout = clusterLayout(spec);
    const milvusNames = clusterProcessNames(layout);
    const mqNames = spec.messageQueue === 'pulsar' ? PULSAR_COMPONENTS : ['kafka'];
    const network = caps.netns ? await createNetwork([...etcdNames, 'minio', ...mqNames, ...milvusNames], journal, ctx, resources) : null;
    if (!network) ctx.log('network namespaces unavailable: the cluster runs on loopback (no network faults)');
    const placement = placementOf(network);
    const volumes = caps.volumes ? await createVolumes([...etcdNames, 'minio', ...mqNames, ...milvusNames], dataRoot, journal, resources) : new Map<string, DataVolume>();
    const dataDir = (name: string): string => volumes.get(name)?.dataDir ?? join(dataRoot, name);

    const queue = spec.messageQueue === 'pulsar' ? `Pulsar ${PULSAR_VERSION} (ZooKeeper, ${PULSAR_BOOKIES} bookies, broker)` : `Kafka ${KAFKA_VERSION}`;
    ctx.log(`starting etcd (${spec.etcd.members} members), MinIO and ${queue}`);
    const services = await startServices(spec, ctx, journal, placement, dataDir, resources, seeds);
    const { etcd, minio, mq } = services;
    ctx.log(`starting Milvus ${spec.milvusVersion} cluster: ${milvusNames.join(', ')}${spec.coordinators === 'active-standby' ? ' (coordinators active-standby)' : ''}`);
    const roles = await startMilvus(spec, layout, ctx, journal, placement, dataDir, services, resources);
    const milvus = roles.processes;
    const proxy = milvus.find((m) => m.spec.sdkPort !== undefined)!;
    const proxyAddress = `${proxy.spec.host}:${proxy.spec.sdkPort}`;
    await waitProxyServes(proxyAddress, ctx.signal, [...serviceProcesses(services), ...milvus.map((m) => m.process)]);

    const components: LocalComponent[] = [
      ...etcd.members.map((m) => localComponent(m.name, 'etcd', () => m.process, () => etcd.restart(m), m.logFile, { inNetns: network !== null, volumes })),
      localComponent('minio', 'minio', () => minio.process, () => minio.restart(), minio.logFile, { inNetns: network !== null, volumes }),
      ...(mq instanceof PulsarCluster
        ? mq.nodes.map((n) => localComponent(n.name, n.role, () => n.process, () => n.restart(), n.logFile, { inNetns: network !== null, volumes }))
        : [localComponent('kafka', 'mq', () => mq.process, () => mq.restart(), mq.logFile, { inNetns: network !== null, volumes })]),
      ...milvus.map((m) => milvusComponent(m, network !== null, volumes)),
    ];
    const scaler = resources.use(new NodeScaler({
      runRoot: dataDir('milvus-run'),
      dataDir,
      network,
      processes: milvus,
      components,
      start: (s, version) => new MilvusRoleProcess(s, version, roles.builderFor(s), journal),
      log: ctx.log,
    }));
    return { components, milvus: roles, proxyAddress, metricsUrl: `http://${proxy.spec.host}:${proxy.spec.metricsPort}/metrics`, network, etcd, minio, scaler, resources: resources.move() };
  } catch (err) {
    await resources.disposeAsync();
    throw err;
  }
}

/** What the fault executor needs to act on a cluster. */
export function clusterFaultContext(cluster: LocalCluster, journal: Journal, logDir: string, seed: number): FaultContext {
  return {
    components: cluster.components,
    journal,
    network: cluster.network,
    logDir,
    etcdLeader: async () => (await cluster.etcd.leader()).name,
    // Retried for a while: a busy etcd may time out a read, and a role may be between two active instances.
    activeCoordinator: (role) => waitFor(() => activeCoordinator(cluster, role), { what: `the active ${role} (etcd's session)`, timeoutMs: 30_000, intervalMs: 500 }),
    seed,
  };
}

/** The process a coordinator role's active session in etcd names (the one Milvus itself elected). */
export async function activeCoordinator(cluster: Pick<LocalCluster, 'etcd' | 'milvus'>, role: CoordinatorRole): Promise<string> {
  const key = activeSessionKey(ETCD_ROOT_PATH, role);
  const session = await cluster.etcd.get(key);
  if (session === null) throw new Error(`no ${role} is active: etcd has no session at ${key} (the standby takes over once the old session's lease expires)`);
  const active = activeProcess(session, role, cluster.milvus.processes.map((m) => m.spec));
  if (!active) throw new Error(`the active ${role} session in etcd names no running process of this cluster: ${session.slice(0, 200)}`);
  return active.name;
}

function milvusComponent(m: MilvusRoleProcess, inNetns: boolean, volumes: ReadonlyMap<string, DataVolume>): LocalComponent {
  const component = localComponent(m.spec.name, faultRole(m.spec), () => m.process, () => m.restart(), m.logFile, { inNetns, volumes });
  const coordinators = m.spec.roles.filter(isCoordinator) as CoordinatorRole[];
  return coordinators.length > 0 ? { ...component, get process() { return m.process; }, coordinatorRoles: coordinators } : component;
}

/** Data outside the run's work dir, so the runner's log copy never walks into it. */
function dataRootFor(ctx: RunContext, journal: Journal, resources: DisposalStack): string {
  const dataRoot = `${ctx.workDir}-data`;
  const id = randomUUID();
  journal.add({ id, kind: 'fault', name: `data dir ${dataRoot}`, undo: [['rm', '-rf', dataRoot]] });
  mkdirSync(dataRoot, { recursive: true });
  resources.defer(() => {
    rmSync(dataRoot, { recursive: true, force: true });
    journal.remove(id);
  });
  return dataRoot;
}

async function createNetwork(names: string[], journal: Journal, ctx: RunContext, resources: DisposalStack): Promise<NetnsNetwork> {
  const network = resources.use(await NetnsNetwork.create(journal, { components: names, hostAccess: true }));
  ctx.log(`network namespaces drill-${network.id}-*: ${names.length} components on ${network.subnet}, harness at ${network.hostIp}`);
  return network;
}

function placementOf(network: NetnsNetwork | null): Placement {
  if (!network) return { host: () => '127.0.0.1', wrap: () => (spec) => spec };
  return { host: (name) => network.member(name).ip, wrap: (name) => (spec) => network.wrap(name, spec) };
}

async function createVolumes(names: string[], dataRoot: string, journal: Journal, resources: DisposalStack): Promise<Map<string, DataVolume>> {
  const dir = join(dataRoot, 'volumes');
  const volumes = new Map<string, DataVolume>();
  for (const name of names) {
    const size = VOLUME_BYTES[roleOfName(name)];
    if (size === undefined) continue;
    volumes.set(name, resources.use(await DataVolume.create({ name, dir, sizeBytes: size, journal })));
  }
  return volumes;
}

function roleOfName(name: string): Role {
  if (name.startsWith('etcd-')) return 'etcd';
  if (name === 'kafka') return 'mq';
  if (name === 'minio') return 'minio';
  if (name.startsWith('coordinators') || /coord-\d+$/.test(name)) return 'coordinator';
  return name.replace(/-\d+$/, '') as Role;
}

interface Services {
  etcd: EtcdCluster;
  minio: MinioServer;
  mq: KafkaBroker | PulsarCluster;
}

function startQueue(spec: StackSpec, ctx: RunContext, journal: Journal, placement: Placement, dataDir: (name: string) => string): Promise<KafkaBroker | PulsarCluster> {
  if (spec.messageQueue === 'pulsar') {
    return PulsarCluster.start({ dir: join(ctx.workDir, 'pulsar'), journal, signal: ctx.signal, log: ctx.log, hostOf: placement.host, wrap: (name, s) => placement.wrap(name)(s), dataDirOf: dataDir });
  }
  return startKafka({ kafkaHome: join(drillHome(), 'kafka', KAFKA_VERSION), dir: join(ctx.workDir, 'kafka'), dataDir: dataDir('kafka'), journal, host: placement.host('kafka'), wrap: placement.wrap('kafka'), heapMb: 384 });
}

/** What etcd's members and MinIO start from instead of empty data directories (a restore: cold-snapshot.ts). */
export interface ServiceSeeds {
  etcd?: EtcdClusterOptions['seed'];
  minio?: MinioOptions['seed'];
}

/** etcd, MinIO and the message queue depend on nothing: started together, stopped together. */
async function startServices(spec: StackSpec, ctx: RunContext, journal: Journal, placement: Placement, dataDir: (name: string) => string, resources: DisposalStack, seeds: ServiceSeeds): Promise<Services> {
  const started = await Promise.allSettled([
    EtcdCluster.start({ members: spec.etcd.members, dir: ctx.workDir, journal, hostOf: placement.host, dataDirOf: dataDir, wrap: (name, s) => placement.wrap(name)(s), seed: seeds.etcd }),
    MinioServer.start({ dir: ctx.workDir, journal, host: placement.host('minio'), dataDir: dataDir('minio'), wrap: placement.wrap('minio'), seed: seeds.minio }),
    startQueue(spec, ctx, journal, placement, dataDir),
  ]);
  const ok = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  resources.defer(async () => void (await Promise.allSettled(ok.map((s) => s[Symbol.asyncDispose]()))));
  const failed = started.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  const [etcd, minio, mq] = ok as [EtcdCluster, MinioServer, KafkaBroker | PulsarCluster];
  return { etcd, minio, mq };
}

function serviceProcesses(services: Services): ManagedProcess[] {
  const mq = services.mq instanceof PulsarCluster ? services.mq.nodes.map((n) => n.process) : [services.mq.process];
  return [...services.etcd.members.map((m) => m.process), services.minio.process, ...mq];
}

/** A Milvus role process that can be killed and started again with the same spec, or replaced by another version's. */
export class MilvusRoleProcess {
  process: ManagedProcess;
  private processSpec: ProcessSpec;

  constructor(
    readonly spec: MilvusProcess,
    public version: string,
    private readonly build: (version: string) => ProcessSpec,
    private readonly journal: Journal,
  ) {
    this.processSpec = build(version);
    this.process = new ManagedProcess(this.processSpec, journal);
  }

  get logFile(): string {
    return this.processSpec.logFile;
  }

  restart(): void {
    if (this.process.running) throw new Error(`${this.spec.name} is still running`);
    this.process = new ManagedProcess(this.processSpec, this.journal);
  }

  /**
   * Stops the process (SIGTERM, then SIGKILL past `stopMs`) and starts `version` in its place, on
   * the same ports, data and etcd root; resolves once it is ready. Returns how it stopped.
   */
  async replace(version: string, stopMs: number): Promise<{ stopMs: number; killed: boolean }> {
    const stopping = Date.now();
    const exit = await this.process.stop(stopMs);
    const stopped = { stopMs: Date.now() - stopping, killed: exit.signal === 'SIGKILL' };
    this.version = version;
    this.processSpec = this.build(version);
    this.process = new ManagedProcess(this.processSpec, this.journal);
    return stopped;
  }

  /** Healthy; stops at once when this or any of `alsoWatched` exits. */
  async waitHealthy(signal: AbortSignal, alsoWatched: readonly ManagedProcess[], timeoutMs = 120_000): Promise<void> {
    await waitFor(
      async () => {
        const res = await fetch(this.spec.healthUrl, { signal: AbortSignal.timeout(1_000) });
        return (await res.text()).trim() === 'OK';
      },
      { what: `${this.spec.name} health at ${this.spec.healthUrl}`, timeoutMs, intervalMs: 250, signal, process: [this.process, ...alsoWatched] },
    );
  }
}

/** Every Milvus process of a cluster, and the milvus.yaml of each version it has run. */
export interface MilvusRoles {
  /** The live ones: scale steps add and remove nodes here, and a rolling upgrade walks it. */
  processes: MilvusRoleProcess[];
  /** How a process of this cluster is started at a version (binary, libraries, that version's milvus.yaml, its namespace). */
  builderFor(spec: MilvusProcess): (version: string) => ProcessSpec;
  /** The other processes a wait stops on when they exit (etcd, MinIO, the queue). */
  services: readonly ManagedProcess[];
}

/** The etcd prefix of every key the cluster's Milvus writes. */
const ETCD_ROOT_PATH = 'milvus-drill';

async function startMilvus(
  spec: StackSpec,
  layout: ClusterLayout,
  ctx: RunContext,
  journal: Journal,
  placement: Placement,
  dataDir: (name: string) => string,
  services: Services,
  resources: DisposalStack,
): Promise<MilvusRoles> {
  const dir = join(ctx.workDir, 'milvus');
  const configs = new Map<string, string>();
  /** One conf dir per version: its milvus.yaml carries what that version's line needs. */
  const confDirFor = (version: string): string => {
    const existing = configs.get(version);
    if (existing) return existing;
    const confDir = join(dir, version === spec.milvusVersion ? 'conf' : `conf-${version}`);
    mkdirSync(confDir, { recursive: true });
    writeFileSync(join(confDir, 'glog.conf'), GLOG_CONF);
    writeFileSync(join(confDir, 'milvus.yaml'), renderMilvusConfig({
      host: '127.0.0.1',
      etcdEndpoints: services.etcd.endpoints,
      etcdRootPath: ETCD_ROOT_PATH,
      minio: { address: services.minio.host, port: services.minio.port, accessKey: MINIO_CREDENTIALS.accessKey, secretKey: MINIO_CREDENTIALS.secretKey, bucket: 'milvus-drill', rootPath: 'files' },
      ...(services.mq instanceof PulsarCluster ? { pulsar: services.mq.endpoint } : { kafkaBrokerList: services.mq.brokerList }),
      localStoragePath: dataDir('milvus-local'),
      gracefulStopSeconds: GRACEFUL_STOP_SECONDS,
      activeStandby: spec.coordinators === 'active-standby',
      versionConfig: withChannels(versionConfig(version)),
      ...(spec.config ? { overrides: spec.config } : {}),
    }));
    configs.set(version, confDir);
    return confDir;
  };
  const specs = clusterProcessSpecs({
    layout,
    binDir: milvusBinary(spec.milvusVersion).libDir,
    confDir: confDirFor(spec.milvusVersion),
    // Only pid files: kept with the data, out of the logs the runner copies.
    workDir: dataDir('milvus-run'),
    host: '127.0.0.1',
    hostOf: placement.host,
    localStorageOf: dataDir,
    ports: await freePorts(portsNeeded(layout)),
  });
  const running: MilvusRoleProcess[] = [];
  // Every Milvus process spends seconds on SIGTERM closing its Kafka consumers: stop them together.
  resources.defer(async () => void (await Promise.all(running.map((m) => m.process.stop(GRACEFUL_STOP_SECONDS * 1000 + 5_000)))));
  const watchedServices = serviceProcesses(services);
  const builderFor = (s: MilvusProcess) => (version: string): ProcessSpec => {
    const { binary, libDir } = milvusBinary(version);
    const env = { ...s.env, LD_LIBRARY_PATH: libDir, MILVUSCONF: `${confDirFor(version)}/`, AWS_EC2_METADATA_DISABLED: 'true' };
    return placement.wrap(s.name)({ name: s.name, command: binary, args: s.args, env, cwd: dir, logFile: join(dir, `${s.name}.log`) });
  };
  for (const s of specs) {
    mkdirSync(s.runDir, { recursive: true });
    const proc = new MilvusRoleProcess(s, spec.milvusVersion, builderFor(s), journal);
    running.push(proc);
    await proc.waitHealthy(ctx.signal, [...watchedServices, ...running.map((m) => m.process)]);
  }
  return { processes: running, services: watchedServices, builderFor };
}

/** Ready means the proxy answers CheckHealth for the whole cluster (coordinators included). */
async function waitProxyServes(address: string, signal: AbortSignal, watched: readonly ManagedProcess[]): Promise<void> {
  const client = new MilvusClient({ address, timeout: 5_000 });
  try {
    await waitFor(async () => (await client.checkHealth()).isHealthy, { what: `Milvus proxy at ${address} to report the cluster healthy`, timeoutMs: 60_000, intervalMs: 500, signal, process: watched });
  } finally {
    await client.closeConnection();
  }
}

function faultRole(spec: MilvusProcess): Role {
  const role = spec.roles[0]!;
  return spec.roles.length > 1 || role.endsWith('coord') ? 'coordinator' : (role as Role);
}


/** How long an old process may drain on SIGTERM during a rolling upgrade before it is SIGKILLed. */
export const ROLL_STOP_MS = GRACEFUL_STOP_SECONDS * 1000 + 10_000;

/**
 * A rolling upgrade: every Milvus process replaced by `version`, one at a time, in the order
 * Milvus Operator rolls them (rollOrder), each healthy before the next; a standby coordinator
 * before its active one, so each role fails over once. Each step is reported as it starts and ends.
 */
export async function rollingUpgrade(cluster: Pick<LocalCluster, 'etcd' | 'milvus'>, version: string, signal: AbortSignal, progress: (step: ActionProgress) => void): Promise<void> {
  milvusBinary(version); // a missing install fails here, before anything is stopped
  const processes = cluster.milvus.processes;
  const order = await standbyFirst(cluster, rollOrder(processes.map((p) => p.spec)), signal);
  for (const spec of order) {
    signal.throwIfAborted();
    const proc = processes.find((p) => p.spec === spec)!;
    const role = spec.roles.length > 1 ? 'mixture' : spec.roles[0]!;
    progress({ at: 'start', role, instance: spec.name });
    try {
      const coordinators = spec.roles.filter(isCoordinator) as CoordinatorRole[];
      // The sessions this process holds as the active instance; the new one must not be mistaken for them.
      const held = new Map<CoordinatorRole, { name: string | null; serverId: number | null }>();
      for (const c of coordinators) {
        const now = await readSession(cluster, c, signal);
        if (now?.name === spec.name) held.set(c, now);
      }
      const queryNodes = spec.roles.includes('querynode') ? processes.filter((p) => p.spec.roles.includes('querynode')) : [];
      const rowsBefore = queryNodes.length > 0 ? await totalServedRows(queryNodes, signal) : null;
      const stopped = await proc.replace(version, ROLL_STOP_MS);
      const watched = [...cluster.milvus.services, ...processes.filter((p) => p !== proc).map((p) => p.process)];
      await proc.waitHealthy(signal, watched, 180_000);
      // A standby is healthy at once; the role serves again only once an instance holds its active session.
      for (const c of coordinators) await waitActive(cluster, c, held.get(c) ?? null, signal, [proc.process, ...watched]);
      // A query node is healthy long before it serves segments: until then searches succeed with partial results.
      if (rowsBefore !== null) await waitServed(queryNodes, rowsBefore, signal, [proc.process, ...watched]);
      const unchecked = queryNodes.length > 0 && rowsBefore === null ? 'served rows not checked: a query node exports no milvus_querynode_entity_num' : undefined;
      progress({ at: 'end', role, instance: spec.name, outcome: 'ok', stopMs: stopped.stopMs, killed: stopped.killed, ...(unchecked ? { note: unchecked } : {}) });
    } catch (err) {
      progress({ at: 'end', role, instance: spec.name, outcome: `failed: ${(err as Error).message}` });
      throw new Error(`rolling upgrade to ${version}: ${spec.name}: ${(err as Error).message}`, { cause: err });
    }
  }
}

/**
 * The rows all running query nodes serve (milvus_querynode_entity_num), read until every node
 * answers; null when a node does not export the metric (2.3.0's query nodes do not).
 */
async function totalServedRows(queryNodes: readonly MilvusRoleProcess[], signal: AbortSignal): Promise<number | null> {
  const read = await waitFor(
    async () => {
      let total: number | null = 0;
      for (const q of queryNodes.filter((n) => n.process.running)) {
        const res = await fetch(`http://${q.spec.host}:${q.spec.metricsPort}/metrics`, { signal: AbortSignal.timeout(5_000) });
        const rows = servedRows(await res.text());
        total = rows === null || total === null ? null : total + rows;
      }
      return { total };
    },
    { what: 'the query nodes to report the rows they serve', timeoutMs: 60_000, intervalMs: 500, signal },
  );
  return read.total;
}

/** Until the query nodes together serve at least the rows they served before the step (searches are whole again). */
async function waitServed(queryNodes: readonly MilvusRoleProcess[], before: number, signal: AbortSignal, watched: readonly ManagedProcess[]): Promise<void> {
  await waitFor(async () => ((await totalServedRows(queryNodes, signal)) ?? 0) >= before, {
    what: `the query nodes to serve the ${before} rows they served before the step again (milvus_querynode_entity_num)`,
    timeoutMs: 180_000,
    intervalMs: 500,
    signal,
    process: watched,
  });
}

/** Who holds a coordinator role's active session now: the process (by address) and its server id; null if nobody. */
async function activeSession(cluster: Pick<LocalCluster, 'etcd' | 'milvus'>, role: CoordinatorRole): Promise<{ name: string | null; serverId: number | null } | null> {
  const session = await cluster.etcd.get(activeSessionKey(ETCD_ROOT_PATH, role));
  if (session === null) return null;
  const serverId = (JSON.parse(session) as { ServerID?: number }).ServerID ?? null;
  return { name: activeProcess(session, role, cluster.milvus.processes.map((m) => m.spec))?.name ?? null, serverId };
}

/** activeSession, retried for a while: a busy etcd may time out a read (seen at load average 37). */
async function readSession(cluster: Pick<LocalCluster, 'etcd' | 'milvus'>, role: CoordinatorRole, signal: AbortSignal): Promise<{ name: string | null; serverId: number | null } | null> {
  const read = await waitFor(async () => ({ session: await activeSession(cluster, role) }), { what: `etcd to answer for the active ${role}`, timeoutMs: 60_000, intervalMs: 500, signal });
  return read.session;
}

/**
 * Until a running process holds the role's active session, and not the session of the process
 * just replaced: a process that dies without revoking it (2.3.0 crashes on SIGTERM) leaves it
 * until its lease expires, under the same address the new process then listens on.
 */
async function waitActive(cluster: Pick<LocalCluster, 'etcd' | 'milvus'>, role: CoordinatorRole, replaced: { name: string | null; serverId: number | null } | null, signal: AbortSignal, watched: readonly ManagedProcess[]): Promise<void> {
  const serving = async (): Promise<boolean> => {
    const now = await activeSession(cluster, role).catch(() => null);
    if (!now?.name || !cluster.milvus.processes.some((p) => p.spec.name === now.name && p.process.running)) return false;
    return replaced === null || now.serverId !== replaced.serverId;
  };
  await waitFor(serving, { what: `an active ${role} (etcd's session at ${activeSessionKey(ETCD_ROOT_PATH, role)} held by a running process)`, timeoutMs: 180_000, intervalMs: 250, signal, process: watched });
}

/** Within each coordinator role run twice, the standby before the active instance (as etcd names it now). */
async function standbyFirst(cluster: Pick<LocalCluster, 'etcd' | 'milvus'>, order: MilvusProcess[], signal: AbortSignal): Promise<MilvusProcess[]> {
  const active = new Set<string>();
  for (const role of new Set(order.filter((p) => p.roles.length === 1 && isCoordinator(p.roles[0]!)).map((p) => p.roles[0]! as CoordinatorRole))) {
    if (order.filter((p) => p.roles[0] === role).length < 2) continue;
    active.add(await waitFor(() => activeCoordinator(cluster, role), { what: `the active ${role}`, timeoutMs: 60_000, intervalMs: 500, signal }));
  }
  // rollOrder keeps a role's instances together: within each group, the active one last.
  const groups: MilvusProcess[][] = [];
  for (const p of order) {
    const last = groups.at(-1);
    if (last && last[0]!.roles.join('+') === p.roles.join('+')) last.push(p);
    else groups.push([p]);
  }
  return groups.flatMap((g) => [...g.filter((p) => !active.has(p.name)), ...g.filter((p) => active.has(p.name))]);
}

/** A version's keys with the channel names every line of a cluster must spell alike. */
function withChannels(config: Record<string, unknown>): Record<string, unknown> {
  return { ...config, common: { ...(config.common as Record<string, unknown> | undefined), ...CHANNEL_CONFIG.common } };
}
