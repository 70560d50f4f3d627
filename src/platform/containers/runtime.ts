import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type Dockerode from 'dockerode';
import * as testcontainers from 'testcontainers';
import { GenericContainer, PullPolicy, type StartedTestContainer, type WaitStrategy } from 'testcontainers';
import type { Role } from '../../core/types.ts';
import { freePorts } from '../../util/ports.ts';
import { DisposalStack } from '../../util/disposal.ts';
import { LABEL_COMPONENT, runLabels, runPrefix } from './labels.ts';
import type { Engine } from './engine.ts';
import type { DataVolume } from '../local/volumes.ts';

type Testcontainers = typeof testcontainers;

/** One component of a container stack: its container, which a fault can kill, pause and start again. */
export interface ContainerComponent {
  /** Unique in the stack, e.g. 'querynode-2', 'etcd-0'; also its DNS name on the run's network. */
  readonly name: string;
  readonly role: Role;
  readonly containerId: string;
  readonly logFile: string;
  /** host port for each published container port (bound on 127.0.0.1). */
  readonly ports: ReadonlyMap<number, number>;
  /** The component's data volume (named volume or bind-mounted directory), if it has one. */
  readonly volume: string | null;
  /** Its size-bounded loop-mounted volume, when it has one (for disk-fill). */
  readonly dataVolume: DataVolume | null;
  kill(): Promise<void>;
  start(): Promise<void>;
  pause(): Promise<void>;
  unpause(): Promise<void>;
  running(): Promise<boolean>;
  /** The container's main process on the host (for entering its network namespace). */
  pid(): Promise<number>;
}

export interface ComponentSpec {
  name: string;
  role: Role;
  image: string;
  command?: string[];
  env?: Record<string, string>;
  /** Container ports published on 127.0.0.1 at free host ports, fixed for the container's life (so a restart keeps them). */
  publish?: number[];
  /** Mount point of the component's data volume, a named volume of this run. */
  dataPath?: string;
  /** A size-bounded loop-mounted volume to mount at dataPath instead of a named volume. */
  dataVolume?: DataVolume;
  wait: (tc: Testcontainers) => WaitStrategy;
  startupTimeoutMs?: number;
  /** Extra Linux capabilities (none by default). */
  capAdd?: string[];
}

/**
 * The containers, volumes and network of one run, all labelled with the run; disposed in reverse
 * order (containers first, then volumes, then the network), their logs kept in the work dir.
 */
export class ContainerRun implements AsyncDisposable {
  readonly components: ContainerComponent[] = [];
  private readonly resources = new DisposalStack();
  readonly prefix: string;
  /** First three octets of the network's /24, when the engine gave one: containers get .10, .11, … */
  addressBase: string | null = null;
  private nextHost = 10;

  private constructor(
    readonly tc: Testcontainers,
    readonly docker: Dockerode,
    readonly engine: Engine,
    readonly runId: string,
    readonly networkName: string,
    readonly workDir: string,
  ) {
    this.prefix = runPrefix(runId);
  }

  static async open(engine: Engine, runId: string, workDir: string): Promise<ContainerRun> {
    const tc = testcontainers;
    const client = await tc.getContainerRuntimeClient();
    const docker = client.container.dockerode;
    const networkName = `${runPrefix(runId)}-net`;
    const network = await docker.createNetwork({ Name: networkName, Driver: 'bridge', Labels: runLabels(runId) });
    const run = new ContainerRun(tc, docker, engine, runId, networkName, workDir);
    run.resources.defer(async () => {
      await network.remove().catch((err: unknown) => {
        if (!/no such|not found/i.test(String(err))) throw err;
      });
    });
    // Each container gets a fixed address in the network's /24, so a killed container started
    // again answers on the same address (as a restarted local process does): a client's stale
    // connection is reset at once instead of hanging until keepalive gives up.
    try {
      const subnet = ((await network.inspect()) as { IPAM?: { Config?: { Subnet?: string }[] } }).IPAM?.Config?.find((c) => /^\d+\.\d+\.\d+\.0\/24$/.test(c.Subnet ?? ''))?.Subnet;
      run.addressBase = subnet ? subnet.replace(/\.0\/24$/, '') : null;
    } catch (err) {
      await run[Symbol.asyncDispose]().catch(() => undefined);
      throw err;
    }
    return run;
  }

  component(name: string): ContainerComponent {
    const c = this.components.find((x) => x.name === name);
    if (!c) throw new Error(`no component '${name}' in this stack`);
    return c;
  }

  async start(spec: ComponentSpec): Promise<ContainerComponent> {
    const labels = { ...runLabels(this.runId), [LABEL_COMPONENT]: spec.name };
    let volume: string | null = null;
    if (spec.dataPath && !spec.dataVolume) {
      volume = `${this.prefix}-${spec.name}`;
      await this.docker.createVolume({ Name: volume, Labels: labels });
      const name = volume;
      this.resources.defer(async () => {
        await this.docker.getVolume(name).remove({ force: true } as object).catch((err: unknown) => {
          if (!/no such|not found/i.test(String(err))) throw err;
        });
      });
    }
    const hostPorts = spec.publish?.length ? await freePorts(spec.publish.length) : [];
    const ports = new Map((spec.publish ?? []).map((p, i) => [p, hostPorts[i]!]));
    const container = new LoopbackContainer(spec.image)
      .withName(`${this.prefix}-${spec.name}`)
      .withLabels(labels)
      .onNetwork(this.networkName, this.addressBase && this.nextHost < 250 ? `${this.addressBase}.${this.nextHost++}` : null, spec.name)
      .withHostname(spec.name)
      .withEnvironment(spec.env ?? {})
      .withExposedPorts(...[...ports].map(([container, host]) => ({ container, host })))
      .withWaitStrategy(spec.wait(this.tc))
      .withStartupTimeout(spec.startupTimeoutMs ?? 120_000)
      .withPullPolicy(PullPolicy.defaultPolicy());
    if (spec.command) container.withCommand(spec.command);
    if (spec.capAdd?.length) container.withAddedCapabilities(...spec.capAdd);
    const source = spec.dataVolume?.dataDir ?? volume;
    if (spec.dataPath && source) container.withBindMounts([{ source, target: spec.dataPath }]);
    const logFile = join(this.workDir, `${spec.name}.log`);
    let started: StartedTestContainer;
    try {
      started = await container.start();
    } catch (err) {
      // The container exists but did not become ready: keep its log for the report, then remove it.
      const id = await this.findContainerId(`${this.prefix}-${spec.name}`);
      if (id) {
        this.resources.defer(() => this.removeContainer(id, logFile));
        const tail = await this.logs(id).catch(() => '');
        throw new Error(`${spec.name} (${spec.image}) did not become ready: ${(err as Error).message}\n--- last log lines ---\n${tail.split('\n').slice(-20).join('\n')}`, { cause: err });
      }
      throw new Error(`${spec.name} (${spec.image}) did not start: ${(err as Error).message}`, { cause: err });
    }
    const id = started.getId();
    this.resources.defer(() => this.removeContainer(id, logFile));
    const handle = this.docker.getContainer(id);
    const component: ContainerComponent = {
      name: spec.name,
      role: spec.role,
      containerId: id,
      logFile,
      ports,
      volume: source ?? null,
      dataVolume: spec.dataVolume ?? null,
      kill: async () => {
        await handle.kill({ signal: 'SIGKILL' });
        // kill returns when the signal is sent; wait until the engine has seen the exit.
        await handle.wait({ condition: 'not-running' } as object).catch(() => undefined);
      },
      start: async () => {
        await handle.start();
      },
      pause: async () => {
        await handle.pause();
      },
      unpause: async () => {
        await handle.unpause();
      },
      running: async () => Boolean((await handle.inspect()).State.Running),
      pid: async () => (await handle.inspect()).State.Pid,
    };
    this.components.push(component);
    return component;
  }

  private async findContainerId(name: string): Promise<string | undefined> {
    const list = await this.docker.listContainers({ all: true, filters: { name: [name] } });
    return list.find((c) => c.Names.some((n) => n.replace(/^\//, '') === name))?.Id;
  }

  async logs(id: string): Promise<string> {
    const buf = (await this.docker.getContainer(id).logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
    return demux(buf);
  }

  private async removeContainer(id: string, logFile: string): Promise<void> {
    try {
      writeFileSync(logFile, await this.logs(id));
    } catch {
      // logs are a courtesy; removal must still happen
    }
    const c = this.docker.getContainer(id);
    await c.unpause().catch(() => undefined);
    await c.remove({ force: true, v: true }).catch((err: unknown) => {
      if (!/no such|not found/i.test(String(err))) throw err;
    });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.resources.disposeAsync();
  }

  /** Registers cleanup to run before the containers are removed (e.g. healing a fault). */
  defer(cleanup: () => Promise<void> | void): void {
    this.resources.defer(cleanup);
  }
}

/** Docker's multiplexed log stream (8-byte frame headers) to text; plain text passes through. */
function demux(buf: Buffer): string {
  const chunks: Buffer[] = [];
  let i = 0;
  while (i + 8 <= buf.length && (buf[i] === 1 || buf[i] === 2 || buf[i] === 0) && buf[i + 1] === 0 && buf[i + 2] === 0 && buf[i + 3] === 0) {
    const size = buf.readUInt32BE(i + 4);
    chunks.push(buf.subarray(i + 8, i + 8 + size));
    i += 8 + size;
  }
  if (i === 0) return buf.toString('utf8');
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * A GenericContainer that publishes its ports on 127.0.0.1 only, never on every interface, and
 * joins only the run's network under its alias. (testcontainers' withNetworkAliases creates the
 * container on the engine's default network and connects it to the named one afterwards: two
 * interfaces, and Milvus would register the default network's address.)
 */
class LoopbackContainer extends GenericContainer {
  private network: { name: string; address: string | null; aliases: string[] } | null = null;

  onNetwork(name: string, address: string | null, ...aliases: string[]): this {
    this.network = { name, address, aliases };
    return this.withNetworkMode(name);
  }

  protected override async beforeContainerCreated(): Promise<void> {
    for (const bindings of Object.values(this.hostConfig.PortBindings ?? {}) as { HostIp?: string }[][]) for (const b of bindings) b.HostIp = '127.0.0.1';
    if (!this.network) return;
    const { name, address, aliases } = this.network;
    this.createOpts.NetworkingConfig = { EndpointsConfig: { [name]: { Aliases: aliases, ...(address ? { IPAMConfig: { IPv4Address: address } } : {}) } } };
  }
}
