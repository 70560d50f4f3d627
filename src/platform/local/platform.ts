import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ActiveFault, ComponentInfo, Platform, RunContext, Stack } from '../../core/platform.ts';
import type { FaultSpec, StackSpec, TargetMode } from '../../core/types.ts';
import type { ValidationError } from '../../scenario/validate.ts';
import { Journal } from './journal.ts';
import { EtcdCluster } from './etcd.ts';
import { MinioServer } from './minio.ts';
import { MilvusStandalone } from './milvus.ts';
import { stateDir } from './tools.ts';
import { delay } from '../../util/poll.ts';
import { DisposalStack } from '../../util/disposal.ts';

/** A component the fault executor can act on: one process that can be signalled and restarted. */
interface Restartable {
  name: string;
  role: string;
  signal(sig: NodeJS.Signals): void;
  kill(): Promise<void>;
  restart(): void;
  running(): boolean;
}

export class LocalPlatform implements Platform {
  readonly name = 'local';

  check(stack: StackSpec, faults: readonly FaultSpec[]): ValidationError[] {
    const errors: ValidationError[] = [];
    if (stack.topology !== 'standalone') {
      errors.push({ path: 'stack.topology', message: `'${stack.topology}' is not yet supported by the local platform`, fix: "use 'standalone'" });
    }
    if (stack.messageQueue !== 'rocksmq') {
      errors.push({ path: 'stack.messageQueue', message: `'${stack.messageQueue}' is not yet supported by the local standalone stack`, fix: "use 'rocksmq'" });
    }
    faults.forEach((f, i) => {
      if (!LOCAL_FAULT_KINDS.includes(f.kind)) {
        errors.push({ path: `faults[${i}].kind`, message: `'${f.kind}' is not yet implemented on the local platform`, fix: `use one of: ${LOCAL_FAULT_KINDS.join(', ')}` });
      }
    });
    return errors;
  }

  async up(spec: StackSpec, ctx: RunContext): Promise<Stack> {
    const journal = new Journal(stateDir(), ctx.runId);
    const stack = new DisposalStack();
    stack.defer(() => journal.close());
    try {
      ctx.log(`starting etcd (${spec.etcd.members} member${spec.etcd.members > 1 ? 's' : ''})`);
      const etcd = stack.use(await EtcdCluster.start({ members: spec.etcd.members, dir: join(ctx.workDir, 'etcd'), journal }));
      let minio: MinioServer | null = null;
      if (spec.objectStore === 'minio') {
        ctx.log('starting MinIO');
        minio = stack.use(await MinioServer.start({ dir: ctx.workDir, journal }));
      }
      ctx.log(`starting Milvus ${spec.milvusVersion} standalone`);
      const milvusDir = join(ctx.workDir, 'milvus');
      mkdirSync(milvusDir, { recursive: true });
      const milvus = stack.use(
        await MilvusStandalone.start({
          version: spec.milvusVersion,
          dir: milvusDir,
          journal,
          etcdEndpoints: etcd.endpoints,
          minioAddress: minio?.address ?? null,
        }),
      );
      return new LocalStack(spec, etcd, minio, milvus, stack.move());
    } catch (err) {
      await stack.disposeAsync();
      throw err;
    }
  }
}

/** Process faults: kill and restart, or pause and resume. */
const LOCAL_FAULT_KINDS: readonly FaultSpec['kind'][] = ['pod-kill', 'pod-failure', 'container-kill', 'pause'];

class LocalStack implements Stack {
  readonly milvusVersion: string;

  constructor(
    spec: StackSpec,
    private readonly etcd: EtcdCluster,
    private readonly minio: MinioServer | null,
    private readonly milvus: MilvusStandalone,
    private readonly resources: DisposalStack,
  ) {
    this.milvusVersion = spec.milvusVersion;
  }

  get milvusAddress(): string {
    return this.milvus.address;
  }

  get metricsUrl(): string {
    return this.milvus.metricsUrl;
  }

  components(): ComponentInfo[] {
    return [
      ...this.etcd.members.map((m) => ({ name: m.name, role: 'etcd', pid: m.process.pid ?? null, logFile: m.logFile })),
      ...(this.minio ? [{ name: 'minio', role: 'minio', pid: this.minio.process.pid ?? null, logFile: this.minio.logFile }] : []),
      { name: 'milvus-standalone', role: 'standalone', pid: this.milvus.process.pid ?? null, logFile: this.milvus.logFile },
    ];
  }

  private targets(): Restartable[] {
    const milvus = this.milvus;
    const list: Restartable[] = [
      {
        name: 'milvus-standalone',
        role: 'standalone',
        signal: (s) => milvus.process.signal(s),
        kill: async () => void (await milvus.process.kill()),
        restart: () => milvus.restart(),
        running: () => milvus.process.running,
      },
    ];
    for (const m of this.etcd.members) {
      list.push({
        name: m.name,
        role: 'etcd',
        signal: (s) => m.process.signal(s),
        kill: async () => void (await m.process.kill()),
        restart: () => this.etcd.restart(m),
        running: () => m.process.running,
      });
    }
    const minio = this.minio;
    if (minio) {
      list.push({
        name: 'minio',
        role: 'minio',
        signal: (s) => minio.process.signal(s),
        kill: async () => void (await minio.process.kill()),
        restart: () => minio.restart(),
        running: () => minio.process.running,
      });
    }
    return list;
  }

  async inject(fault: FaultSpec, signal: AbortSignal): Promise<ActiveFault> {
    if (!LOCAL_FAULT_KINDS.includes(fault.kind)) throw new Error(`fault '${fault.name}': ${fault.kind} is not implemented on the local platform`);
    const candidates = this.targets().filter((t) => t.role === fault.target.role);
    if (candidates.length === 0) throw new Error(`fault '${fault.name}': no running component has role '${fault.target.role}'`);
    const chosen = selectTargets(candidates, fault.target.mode);
    return startProcessFault(fault, chosen, signal);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.resources.disposeAsync();
  }
}

/** Chaos Mesh's modes, applied to a stable (name-sorted) candidate list so runs repeat. */
export function selectTargets<T extends { name: string }>(candidates: T[], mode: TargetMode): T[] {
  const sorted = [...candidates].sort((a, b) => a.name.localeCompare(b.name));
  if (mode === 'one') return sorted.slice(0, 1);
  if (mode === 'all') return sorted;
  if ('count' in mode) return sorted.slice(0, Math.min(mode.count, sorted.length));
  return sorted.slice(0, Math.max(1, Math.floor((sorted.length * mode.percent) / 100)));
}

/** pod-kill / pod-failure: SIGKILL, down for the duration, restarted. pause: SIGSTOP, then SIGCONT. */
function startProcessFault(fault: FaultSpec, targets: Restartable[], signal: AbortSignal): Promise<ActiveFault> {
  const pausing = fault.kind === 'pause';
  let healedResolve!: () => void;
  const healed = new Promise<void>((resolve) => (healedResolve = resolve));
  let done = false;
  const heal = (): void => {
    if (done) return;
    done = true;
    for (const t of targets) {
      if (pausing) t.signal('SIGCONT');
      else if (!t.running()) t.restart();
    }
    healedResolve();
  };
  const apply = async (): Promise<void> => {
    if (pausing) targets.forEach((t) => t.signal('SIGSTOP'));
    else await Promise.all(targets.map((t) => t.kill()));
  };
  return apply().then(() => {
    const abort = new AbortController();
    const onAbort = (): void => abort.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    delay(fault.duration, abort.signal)
      .catch(() => undefined)
      .finally(() => {
        signal.removeEventListener('abort', onAbort);
        heal();
      });
    return {
      spec: fault,
      healed,
      [Symbol.asyncDispose]: async () => {
        abort.abort();
        heal();
        await healed;
      },
    };
  });
}
