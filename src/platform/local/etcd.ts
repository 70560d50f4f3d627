import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ManagedProcess, type ProcessSpec } from '../../supervise/process.ts';
import type { Journal } from '../../supervise/journal.ts';
import { freePorts } from '../../util/ports.ts';
import { waitFor } from '../../util/poll.ts';
import { etcdBinary } from './tools.ts';

export interface EtcdMember {
  name: string;
  clientUrl: string;
  peerUrl: string;
  dataDir: string;
  logFile: string;
  process: ManagedProcess;
}

type MemberWrap = (member: string, spec: ProcessSpec) => ProcessSpec;

export interface EtcdClusterOptions {
  members: number;
  /** Holds logs (and data dirs, unless dataDirOf says otherwise). */
  dir: string;
  journal: Journal;
  timeoutMs?: number;
  /** Address each member binds, e.g. its network namespace's; default 127.0.0.1. */
  hostOf?: (member: string) => string;
  dataDirOf?: (member: string) => string;
  /** Wraps each member's process, e.g. to run it inside its network namespace. */
  wrap?: MemberWrap;
  /** Fills each member's data directory before it first starts (a restore from a snapshot: cold-snapshot.ts). */
  seed?: (member: { name: string; peerUrl: string; dataDir: string }, cluster: { initialCluster: string; token: string }) => Promise<void>;
}

export const ETCD_CLUSTER_TOKEN = 'milvus-drill';

/** A real etcd cluster of 1..N members, on loopback or each in its own network namespace. Members can be killed and restarted. */
export class EtcdCluster implements AsyncDisposable {
  private constructor(
    readonly members: EtcdMember[],
    private readonly journal: Journal,
    private readonly initialCluster: string,
    private readonly wrap: MemberWrap,
  ) {}

  static async start(opts: EtcdClusterOptions): Promise<EtcdCluster> {
    const ports = await freePorts(opts.members * 2);
    const specs = Array.from({ length: opts.members }, (_, i) => {
      const name = `etcd-${i}`;
      const host = opts.hostOf?.(name) ?? '127.0.0.1';
      return {
        name,
        clientUrl: `http://${host}:${ports[i * 2]}`,
        peerUrl: `http://${host}:${ports[i * 2 + 1]}`,
        dataDir: opts.dataDirOf?.(name) ?? join(opts.dir, name),
        logFile: join(opts.dir, `${name}.log`),
      };
    });
    const initialCluster = specs.map((s) => `${s.name}=${s.peerUrl}`).join(',');
    const cluster = new EtcdCluster([], opts.journal, initialCluster, opts.wrap ?? ((_, spec) => spec));
    try {
      for (const spec of specs) {
        await opts.seed?.(spec, { initialCluster, token: ETCD_CLUSTER_TOKEN });
        mkdirSync(spec.dataDir, { recursive: true });
        cluster.members.push({ ...spec, process: cluster.spawn(spec) });
      }
      await cluster.waitHealthy(opts.timeoutMs ?? 30_000);
      return cluster;
    } catch (err) {
      await cluster[Symbol.asyncDispose]();
      throw err;
    }
  }

  get endpoints(): string[] {
    return this.members.map((m) => m.clientUrl.replace('http://', ''));
  }

  private spawn(m: Omit<EtcdMember, 'process'>): ManagedProcess {
    return new ManagedProcess(
      this.wrap(m.name, {
        name: m.name,
        command: etcdBinary(),
        args: [
          '--name', m.name,
          '--data-dir', m.dataDir,
          '--listen-client-urls', m.clientUrl,
          '--advertise-client-urls', m.clientUrl,
          '--listen-peer-urls', m.peerUrl,
          '--initial-advertise-peer-urls', m.peerUrl,
          '--initial-cluster', this.initialCluster,
          '--initial-cluster-state', 'new',
          '--initial-cluster-token', ETCD_CLUSTER_TOKEN,
        ],
        env: { ETCD_UNSUPPORTED_ARCH: '' },
        logFile: m.logFile,
      }),
      this.journal,
    );
  }

  /** Starts a member again (after a kill) with its existing data dir. */
  restart(member: EtcdMember): void {
    if (member.process.running) throw new Error(`${member.name} is still running`);
    member.process = this.spawn(member);
  }

  /** The member the others follow, asked of a running member (etcd's /v3/maintenance/status). */
  async leader(): Promise<EtcdMember> {
    for (const m of this.members.filter((member) => member.process.running)) {
      try {
        const res = await fetch(`${m.clientUrl}/v3/maintenance/status`, { method: 'POST', body: '{}', signal: AbortSignal.timeout(2_000) });
        const status = (await res.json()) as { header?: { member_id?: string }; leader?: string };
        if (!status.leader || status.leader === '0') continue;
        if (status.header?.member_id === status.leader) return m;
        const leader = await this.memberById(m, status.leader);
        if (leader) return leader;
      } catch {
        // this member cannot answer; ask the next one
      }
    }
    throw new Error('no etcd member reports a leader (is a quorum running?)');
  }

  /** The value at a key (etcd's /v3/kv/range), asked of the first running member that answers; null when absent. */
  async get(key: string): Promise<string | null> {
    const body = JSON.stringify({ key: Buffer.from(key).toString('base64') });
    let lastError: unknown = new Error('no etcd member is running');
    for (const m of this.members.filter((member) => member.process.running)) {
      try {
        const res = await fetch(`${m.clientUrl}/v3/kv/range`, { method: 'POST', body, signal: AbortSignal.timeout(5_000) });
        if (!res.ok) throw new Error(`${m.name}: HTTP ${res.status}`);
        const range = (await res.json()) as { kvs?: { value?: string }[] };
        const value = range.kvs?.[0]?.value;
        return value === undefined ? null : Buffer.from(value, 'base64').toString('utf8');
      } catch (err) {
        lastError = err;
      }
    }
    throw new Error(`etcd: cannot read ${key}: ${(lastError as Error).message}`);
  }

  private async memberById(asked: EtcdMember, id: string): Promise<EtcdMember | undefined> {
    const res = await fetch(`${asked.clientUrl}/v3/cluster/member/list`, { method: 'POST', body: '{}', signal: AbortSignal.timeout(2_000) });
    const list = (await res.json()) as { members?: { ID?: string; name?: string }[] };
    const name = list.members?.find((member) => member.ID === id)?.name;
    return this.members.find((member) => member.name === name);
  }

  /** Every member reports healthy; stops at once when any member exits, with its log's last lines. */
  async waitHealthy(timeoutMs: number): Promise<void> {
    const processes = this.members.map((m) => m.process);
    for (const m of this.members) {
      await waitFor(
        async () => {
          const res = await fetch(`${m.clientUrl}/health`, { signal: AbortSignal.timeout(1000) });
          const body = (await res.json()) as { health?: string };
          return body.health === 'true';
        },
        { what: `${m.name} health at ${m.clientUrl}/health`, timeoutMs, process: processes },
      );
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await Promise.all(this.members.map((m) => m.process.stop()));
  }
}
