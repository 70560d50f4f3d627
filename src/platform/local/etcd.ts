import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ManagedProcess } from './process.ts';
import type { Journal } from './journal.ts';
import { freePorts } from '../../util/ports.ts';
import { pollUntil } from '../../util/poll.ts';
import { etcdBinary } from './tools.ts';

export interface EtcdMember {
  name: string;
  clientUrl: string;
  peerUrl: string;
  dataDir: string;
  logFile: string;
  process: ManagedProcess;
}

/** A real etcd cluster of 1..N members on loopback. Members can be killed and restarted. */
export class EtcdCluster implements AsyncDisposable {
  private constructor(
    readonly members: EtcdMember[],
    private readonly journal: Journal,
    private readonly initialCluster: string,
  ) {}

  static async start(opts: { members: number; dir: string; journal: Journal; timeoutMs?: number }): Promise<EtcdCluster> {
    const ports = await freePorts(opts.members * 2);
    const specs = Array.from({ length: opts.members }, (_, i) => ({
      name: `etcd-${i}`,
      clientUrl: `http://127.0.0.1:${ports[i * 2]}`,
      peerUrl: `http://127.0.0.1:${ports[i * 2 + 1]}`,
      dataDir: join(opts.dir, `etcd-${i}`),
      logFile: join(opts.dir, `etcd-${i}.log`),
    }));
    const initialCluster = specs.map((s) => `${s.name}=${s.peerUrl}`).join(',');
    const cluster = new EtcdCluster([], opts.journal, initialCluster);
    try {
      for (const spec of specs) {
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
      {
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
          '--initial-cluster-token', 'milvus-drill',
        ],
        env: { ETCD_UNSUPPORTED_ARCH: '' },
        logFile: m.logFile,
      },
      this.journal,
    );
  }

  /** Starts a member again (after a kill) with its existing data dir. */
  restart(member: EtcdMember): void {
    if (member.process.running) throw new Error(`${member.name} is still running`);
    member.process = this.spawn(member);
  }

  async waitHealthy(timeoutMs: number): Promise<void> {
    for (const m of this.members) {
      await pollUntil(
        async () => {
          if (!m.process.running) throw new Error(`${m.name} exited: see ${m.logFile}`);
          const res = await fetch(`${m.clientUrl}/health`, { signal: AbortSignal.timeout(1000) });
          const body = (await res.json()) as { health?: string };
          return body.health === 'true';
        },
        { what: `${m.name} health at ${m.clientUrl}/health`, timeoutMs },
      );
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await Promise.all(this.members.map((m) => m.process.stop()));
  }
}
