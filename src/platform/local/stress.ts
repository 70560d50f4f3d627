import { randomUUID } from 'node:crypto';
import { availableParallelism, totalmem } from 'node:os';
import type { Millis } from '../../core/types.ts';
import type { Journal } from '../../supervise/journal.ts';
import { ManagedProcess, processGroupStates, type ProcessSpec } from '../../supervise/process.ts';
import { waitFor } from '../../util/poll.ts';

/**
 * Resource faults next to a component, shaped after Chaos Mesh's StressChaos (stressors.cpu:
 * workers + load; stressors.memory: workers + size) and PodChaos pause. CPU and memory pressure
 * come from Debian's stress-ng, always bounded by a duration, a worker count and a byte count.
 */
export interface StressSpec {
  cpu?: { workers: number; /** 0-100 per worker */ load: number };
  memory?: { workers: number; /** bytes each worker keeps resident */ size: number };
  duration: Millis;
}

const MAX_DURATION: Millis = 60 * 60 * 1000;

export function validateStress(spec: StressSpec, cores = availableParallelism(), memory = totalmem()): string[] {
  const problems: string[] = [];
  if (!spec.cpu && !spec.memory) problems.push('give cpu and/or memory stressors');
  if (!(spec.duration >= 1000 && spec.duration <= MAX_DURATION)) problems.push(`duration: 1 s to 1 h, got ${spec.duration} ms`);
  if (spec.cpu) {
    if (!(Number.isInteger(spec.cpu.workers) && spec.cpu.workers >= 1 && spec.cpu.workers <= cores * 2)) problems.push(`cpu.workers: 1-${cores * 2} (2 per core), got ${spec.cpu.workers}`);
    if (!(spec.cpu.load > 0 && spec.cpu.load <= 100)) problems.push(`cpu.load: 1-100 percent, got ${spec.cpu.load}`);
  }
  if (spec.memory) {
    if (!(Number.isInteger(spec.memory.workers) && spec.memory.workers >= 1 && spec.memory.workers <= cores * 2)) problems.push(`memory.workers: 1-${cores * 2}, got ${spec.memory.workers}`);
    const total = spec.memory.workers * spec.memory.size;
    if (!(spec.memory.size >= 1024 * 1024)) problems.push(`memory.size: at least 1 MiB per worker, got ${spec.memory.size}`);
    else if (total > memory / 2) problems.push(`memory: ${spec.memory.workers} x ${spec.memory.size} bytes exceeds half of this machine's ${memory} bytes`);
  }
  return problems;
}

export function stressNgArgs(spec: StressSpec): string[] {
  const args: string[] = [];
  if (spec.cpu) args.push('--cpu', String(spec.cpu.workers), '--cpu-load', String(spec.cpu.load));
  if (spec.memory) args.push('--vm', String(spec.memory.workers), '--vm-bytes', String(spec.memory.size), '--vm-keep');
  args.push('--timeout', `${Math.ceil(spec.duration / 1000)}s`, '--metrics-brief');
  return args;
}

export interface StressOptions {
  journal: Journal;
  logFile: string;
  /** e.g. NetnsNetwork.wrap, to run the stressors in a component's namespace. */
  wrap?: (spec: ProcessSpec) => ProcessSpec;
}

/** Starts stress-ng; it stops by itself after the duration, and disposing stops it sooner. */
export function startStress(spec: StressSpec, options: StressOptions): ManagedProcess {
  const problems = validateStress(spec);
  if (problems.length > 0) throw new Error(`invalid stress spec:\n  ${problems.join('\n  ')}`);
  const processSpec: ProcessSpec = { name: 'stress-ng', command: 'stress-ng', args: stressNgArgs(spec), logFile: options.logFile };
  return new ManagedProcess(options.wrap ? options.wrap(processSpec) : processSpec, options.journal);
}

const STOPPED = new Set(['T', 't']);
const SIGNAL_LANDS_MS = 10_000;

/**
 * Freezes a process group with SIGSTOP (Chaos Mesh: pause); disposing sends SIGCONT. The resume
 * command is journalled first, so `milvus-drill heal` resumes it even if the run dies meanwhile.
 * Neither pausing nor resuming reports done before every process of the group is in that state.
 */
export class PausedProcess implements AsyncDisposable {
  private resuming: Promise<void> | null = null;
  private readonly journalId = randomUUID();

  private constructor(readonly target: ManagedProcess, private readonly journal: Journal) {}

  static async pause(target: ManagedProcess, journal: Journal): Promise<PausedProcess> {
    const pid = target.pid;
    if (pid === undefined || !target.running) throw new Error(`cannot pause ${target.spec.name}: it is not running`);
    const paused = new PausedProcess(target, journal);
    journal.add({ id: paused.journalId, kind: 'fault', name: `pause ${target.spec.name}`, undo: [['kill', '-CONT', '--', `-${pid}`]] });
    target.signal('SIGSTOP');
    try {
      await waitFor(() => groupIn(pid, (states) => states.every((s) => STOPPED.has(s))), {
        what: `every process of ${target.spec.name} (group ${pid}) to be stopped (state T) after SIGSTOP`,
        timeoutMs: SIGNAL_LANDS_MS,
        intervalMs: 5,
        process: target,
      });
    } catch (err) {
      await paused.resume();
      throw err;
    }
    return paused;
  }

  /** SIGCONT; resolves when no process of the group is stopped any more (or it has exited). */
  resume(): Promise<void> {
    this.resuming ??= this.sendContinue();
    return this.resuming;
  }

  private async sendContinue(): Promise<void> {
    const pid = this.target.pid!;
    this.target.signal('SIGCONT');
    this.journal.remove(this.journalId);
    await waitFor(() => !this.target.running || groupIn(pid, (states) => !states.some((s) => STOPPED.has(s))), {
      what: `${this.target.spec.name} (group ${pid}) to run again after SIGCONT`,
      timeoutMs: SIGNAL_LANDS_MS,
      intervalMs: 5,
    });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.resume();
  }
}

/** Dead processes (zombies not yet reaped) neither stop nor run: only the live ones count. */
const DEAD = new Set(['Z', 'X', 'x']);

function groupIn(pgid: number, test: (states: string[]) => boolean): boolean {
  const states = processGroupStates(pgid).filter((s) => !DEAD.has(s));
  return states.length > 0 && test(states);
}
