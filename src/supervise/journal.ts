import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';

/**
 * An on-disk record of everything a run has started and not yet stopped: processes, active
 * faults, network namespaces and its work directory. A crashed or SIGKILLed run leaves its journal behind, and `milvus-drill heal` reads
 * it to stop what the run left running.
 */
export interface JournalEntry {
  id: string;
  kind: 'process' | 'fault' | 'netns' | 'workdir' | 'kube';
  name: string;
  /** For processes: pid and its kernel start time, so a reused pid is never killed by mistake. */
  pid?: number;
  startTicks?: number;
  /** For faults and namespaces: shell-free argv lists that undo it, run in order. */
  undo?: string[][];
  /** For a work directory: its absolute path (heal removes it only if isRunWorkDir holds). */
  path?: string;
  /** For a run's Kubernetes objects: where they are; heal deletes them by the run's label. */
  kube?: KubeJournal;
}

export interface KubeJournal {
  kubeconfig: string | null;
  context: string;
  namespace: string;
  runId: string;
  /** The run created the namespace: heal deletes it whole. */
  ownsNamespace: boolean;
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
    writeFileSync(tmp, JSON.stringify({ runId: this.runId, owner: OWNER, entries: [...this.entries.values()] }, null, 2));
    renameSync(tmp, this.file);
  }
}

/** A run's work directory is `<tmpdir>/milvus-drill-<runId>`. */
export const WORK_DIR_PREFIX = 'milvus-drill-';

/** Whether `path` names a run's work directory: directly under the temp dir, named milvus-drill-*. */
export function isRunWorkDir(path: string): boolean {
  const full = resolve(path);
  const name = basename(full);
  return dirname(full) === resolve(tmpdir()) && name.startsWith(WORK_DIR_PREFIX) && name.length > WORK_DIR_PREFIX.length;
}

/**
 * Journals a run's work directory, so that `heal` removes it if the run dies without removing it
 * (SIGKILL). Disposing the handle forgets it: the run removes the directory itself.
 */
export function journalWorkDir(journal: Journal, path: string): Disposable {
  if (!isRunWorkDir(path)) {
    throw new Error(`work directory ${path} is not ${join(tmpdir(), WORK_DIR_PREFIX)}<run-id>, the only kind heal will remove: create it there`);
  }
  const full = resolve(path);
  const id = `workdir:${full}`;
  journal.add({ id, kind: 'workdir', name: 'work directory', path: full });
  return { [Symbol.dispose]: () => journal.remove(id) };
}

/** The harness process that writes a journal; a journal whose owner still runs is not left over. */
export interface JournalOwner {
  pid: number;
  startTicks: number | null;
}

const OWNER: JournalOwner = { pid: process.pid, startTicks: processStartTicks(process.pid) };

export interface LeftoverJournal {
  file: string;
  runId: string;
  /** Absent in journals written before owners were recorded. */
  owner?: JournalOwner;
  entries: JournalEntry[];
}

/** Whether the run that wrote the journal is still going (then healing it would break a live run). */
export function ownerAlive(journal: LeftoverJournal): boolean {
  const owner = journal.owner;
  return owner !== undefined && owner.pid !== process.pid && processStartTicks(owner.pid) === owner.startTicks;
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
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { runId: string; owner?: JournalOwner; entries: JournalEntry[] };
    return { file, runId: parsed.runId, ...(parsed.owner ? { owner: parsed.owner } : {}), entries: parsed.entries };
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
