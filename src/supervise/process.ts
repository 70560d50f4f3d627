import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readdirSync, readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { Journal, processStartTicks } from './journal.ts';

export interface ProcessSpec {
  name: string;
  command: string;
  args: readonly string[];
  env?: Record<string, string>;
  cwd?: string;
  /** stdout and stderr go here, appended. */
  logFile: string;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

let setprivAvailable: boolean | undefined;
function hasSetpriv(): boolean {
  setprivAvailable ??= spawnSync('setpriv', ['--help'], { stdio: 'ignore' }).status === 0;
  return setprivAvailable;
}

/**
 * A process we started. It runs in its own process group, is recorded in the run's journal,
 * and dies with the harness even if the harness is SIGKILLed (PR_SET_PDEATHSIG via setpriv).
 */
export class ManagedProcess implements AsyncDisposable {
  readonly id = randomUUID();
  readonly exited: Promise<ExitStatus>;
  private exitStatus: ExitStatus | null = null;
  private readonly child: ChildProcess;

  constructor(readonly spec: ProcessSpec, private readonly journal: Journal) {
    const out = openSync(spec.logFile, 'a');
    const [command, args] = hasSetpriv()
      ? ['setpriv', ['--pdeathsig', 'KILL', '--', spec.command, ...spec.args]]
      : [spec.command, [...spec.args]];
    try {
      this.child = spawn(command, args, {
        cwd: spec.cwd,
        env: { ...process.env, ...spec.env },
        stdio: ['ignore', out, out],
        detached: true,
      });
    } finally {
      closeSync(out);
    }
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exitStatus = { code, signal };
        this.journal.remove(this.id);
        resolve(this.exitStatus);
      });
      this.child.once('error', () => {
        this.exitStatus ??= { code: null, signal: null };
        this.journal.remove(this.id);
        resolve(this.exitStatus);
      });
    });
    const pid = this.child.pid;
    if (pid !== undefined) {
      this.journal.add({ id: this.id, kind: 'process', name: spec.name, pid, startTicks: processStartTicks(pid) ?? 0 });
    }
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exitStatus === null && this.child.pid !== undefined;
  }

  get status(): ExitStatus | null {
    return this.exitStatus;
  }

  /** Sends a signal to the whole process group. */
  signal(sig: NodeJS.Signals): void {
    if (!this.running || this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, sig);
    } catch {
      // already gone
    }
  }

  /** SIGTERM, then SIGKILL after the grace period. Resolves once the process has exited. */
  async stop(graceMs = 10_000): Promise<ExitStatus> {
    if (!this.running) return this.exitStatus ?? { code: null, signal: null };
    this.signal('SIGCONT'); // a paused process cannot handle SIGTERM
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  async kill(): Promise<ExitStatus> {
    this.signal('SIGKILL');
    return this.exited;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

/**
 * The scheduler state (R, S, D, T, Z, ...) of every live process in a process group, from /proc.
 * A signal is sent at once but lands when the target next runs: read this to know it has landed.
 */
export function processGroupStates(pgid: number): string[] {
  const states: string[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid) states.push(fields[0]!);
    } catch {
      // the process ended while we looked
    }
  }
  return states;
}
