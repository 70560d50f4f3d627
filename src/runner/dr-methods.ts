import { join } from 'node:path';
import type { RunContext, Stack } from '../core/platform.ts';
import type { Connection } from '../workload/sdk.ts';
import { canColdSnapshot } from '../platform/local/cold-snapshot.ts';
import { targetFromStack, type StackAccess } from '../workload/milvus-backup/config.ts';
import { findMilvusBackup, MILVUS_BACKUP_MISSING, MilvusBackupTool } from '../workload/milvus-backup/tool.ts';

// The backup methods besides milvus-drill's own binlog copy, as the DR steps call them: a cold
// snapshot of the local stack, and the official milvus-backup tool. Each returns what the DR
// record of a backup needs; the step's timing, writes held and notes stay with the caller.

export interface MethodBackup {
  method: 'cold-snapshot' | 'milvus-backup';
  name: string;
  /** Where the backup lies: a directory. */
  location: string;
  objects: number;
  bytes: number;
  /** Rows the backup holds (before deletes), where the method can say; null where it cannot. */
  rows: number | null;
  segments: number | null;
}

/** Cold snapshot of the stack into `dir`; the stack serves nothing afterwards (destroy it next). */
export async function coldSnapshotBackup(stack: Stack, dir: string, name: string, log: (m: string) => void, signal?: AbortSignal): Promise<MethodBackup> {
  if (!canColdSnapshot(stack)) throw new Error("backup method 'cold-snapshot' needs a stack that can stop and copy its own etcd and MinIO (the local platform's): use method 'binlog' on this platform");
  const m = await stack.coldSnapshot(dir, name, log, signal);
  return { method: 'cold-snapshot', name, location: dir, objects: m.files.length, bytes: m.files.reduce((n, f) => n + f.size, 0), rows: null, segments: null };
}

/** How the next stack is brought up to restore a cold snapshot: pass it as RunContext.restoreFrom to platform.up. */
export function coldSnapshotRestoreFrom(dir: string): NonNullable<RunContext['restoreFrom']> {
  return { method: 'cold-snapshot', dir };
}

/**
 * The official milvus-backup against the stacks of a run. Backups go to a directory of the run
 * (the tool's 'local' storage), so they outlive the stack they were taken of, as a DR copy must.
 */
export class MilvusBackupMethod {
  private constructor(readonly binary: string, private readonly workDir: string) {}

  /** The binary (--milvus-backup, $MILVUS_BACKUP or PATH), or an error saying how to get one. */
  static locate(explicit: string | undefined, workDir: string): MilvusBackupMethod {
    const binary = findMilvusBackup(explicit);
    if (!binary) throw new Error(MILVUS_BACKUP_MISSING);
    return new MilvusBackupMethod(binary, workDir);
  }

  get storeDir(): string {
    return join(this.workDir, 'milvus-backup-store');
  }

  /** A tool configured for this stack (its config holds the stack's addresses, so one per stack and step). */
  private tool(stack: Stack, connection: Connection, step: string): MilvusBackupTool {
    const credentials = connection.username === undefined ? null : { user: connection.username, password: connection.password ?? '' };
    // objectStore and httpUrl are the Stack fields the binlog DR work adds; targetFromStack says what is missing.
    return new MilvusBackupTool(this.binary, targetFromStack(stack as Stack & StackAccess, credentials, { localDir: this.storeDir }), join(this.workDir, 'milvus-backup', step));
  }

  async backup(stack: Stack, connection: Connection, name: string, collection: string, signal?: AbortSignal): Promise<MethodBackup> {
    const tool = this.tool(stack, connection, `create-${name}`);
    const created = await tool.create(name, { collections: [collection], rbac: false }, signal);
    if (created.outcome !== 'ok') throw new Error(`milvus-backup create '${name}' ${created.outcome === 'unknown' ? 'ended without saying whether it succeeded' : 'failed'}: ${created.message}`);
    const info = await tool.get(name, signal);
    if (info.state !== 'BACKUP_SUCCESS') throw new Error(`milvus-backup says backup '${name}' is ${info.state}${info.error ? `: ${info.error}` : ''}`);
    const c = info.collections.find((x) => x.name === collection);
    if (!c) throw new Error(`milvus-backup backup '${name}' holds no collection '${collection}' (it holds ${info.collections.map((x) => x.name).join(', ') || 'none'})`);
    return { method: 'milvus-backup', name, location: join(this.storeDir, name), objects: c.segments, bytes: info.size, rows: c.rows, segments: c.segments };
  }

  /** Restores the collection with its indexes into the stack up now; resolves with the tool's own time. */
  async restore(stack: Stack, connection: Connection, name: string, collection: string, signal?: AbortSignal): Promise<{ seconds: number | null }> {
    const restored = await this.tool(stack, connection, `restore-${name}`).restore(name, { collections: [collection], suffix: '', restoreIndex: true, dropExisting: false, rbac: false }, signal);
    if (restored.outcome !== 'ok') throw new Error(`milvus-backup restore '${name}' ${restored.outcome === 'unknown' ? 'ended without saying whether it succeeded' : 'failed'}: ${restored.message}`);
    return { seconds: restored.seconds };
  }
}
