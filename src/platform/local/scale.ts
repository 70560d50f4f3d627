import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Role } from '../../core/types.ts';
import type { ManagedProcess } from '../../supervise/process.ts';
import { freePorts } from '../../util/ports.ts';
import { localComponent, type LocalComponent } from './faults.ts';
import type { NetnsNetwork } from './netns.ts';
import type { MilvusProcess, MilvusRole } from './roles.ts';

/** The worker roles a scale step adds or removes on the local cluster. */
export const SCALABLE_ROLES = ['querynode', 'datanode'] as const satisfies readonly (Role & MilvusRole)[];
export type ScalableRole = (typeof SCALABLE_ROLES)[number];

/**
 * How long a node removed by a scale step drains on SIGTERM (queryNode.gracefulStopTimeout for
 * the nodes this file starts): Milvus's graceful stop marks the node Stopping, the query
 * coordinator moves its segments and channels to the others, and the node exits once it serves
 * none. Milvus's own default is 30 s; a loaded 2-core machine needs more to load them elsewhere.
 */
export const DRAIN_SECONDS = 90;

/** The env names Milvus reads for a role's port and address (`<DOMAIN>_PORT` overrides `<domain>.port`). */
const DOMAIN_ENV: Record<ScalableRole, string> = { querynode: 'QUERYNODE', datanode: 'DATANODE' };

/** A running Milvus role process, as the cluster starts them (src/platform/local/cluster.ts). */
export interface RoleProcess {
  readonly spec: MilvusProcess;
  /** The Milvus version it runs (a rolling upgrade moves it on). */
  readonly version: string;
  readonly process: ManagedProcess;
  readonly logFile: string;
  restart(): void;
  waitHealthy(signal: AbortSignal, alsoWatched: readonly ManagedProcess[]): Promise<void>;
}

export interface ScaleContext {
  /** Where each process's run dir (pid file) goes. */
  runRoot: string;
  /** Local storage of a process by name. */
  dataDir(name: string): string;
  network: NetnsNetwork | null;
  /**
   * The cluster's live Milvus processes (the cluster's own list, which a rolling upgrade walks):
   * templates for new nodes of their role; added nodes join it, removed ones leave it.
   */
  processes: RoleProcess[];
  /** The components faults and `components()` see; added nodes join it, removed ones leave it. */
  components: LocalComponent[];
  /** Starts a role process of `version` (the cluster's own MilvusRoleProcess, in its network namespace when it has one). */
  start(spec: MilvusProcess, version: string): RoleProcess;
  log(message: string): void;
}

/** What one scale step did. */
export interface ScaleResult {
  role: ScalableRole;
  from: number;
  to: number;
  added: string[];
  removed: string[];
}

/**
 * Adds and removes worker-node processes of a running local cluster. A new node is a copy of the
 * first node of its role started at bring-up, with its own ports, address (its own network
 * namespace when the cluster has them), local storage, run dir and a longer graceful stop; it is
 * ready when its health endpoint answers. Removal is graceful and newest first (as a StatefulSet
 * scales down): SIGTERM, then the node drains (see DRAIN_SECONDS), SIGKILL only past that.
 */
export class NodeScaler implements AsyncDisposable {
  /** Every node this scaler started, removed ones included (their names stay taken). */
  private readonly added: RoleProcess[] = [];

  constructor(private readonly c: ScaleContext) {}

  /** The running nodes of a role, in start order. */
  nodes(role: ScalableRole): RoleProcess[] {
    return this.c.processes.filter((p) => p.spec.roles.length === 1 && p.spec.roles[0] === role);
  }

  async scale(role: ScalableRole, replicas: number, signal: AbortSignal): Promise<ScaleResult> {
    const current = this.nodes(role);
    const result: ScaleResult = { role, from: current.length, to: replicas, added: [], removed: [] };
    if (replicas > current.length) {
      for (let i = current.length; i < replicas; i++) result.added.push(await this.add(role, signal));
    } else {
      for (const node of current.slice(replicas).reverse()) {
        signal.throwIfAborted();
        await this.remove(node);
        result.removed.push(node.spec.name);
      }
    }
    return result;
  }

  private async add(role: ScalableRole, signal: AbortSignal): Promise<string> {
    const template = [...this.c.processes].find((p) => p.spec.roles[0] === role && p.spec.roles.length === 1);
    if (!template) throw new Error(`scale: the cluster has no ${role} to copy`);
    const name = this.nextName(role);
    const member = this.c.network ? await this.c.network.addMember(name) : null;
    const [metricsPort, port] = await freePorts(2);
    const spec = nodeProcessSpec(template.spec, role, {
      name,
      host: member?.ip ?? template.spec.host,
      metricsPort: metricsPort!,
      port: port!,
      runDir: join(this.c.runRoot, `run-${name}`),
      localStorage: this.c.dataDir(name),
      drainSeconds: DRAIN_SECONDS,
    });
    mkdirSync(spec.runDir, { recursive: true });
    mkdirSync(this.c.dataDir(name), { recursive: true });
    // The template's version: after a rolling upgrade, new nodes run the version the cluster runs now.
    this.c.log(`scale: starting ${name} (Milvus ${template.version}) at ${spec.host}`);
    const node = this.c.start(spec, template.version);
    this.added.push(node);
    this.c.processes.push(node);
    await node.waitHealthy(signal, []);
    this.c.components.push(localComponent(name, role, () => node.process, () => node.restart(), node.logFile, { inNetns: member !== null, volumes: new Map() }));
    return name;
  }

  private async remove(node: RoleProcess): Promise<void> {
    const name = node.spec.name;
    const drain = this.added.includes(node) ? DRAIN_SECONDS : null;
    this.c.log(`scale: stopping ${name} gracefully${drain ? ` (drains up to ${drain} s)` : ' (a node started at bring-up drains for the cluster\'s own graceful stop time)'}`);
    this.c.processes.splice(this.c.processes.indexOf(node), 1);
    const at = this.c.components.findIndex((c) => c.name === name);
    if (at >= 0) this.c.components.splice(at, 1);
    await node.process.stop(((drain ?? 30) + 15) * 1000);
  }

  private nextName(role: ScalableRole): string {
    const taken = new Set([...this.c.processes, ...this.added].map((p) => p.spec.name));
    for (let i = 1; ; i++) if (!taken.has(`${role}-${i}`)) return `${role}-${i}`;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await Promise.all(this.added.map((n) => n.process.stop(10_000)));
  }
}

export interface NewNode {
  name: string;
  host: string;
  metricsPort: number;
  port: number;
  runDir: string;
  localStorage: string;
  drainSeconds: number;
}

/**
 * A new node's process, copied from a running node of the same role: its own name (the alias of
 * its pid file), ports, address, local storage and run dir, and graceful stop time, all through
 * the environment variables Milvus reads above milvus.yaml. Pure.
 */
export function nodeProcessSpec(template: MilvusProcess, role: ScalableRole, n: NewNode): MilvusProcess {
  const domain = DOMAIN_ENV[role];
  const env: Record<string, string> = {
    ...template.env,
    MILVUS_RUN_DIR: n.runDir,
    METRICS_PORT: String(n.metricsPort),
    [`${domain}_PORT`]: String(n.port),
    LOCALSTORAGE_PATH: n.localStorage,
    [`${domain}_GRACEFULSTOPTIMEOUT`]: String(n.drainSeconds),
    COMMON_GRACEFULSTOPTIMEOUT: String(n.drainSeconds),
  };
  if (template.env[`${domain}_IP`] !== undefined) env[`${domain}_IP`] = n.host;
  const args = template.args.map((a) => (a.startsWith('-alias=') ? `-alias=${n.name}` : a));
  return { name: n.name, roles: [role], args, env, ports: { [role]: n.port }, metricsPort: n.metricsPort, host: n.host, healthUrl: `http://${n.host}:${n.metricsPort}/healthz`, runDir: n.runDir };
}
