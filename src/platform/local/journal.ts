import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';

/**
 * An on-disk record of everything a run has started and not yet stopped: processes and active
 * faults. A crashed or SIGKILLed run leaves its journal behind, and `milvus-drill heal` reads
 * it to stop what the run left running.
 */
export interface JournalEntry {
  id: string;
  kind: 'process' | 'fault' | 'netns';
  name: string;
  /** For processes: pid and its kernel start time, so a reused pid is never killed by mistake. */
  pid?: number;
  startTicks?: number;
  /** For faults and namespaces: shell-free argv lists that undo it, run in order. */
  undo?: string[][];
}

export class Journal {
  private readonly entries = new Map<string, JournalEntry>();
  readonly file: string;

  constructor(stateDir: string, readonly runId: string) {
    mkdirSync(stateDir, { recursive: true });
    this.file = join(stateDir, `${runId}.json`);
  }

  add(entry: JournalEntry): void {
    this.entries.set(entry.id, entry);
    this.flush();
  }

  remove(id: string): void {
    if (this.entries.delete(id)) this.flush();
  }

  close(): void {
    if (this.entries.size === 0) rmSync(this.file, { force: true });
    else this.flush();
  }

  private flush(): void {
    const tmp = `${this.file}.tmp`;
    const owner = { pid: process.pid, startTicks: processStartTicks(process.pid) };
    writeFileSync(tmp, JSON.stringify({ runId: this.runId, owner, entries: [...this.entries.values()] }, null, 2));
    renameSync(tmp, this.file);
  }
}

export interface LeftoverJournal {
  file: string;
  runId: string;
  /** The harness that wrote it; a journal whose owner still runs belongs to a live run. */
  owner: { pid: number; startTicks: number | null } | null;
  entries: JournalEntry[];
}

export function readLeftoverJournals(stateDir: string): LeftoverJournal[] {
  let names: string[];
  try {
    names = readdirSync(stateDir).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  return names.map((name) => {
    const file = join(stateDir, name);
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Omit<LeftoverJournal, 'file'>;
    return { file, runId: parsed.runId, owner: parsed.owner ?? null, entries: parsed.entries };
  });
}

/** Kernel start time of a pid (field 22 of /proc/pid/stat), or null when the pid is gone. */
export function processStartTicks(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const afterName = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(afterName[19]);
  } catch {
    return null;
  }
}

/** True while the harness that wrote the journal is still running (same pid, same start time). */
export function ownerAlive(j: LeftoverJournal): boolean {
  return j.owner !== null && j.owner.pid !== process.pid && processStartTicks(j.owner.pid) === j.owner.startTicks;
}
