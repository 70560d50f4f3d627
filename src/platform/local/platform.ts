import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ActiveFault, ClientTls, ComponentInfo, ObjectStoreAccess, Platform, RunContext, Stack } from '../../core/platform.ts';
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
import { clusterFaultContext, startCluster } from './cluster.ts';
import { localComponent, startFault, type FaultContext, type LocalComponent } from './faults.ts';
import { PULSAR_VERSION, PulsarStandalone } from './pulsar.ts';

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
  readonly actions = ['restart', 'destroy', 'up', 'upgrade', 'backup', 'restore', 'damage-backup'] as const;

  constructor(private readonly capabilities: () => LocalCapabilities = localCapabilities) {}

  check(stack: StackSpec, faults: readonly FaultSpec[]): ValidationError[] {
    return localCheck(stack, faults, this.capabilities());
  }

  async up(spec: StackSpec, ctx: RunContext): Promise<Stack> {
    const journal = new Journal(stateDir(), ctx.runId);
    const resources = new DisposalStack();
    resources.defer(() => journal.close());
    try {
      if (spec.topology === 'cluster' && ctx.milvusConfig && Object.keys(ctx.milvusConfig).length > 0) throw new Error("an 'up' step's config is built for the standalone topology only; remove it or use topology standalone");
      return spec.topology === 'cluster' ? await this.upCluster(spec, ctx, journal, resources) : await upStandalone(spec, ctx, journal, resources);
    } catch (err) {
      await resources.disposeAsync();
      throw err;
    }
  }

  private async upCluster(spec: StackSpec, ctx: RunContext, journal: Journal, resources: DisposalStack): Promise<Stack> {
    const cluster = await startCluster(spec, ctx, journal, this.capabilities());
    resources.use(cluster.resources);
    return new LocalStack(spec, cluster.proxyAddress, cluster.metricsUrl, clusterFaultContext(cluster, journal, ctx.workDir, ctx.seed), resources.move());
  }
}

async function upStandalone(spec: StackSpec, ctx: RunContext, journal: Journal, resources: DisposalStack): Promise<Stack> {
  ctx.log(`starting etcd (${spec.etcd.members} member${spec.etcd.members > 1 ? 's' : ''})`);
  const etcd = resources.use(await EtcdCluster.start({ members: spec.etcd.members, dir: join(ctx.workDir, 'etcd'), journal }));
  let minio: MinioServer | null = null;
  if (spec.objectStore === 'minio') {
    ctx.log('starting MinIO');
    minio = resources.use(await MinioServer.start({ dir: ctx.workDir, journal }));
  }
  let pulsar: PulsarStandalone | null = null;
  if (spec.messageQueue === 'pulsar') {
    ctx.log(`starting Pulsar ${PULSAR_VERSION} standalone`);
    pulsar = resources.use(await PulsarStandalone.start({ dir: join(ctx.workDir, 'pulsar'), journal, signal: ctx.signal }));
  }
  const security = spec.security ?? { authorization: false, tls: 'off' as const };
  const certs = security.tls === 'off' ? null : await generateCertificates(join(ctx.workDir, 'tls'), ctx.signal);
  if (certs) ctx.log(`TLS ${security.tls}: certificates generated for this run`);
  const baseConfig = mergeConfig(security.authorization || certs ? (securityConfig({ authorization: security.authorization, tls: security.tls, certs }) as Record<string, YamlValue>) : {}, ctx.milvusConfig ?? {});
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
  const stack = new LocalStack(spec, milvus.address, milvus.metricsUrl, faults, resources.move(), certs && clientTls(security.tls, certs));
  // Where Milvus writes: its defaults, or the bucket and root path an 'up' step's config gave it.
  const store = ((baseConfig.minio ?? {}) as { bucketName?: string; rootPath?: string });
  stack.objectStore = minio ? { endpoint: minio.address, accessKey: MINIO_CREDENTIALS.accessKey, secretKey: MINIO_CREDENTIALS.secretKey, bucket: store.bucketName ?? 'milvus-drill', rootPath: store.rootPath ?? 'files' } : null;
  stack.httpUrl = milvus.metricsUrl.replace(/\/metrics$/, '');
  stack.dataCoordAddress = milvus.dataCoordAddress;
  return stack;
}


class LocalStack implements Stack {
  milvusVersion: string;
  objectStore: ObjectStoreAccess | null = null;
  httpUrl: string | null = null;
  dataCoordAddress: string | null = null;
  private readonly cluster: boolean;
  private readonly messageQueue: StackSpec['messageQueue'];

  constructor(
    spec: StackSpec,
    readonly milvusAddress: string,
    readonly metricsUrl: string,
    private readonly faults: FaultContext,
    private readonly resources: DisposalStack,
    readonly clientTls: ClientTls | null = null,
  ) {
    this.milvusVersion = spec.milvusVersion;
    this.cluster = spec.topology === 'cluster';
    this.messageQueue = spec.messageQueue;
  }

  components(): ComponentInfo[] {
    return this.faults.components.map((c) => ({ name: c.name, role: c.role, pid: c.process.pid ?? null, logFile: c.logFile }));
  }

  inject(fault: FaultSpec, signal: AbortSignal): Promise<ActiveFault> {
    return startFault(this.faults, this.cluster ? pulsarBrokerForMq(fault, this.messageQueue) : fault, signal);
  }

  async perform(action: ActionSpec, signal: AbortSignal): Promise<void> {
    if (action.action === 'upgrade') return this.upgrade(action, signal);
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

  /** In place: the standalone server stops and the new version starts on the same etcd and MinIO data. */
  private async upgrade(action: ActionSpec & { action: 'upgrade' }, signal: AbortSignal): Promise<void> {
    const standalone = this.faults.components.find((c) => c.upgrade);
    if (!standalone?.upgrade) throw new Error('upgrade: the local cluster topology cannot roll its roles to another version yet; use topology standalone');
    await standalone.upgrade(action.version, action.config, signal);
    this.milvusVersion = action.version;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.resources.disposeAsync();
  }
}
