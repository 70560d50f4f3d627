import type { ActiveFault, ComponentInfo, Platform, RunContext, Stack } from '../../core/platform.ts';
import type { ActionSpec, FaultSpec, StackSpec, ValidationError } from '../../core/types.ts';
import { Journal } from '../../supervise/journal.ts';
import { stateDir } from '../../supervise/home.ts';
import { DisposalStack } from '../../util/disposal.ts';
import { MILVUS_METRICS_PORT, MILVUS_PORTS, defaultImage, type ImageComponent } from './images.ts';
import { configureTestcontainers, openEngine } from './engine.ts';
import { ContainerRun, type ContainerComponent } from './runtime.ts';
import { etcdLeader, milvusStandaloneSpec, minioSpec, startEtcd, ETCD_CLIENT_PORT } from './components.ts';
import { containersCapabilities, containersCheck, type ContainersCapabilities } from './check.ts';
import { startContainerFault, type ContainerFaultContext } from './faults.ts';
import { startContainerCluster } from './cluster.ts';

/** Each component of the stack in its own container, started and stopped through testcontainers. */
export class ContainersPlatform implements Platform {
  readonly name = 'containers';
  /** destroy and up are the runner's (dispose a stack, bring up another); restart and upgrade are not built for containers yet, so validate refuses them. */
  readonly actions = ['destroy', 'up'] as const;

  constructor(private readonly capabilities: () => ContainersCapabilities = containersCapabilities) {}

  check(stack: StackSpec, faults: readonly FaultSpec[]): ValidationError[] {
    return containersCheck(stack, faults, this.capabilities());
  }

  async up(spec: StackSpec, ctx: RunContext): Promise<Stack> {
    if (ctx.milvusConfig && Object.keys(ctx.milvusConfig).length > 0) throw new Error("an 'up' step's config is built for the local standalone stack only; remove it on containers");
    const journal = new Journal(stateDir(), ctx.runId);
    const resources = new DisposalStack();
    resources.defer(() => journal.close());
    try {
      const engine = resources.use(await openEngine({ journal, logDir: ctx.workDir, log: ctx.log }));
      ctx.log(`container engine: ${engine.source} (${engine.dockerHost})`);
      resources.use(configureTestcontainers(engine));
      const run = resources.use(await ContainerRun.open(engine, ctx.runId, ctx.workDir));
      const image = (c: ImageComponent): string => spec.images?.[c] ?? defaultImage(c, spec.milvusVersion);
      const faults: ContainerFaultContext = { run, journal, logDir: ctx.workDir, etcdLeader: () => etcdLeader(run.components.filter((c) => c.role === 'etcd')), seed: ctx.seed };
      if (spec.topology === 'cluster') {
        const loopVolumes = this.capabilities().volumes;
        const cluster = await startContainerCluster(run, spec, image, ctx, { journal, loopVolumes });
        return new ContainersStack(spec, cluster.milvusAddress, cluster.metricsUrl, faults, resources.move());
      }
      ctx.log(`starting etcd (${spec.etcd.members} member${spec.etcd.members > 1 ? 's' : ''}, ${image('etcd')})`);
      const etcd = await startEtcd(run, image('etcd'), spec.etcd.members);
      if (spec.objectStore === 'minio') {
        ctx.log(`starting MinIO (${image('minio')})`);
        await run.start(minioSpec(image('minio')));
      }
      ctx.log(`starting Milvus ${spec.milvusVersion} standalone (${image('milvus')})`);
      const milvus = await run.start(milvusStandaloneSpec(image('milvus'), spec, etcd.map((m) => `${m.name}:${ETCD_CLIENT_PORT}`)));
      return new ContainersStack(spec, `127.0.0.1:${milvus.ports.get(MILVUS_PORTS['proxy.port'])}`, `http://127.0.0.1:${milvus.ports.get(MILVUS_METRICS_PORT)}/metrics`, faults, resources.move());
    } catch (err) {
      await resources.disposeAsync().catch(() => undefined);
      throw err;
    }
  }
}

class ContainersStack implements Stack {
  readonly milvusVersion: string;

  constructor(
    spec: StackSpec,
    readonly milvusAddress: string,
    readonly metricsUrl: string,
    private readonly faults: ContainerFaultContext,
    private readonly resources: DisposalStack,
  ) {
    this.milvusVersion = spec.milvusVersion;
  }

  components(): ComponentInfo[] {
    return this.faults.run.components.map((c: ContainerComponent) => ({ name: c.name, role: c.role, pid: null, logFile: c.logFile }));
  }

  inject(fault: FaultSpec, signal: AbortSignal): Promise<ActiveFault> {
    return startContainerFault(this.faults, fault, signal);
  }

  perform(action: ActionSpec): Promise<void> {
    return Promise.reject(new Error(`the containers platform does not perform '${action.action}' yet`));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.resources.disposeAsync();
  }
}
