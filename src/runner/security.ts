import type { Stack } from '../core/platform.ts';
import type { Scenario } from '../core/types.ts';
import type { HistoryRecorder } from '../history/recorder.ts';
import type { Connection } from '../workload/sdk.ts';
import { securityOf, securityOn } from '../scenario/security.ts';
import { adminConnection, rotateRootPassword, runProbes, setUpRbac, type SecurityTarget } from '../security/probes.ts';
import { RunSecrets } from '../security/secrets.ts';

/** The run's security: its secrets (in memory only), securing each stack it brings up, and the probe sets. */
export class RunSecurity {
  readonly secrets: RunSecrets;

  constructor(
    private readonly s: Scenario,
    private readonly history: HistoryRecorder,
    private readonly log: (m: string) => void,
  ) {
    this.secrets = new RunSecrets(securityOf(s.stack).rootPassword === 'generated');
  }

  get on(): boolean {
    return securityOn(this.s.stack.security);
  }

  private target(stack: Stack): SecurityTarget {
    return { address: stack.milvusAddress, tls: stack.clientTls ?? null, spec: securityOf(this.s.stack), secrets: this.secrets, collection: this.s.collection, dim: this.s.dataset.dim };
  }

  /** Secures a freshly brought-up stack (root's password changed) and returns how the drivers connect to it. */
  async secure(stack: Stack): Promise<Connection> {
    if (!this.on) return {};
    const target = this.target(stack);
    await rotateRootPassword(target);
    if (target.spec.rootPassword === 'generated') this.log('root password changed from its default (generated for this run, not recorded)');
    return adminConnection(target);
  }

  /** How an admin client connects to a stack already secured (no rotation). */
  connection(stack: Stack): Connection {
    return this.on ? adminConnection(this.target(stack)) : {};
  }

  /** Users, roles and grants the probes act through; after the collection exists. */
  async setUpRbac(stack: Stack): Promise<void> {
    if (!this.on || !this.s.stack.security?.authorization) return;
    await setUpRbac(this.target(stack));
    this.log('RBAC: a read-only user on the collection, a second collection, a user for the revoke probe');
  }

  async probe(stack: Stack, point: string): Promise<void> {
    await runProbes(this.target(stack), point, this.history, this.log);
  }
}
