import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ActionProgress, ActiveFault, ClientTls, ComponentInfo, ObjectStoreAccess, Platform, RunContext, Stack, StackUsage } from '../../core/platform.ts';
import { directoryBytes, residentBytes } from './usage.ts';
import type { ActionSpec, FaultSpec, Role, StackSpec } from '../../core/types.ts';
import type { ValidationError } from '../../scenario/validate.ts';
import { Journal } from '../../supervise/journal.ts';
import { EtcdCluster } from './etcd.ts';
import { MINIO_CREDENTIALS, MinioServer } from './minio.ts';
import { MilvusStandalone, mergeConfig } from './milvus.ts';
import type { YamlValue } from './yaml.ts';
import { stateDir } from '../../supervise/home.ts';
import { DisposalStack } from '../../util/disposal.ts';
import { localCapabilities, localCheck, type LocalCapabilities } from './capabilities.ts';
import { clusterFaultContext, rollingUpgrade, startCluster, type ServiceSeeds } from './cluster.ts';
import { assertSnapshotIntact, etcdSeed, minioSeed, takeColdSnapshot, type ColdSnapshotManifest, type ColdSnapshotSource } from './cold-snapshot.ts';
import type { ManagedProcess } from '../../supervise/process.ts';

/** Replaces every Milvus process of a cluster with another version, one at a time. */
type RollingUpgrade = (version: string, signal: AbortSignal, progress: (step: ActionProgress) => void) => Promise<void>;
import { localComponent, startFault, type FaultContext, type LocalComponent } from './faults.ts';
import { PULSAR_VERSION, PulsarStandalone } from './pulsar.ts';
import { SCALABLE_ROLES, type NodeScaler, type ScalableRole } from './scale.ts';

/** In a cluster with Pulsar, 'mq' (as a target or a peer) is the Pulsar broker. */
export function pulsarBrokerForMq(fault: FaultSpec, messageQueue: StackSpec['messageQueue']): FaultSpec {
  if (messageQueue !== 'pulsar') return fault;
  const role = (r: Role): Role => (r === 'mq' ? 'pulsar-broker' : r);
  const params = 'peers' in fault.params ? { ...fault.params, peers: fault.params.peers.map(role) } : fault.params;
  return { ...fault, target: { ...fault.target, role: role(fault.target.role) }, params } as FaultSpec;
}
import { clientTls, generateCertificates, securityConfig } from './tls.ts';

export { selectTargets } from './faults.ts';

export class LocalPlatform implements Platform {
  readonly name = 'local';
  /** backup, restore and damage-backup are the runner's binlog backup, on the stack's MinIO. */
  readonly actions = ['restart', 'destroy', 'up', 'upgrade', 'scale', 'backup', 'restore', 'damage-backup'] as const;

  constructor(private readonly capabilities: () => LocalCapabilities = localCapabilities) {}

  check(stack: StackSpec, faults: readonly FaultSpec[]): ValidationError[] {
    return localCheck(stack, faults, this.capabilities());
  }

  async up(spec: StackSpec, ctx: RunContext): Promise<Stack> {
    const journal = new Journal(stateDir(), ctx.runId);
    const resources = new DisposalStack();
    resources.defer(() => journal.close());
    try {
      const seeds = seedsFor(ctx);
      return spec.topology === 'cluster' ? await this.upCluster(spec, ctx, journal, resources, seeds) : await upStandalone(spec, ctx, journal, resources, seeds);
    } catch (err) {
      await resources.disposeAsync();
      throw err;
    }
  }

  private async upCluster(scenarioSpec: StackSpec, ctx: RunContext, journal: Journal, resources: DisposalStack, seeds: ServiceSeeds): Promise<Stack> {
    // An 'up' step's config (a DR site's bucket and root path) over the scenario's, for every process.
    const config = mergeConfig(mergeConfig({}, scenarioSpec.config ?? {}), ctx.milvusConfig ?? {});
    const spec: StackSpec = Object.keys(config).length > 0 ? { ...scenarioSpec, config } : scenarioSpec;
    const cluster = await startCluster(spec, ctx, journal, this.capabilities(), seeds);
    resources.use(cluster.resources);
    const roll: RollingUpgrade = (version, signal, progress) => rollingUpgrade(cluster, version, signal, progress);
    const where = milvusBucket(config);
    const stack = new LocalStack(spec, cluster.proxyAddress, cluster.metricsUrl, clusterFaultContext(cluster, journal, ctx.workDir, ctx.seed), resources.move(), null, cluster.scaler, cluster.minio.dataDir, roll);
    stack.snapshotSource = () => ({
      milvus: stack.milvusProcesses(),
      etcdEndpoint: cluster.etcd.members.find((m) => m.process.running)?.clientUrl ?? cluster.etcd.members[0]!.clientUrl,
      stopEtcd: () => cluster.etcd[Symbol.asyncDispose](),
      minioDataDir: cluster.minio.dataDir,
      bucket: where.bucket,
      stopMinio: () => cluster.minio[Symbol.asyncDispose](),
    });
    stack.objectStore = { endpoint: cluster.minio.address, accessKey: MINIO_CREDENTIALS.accessKey, secretKey: MINIO_CREDENTIALS.secretKey, ...where };
    const dataCoordinators = cluster.milvus.processes.filter((p) => p.spec.roles.includes('datacoord'));
    // The first running one: with active-standby coordinators, the active one unless it has failed over.
    stack.dataCoordinator = () => {
      const d = dataCoordinators.find((p) => p.process.running) ?? dataCoordinators[0];
      return d ? { address: `${d.spec.host}:${d.spec.ports.datacoord}`, httpUrl: `http://${d.spec.host}:${d.spec.metricsPort}` } : null;
    };
    return stack;
  }
}

/** Where Milvus keeps its segments in MinIO: its defaults here, or the bucket and root path the config gives. */
function milvusBucket(config: Record<string, unknown>): { bucket: string; rootPath: string } {
  const minio = (config.minio ?? {}) as { bucketName?: string; rootPath?: string };
  return { bucket: minio.bucketName ?? 'milvus-drill', rootPath: minio.rootPath ?? 'files' };
}

/** A restore from a cold snapshot: checked against its manifest first, then seeded into the new etcd and MinIO. */
function seedsFor(ctx: RunContext): ServiceSeeds {
  if (!ctx.restoreFrom) return {};
  const manifest = assertSnapshotIntact(ctx.restoreFrom.dir);
  ctx.log(`restoring cold snapshot '${manifest.name}' (${manifest.files.length} files) into the new stack's etcd and MinIO`);
  return { etcd: etcdSeed(ctx.restoreFrom.dir, ctx.signal), minio: minioSeed(ctx.restoreFrom.dir, manifest.bucket) };
}

async function upStandalone(spec: StackSpec, ctx: RunContext, journal: Journal, resources: DisposalStack, seeds: ServiceSeeds): Promise<Stack> {
  ctx.log(`starting etcd (${spec.etcd.members} member${spec.etcd.members > 1 ? 's' : ''})`);
  const etcd = resources.use(await EtcdCluster.start({ members: spec.etcd.members, dir: join(ctx.workDir, 'etcd'), journal, seed: seeds.etcd }));
  let minio: MinioServer | null = null;
  if (spec.objectStore === 'minio') {
    ctx.log('starting MinIO');
    minio = resources.use(await MinioServer.start({ dir: ctx.workDir, journal, seed: seeds.minio }));
  } else if (seeds.minio) {
    throw new Error("a cold snapshot restores into MinIO: set stack.objectStore to 'minio'");
  }
  let pulsar: PulsarStandalone | null = null;
  if (spec.messageQueue === 'pulsar') {
    ctx.log(`starting Pulsar ${PULSAR_VERSION} standalone`);
    pulsar = resources.use(await PulsarStandalone.start({ dir: join(ctx.workDir, 'pulsar'), journal, signal: ctx.signal }));
  }
  const security = spec.security ?? { authorization: false, tls: 'off' as const };
  const certs = security.tls === 'off' ? null : await generateCertificates(join(ctx.workDir, 'tls'), ctx.signal);
  if (certs) ctx.log(`TLS ${security.tls}: certificates generated for this run`);
  const secured = security.authorization || certs ? (securityConfig({ authorization: security.authorization, tls: security.tls, certs }) as Record<string, YamlValue>) : {};
  // The scenario's overrides, then security, then an 'up' step's config (a DR site's bucket and root path).
  const baseConfig = mergeConfig(mergeConfig(mergeConfig({}, spec.config ?? {}), secured), ctx.milvusConfig ?? {});
  ctx.log(`starting Milvus ${spec.milvusVersion} standalone${security.authorization ? ' with authorization' : ''}`);
  const milvusDir = join(ctx.workDir, 'milvus');
  mkdirSync(milvusDir, { recursive: true });
  const milvus = resources.use(
    await MilvusStandalone.start({ version: spec.milvusVersion, dir: milvusDir, journal, etcdEndpoints: etcd.endpoints, minioAddress: minio?.address ?? null, baseConfig, ...(pulsar ? { pulsar: pulsar.endpoint } : {}) }),
  );
  const components: LocalComponent[] = [
    ...etcd.members.map((m) => localComponent(m.name, 'etcd', () => m.process, () => etcd.restart(m), m.logFile)),
    ...(minio ? [localComponent('minio', 'minio', () => minio.process, () => minio.restart(), minio.logFile)] : []),
    ...(pulsar ? [localComponent('pulsar', 'mq', () => pulsar.node.process, () => pulsar.node.restart(), pulsar.node.logFile)] : []),
    Object.assign(localComponent('milvus-standalone', 'standalone', () => milvus.process, () => milvus.restart(), milvus.logFile), {
      reconfigure: (overrides: Record<string, unknown>) => milvus.reconfigure(overrides),
      upgrade: (version: string, overrides: Record<string, unknown>, signal: AbortSignal) => milvus.upgrade(version, overrides, signal),
    }),
  ];
  const faults: FaultContext = { components, journal, network: null, logDir: ctx.workDir, etcdLeader: async () => (await etcd.leader()).name, seed: ctx.seed };
  const stack = new LocalStack(spec, milvus.address, milvus.metricsUrl, faults, resources.move(), certs && clientTls(security.tls, certs), null, minio?.dataDir ?? null);
  // Where Milvus writes: its defaults, or the bucket and root path an 'up' step's config gave it.
  const where = milvusBucket(baseConfig);
  if (minio) {
    const store = minio;
    stack.snapshotSource = () => ({
      milvus: [milvus.process],
      etcdEndpoint: etcd.members[0]!.clientUrl,
      stopEtcd: () => etcd[Symbol.asyncDispose](),
      minioDataDir: store.dataDir,
      bucket: where.bucket,
      stopMinio: () => store[Symbol.asyncDispose](),
    });
  }
  stack.objectStore = minio ? { endpoint: minio.address, accessKey: MINIO_CREDENTIALS.accessKey, secretKey: MINIO_CREDENTIALS.secretKey, ...where } : null;
  stack.dataCoordinator = () => ({ address: milvus.dataCoordAddress, httpUrl: milvus.metricsUrl.replace(/\/metrics$/, '') });
  return stack;
}


class LocalStack implements Stack {
  milvusVersion: string;
  /** What a cold snapshot stops and copies; null where the stack has no MinIO. */
  snapshotSource: (() => ColdSnapshotSource) | null = null;
  objectStore: ObjectStoreAccess | null = null;
  /** Where the data coordinator serves now (a cluster's can move); null where unknown. */
  dataCoordinator: () => { address: string; httpUrl: string } | null = () => null;
  private readonly cluster: boolean;
  private readonly messageQueue: StackSpec['messageQueue'];

  constructor(
    spec: StackSpec,
    readonly milvusAddress: string,
    readonly metricsUrl: string,
    private readonly faults: FaultContext,
    private readonly resources: DisposalStack,
    readonly clientTls: ClientTls | null = null,
    private readonly scaler: NodeScaler | null = null,
    /** The MinIO data directory when it is not on a component volume. */
    private readonly objectStoreDir: string | null = null,
    private readonly roll: RollingUpgrade | null = null,
  ) {
    this.milvusVersion = spec.milvusVersion;
    this.cluster = spec.topology === 'cluster';
    this.messageQueue = spec.messageQueue;
  }

  get httpUrl(): string | null {
    return this.dataCoordinator()?.httpUrl ?? null;
  }

  get dataCoordAddress(): string | null {
    return this.dataCoordinator()?.address ?? null;
  }

  /**
   * The cold-snapshot backup: Milvus stopped, etcd snapshotted and the bucket copied into `dir`,
   * then etcd and MinIO stopped. The stack serves nothing afterwards; a drill destroys it next.
   */
  async coldSnapshot(dir: string, name: string, log: (m: string) => void, signal?: AbortSignal): Promise<ColdSnapshotManifest> {
    if (!this.snapshotSource) throw new Error("cold-snapshot backup needs the stack's MinIO: set stack.objectStore to 'minio'");
    return takeColdSnapshot(this.snapshotSource(), dir, name, log, signal);
  }

  /** Every Milvus process of the stack (standalone, or each role of a cluster). */
  milvusProcesses(): ManagedProcess[] {
    const infrastructure = new Set(['etcd', 'minio', 'mq', 'pulsar-broker', 'pulsar-bookie', 'pulsar-zookeeper']);
    return this.faults.components.filter((c) => !infrastructure.has(c.role)).map((c) => c.process);
  }

  components(): ComponentInfo[] {
    return this.faults.components.map((c) => ({ name: c.name, role: c.role, pid: c.process.pid ?? null, logFile: c.logFile }));
  }

  /** RSS from /proc of each component's process; the object store's bytes from MinIO's data directory (its volume's). */
  async usage(): Promise<StackUsage> {
    const processes = this.faults.components.map((c) => ({ name: c.name, role: c.role, rssBytes: c.process.running && c.process.pid !== undefined ? residentBytes(c.process.pid) : null }));
    const minio = this.faults.components.find((c) => c.role === 'minio');
    const dir = minio?.volume?.dataDir ?? this.objectStoreDir;
    return { processes, objectStoreBytes: dir ? directoryBytes(dir) : null };
  }

  inject(fault: FaultSpec, signal: AbortSignal): Promise<ActiveFault> {
    return startFault(this.faults, this.cluster ? pulsarBrokerForMq(fault, this.messageQueue) : fault, signal);
  }

  async perform(action: ActionSpec, signal: AbortSignal, progress: (step: ActionProgress) => void = () => undefined): Promise<void> {
    if (action.action === 'upgrade') return this.upgrade(action, signal, progress);
    if (action.action === 'scale') return this.scale(action, signal);
    if (action.action !== 'restart') throw new Error(`the local platform's stacks do not perform '${action.action}'`);
    const role = this.cluster && this.messageQueue === 'pulsar' && action.target.role === 'mq' ? 'pulsar-broker' : action.target.role;
    const targets = this.faults.components.filter((c) => c.role === role && (!action.target.instance || c.name === action.target.instance));
    if (targets.length === 0) throw new Error(`restart: no component ${action.target.instance ?? `with role '${action.target.role}'`}`);
    const overrides = Object.keys(action.config).length > 0;
    for (const c of targets) {
      signal.throwIfAborted();
      if (overrides && !c.reconfigure) throw new Error(`restart: ${c.name} takes no configuration overrides on this platform (only Milvus standalone does)`);
      // A graceful stop, as an operator's restart would be; SIGKILL only past the grace period.
      await c.process.stop(30_000);
      if (overrides) c.reconfigure!(action.config);
      c.restart();
    }
  }

  /** Adds or removes query or data node processes (see src/platform/local/scale.ts). */
  private async scale(action: ActionSpec & { action: 'scale' }, signal: AbortSignal): Promise<void> {
    if (!this.scaler) throw new Error("scale: the local standalone stack is one process; set stack.topology to 'cluster' to scale query and data nodes");
    const role = action.target.role;
    if (!(SCALABLE_ROLES as readonly string[]).includes(role)) throw new Error(`scale: the local cluster scales ${SCALABLE_ROLES.join(' and ')} only, not '${role}'`);
    if (action.replicas < 1) throw new Error(`scale: replicas must be at least 1 (a cluster with no ${role} cannot serve)`);
    await this.scaler.scale(role as ScalableRole, action.replicas, signal);
  }

  /**
   * Standalone: in place, the server stops and the new version starts on the same etcd and MinIO
   * data. Cluster: rolling, one process at a time in Milvus Operator's order.
   */
  private async upgrade(action: ActionSpec & { action: 'upgrade' }, signal: AbortSignal, progress: (step: ActionProgress) => void): Promise<void> {
    if (this.roll) {
      if (Object.keys(action.config).length > 0) throw new Error('upgrade: milvus.yaml overrides for a rolling upgrade of the local cluster are not supported yet; remove config');
      await this.roll(action.version, signal, progress);
      this.milvusVersion = action.version;
      return;
    }
    const standalone = this.faults.components.find((c) => c.upgrade);
    if (!standalone?.upgrade) throw new Error('upgrade: this stack has no Milvus to upgrade');
    progress({ at: 'start', role: 'standalone', instance: standalone.name });
    try {
      const stopped = await standalone.upgrade(action.version, action.config, signal);
      progress({ at: 'end', role: 'standalone', instance: standalone.name, outcome: 'ok', ...stopped });
    } catch (err) {
      progress({ at: 'end', role: 'standalone', instance: standalone.name, outcome: `failed: ${(err as Error).message}` });
      throw err;
    }
    this.milvusVersion = action.version;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.resources.disposeAsync();
  }
}
