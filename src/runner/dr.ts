import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ActionSpec, CollectionSpec, Scenario } from '../core/types.ts';
import type { RunContext, Stack } from '../core/platform.ts';
import { coldSnapshotBackup, coldSnapshotRestoreFrom, MilvusBackupMethod } from './dr-methods.ts';
import type { Connection } from '../workload/sdk.ts';
import type { HistoryRecorder } from '../history/recorder.ts';
import type { SdkDriver } from '../workload/sdk.ts';
import { binlogBackup, binlogRestore, objectPath, readBackup, stripBackup, type BackupTarget } from '../workload/binlog-backup.ts';
import { DR_BACKUP, DR_DAMAGE, DR_RESTORE, type DrBackupNote, type DrRestoreNote } from '../checks/dr.ts';
import type { StackSlot } from './host.ts';
import { profileSpec } from '../dataset/index.ts';

export interface DrDeps {
  history: HistoryRecorder;
  slot: StackSlot;
  workDir: string;
  scenario: Scenario;
  log: (m: string) => void;
  writtenIds: () => number[];
  /** How the drivers connect to a stack (credentials, TLS): the milvus-backup tool connects the same way. */
  connection: (stack: Stack) => Connection;
  /** The milvus-backup binary (--milvus-backup, $MILVUS_BACKUP or PATH); only a 'milvus-backup' backup step looks for it. */
  milvusBackup?: string;
}

/**
 * The binlog backup and restore steps of a run: each holds the churn's writes for an exact cut
 * (searches go on), does its work against the stack up now, and records what it did and found as
 * a note in the history, from which the DR checks score RPO, RTO and the restore's verification.
 */
export class DrBinlog {
  private readonly backups = new Map<string, string>();
  /** Cold snapshots by name: where each lies, and the number of the stack brought up from it. */
  private readonly coldSnapshots = new Map<string, { dir: string; restoredBy: number | null }>();
  private pendingCold: string | null = null;
  /** Backups taken by the milvus-backup tool, by name. */
  private readonly toolBackups = new Set<string>();
  private tool: MilvusBackupMethod | null = null;

  constructor(private readonly d: DrDeps) {}

  async backup(action: ActionSpec & { action: 'backup' }, stack: Stack, driver: SdkDriver, signal: AbortSignal): Promise<void> {
    if (action.method === 'cold-snapshot') return this.coldBackup(action, stack, driver, signal);
    if (action.method === 'milvus-backup') return this.toolBackup(action, stack, driver, signal);
    const { history, log } = this.d;
    const dir = action.dir ?? join(this.d.workDir, 'backups', action.name);
    if (existsSync(join(dir, 'manifest.json'))) throw new Error(`backup '${action.name}': ${dir} holds a backup already; name another directory`);
    const start = history.now();
    await using _held = await this.holdWrites();
    const pointAt = history.now();
    const { index } = await driver.serverState();
    const result = await binlogBackup(target(stack, driver), this.d.scenario.collection.name, action.name, dir, pointAt, signal);
    const { partitionCounts, partitionKey } = await this.heldRows(driver);
    this.backups.set(action.name, dir);
    const m = result.manifest;
    const note: DrBackupNote = {
      name: action.name,
      method: 'binlog',
      start,
      pointAt,
      end: history.now(),
      rows: m.segments.reduce((n, s) => n + s.rows, 0),
      segments: m.segments.length,
      objects: m.objects.length,
      bytes: result.bytes,
      location: dir,
      gcPause: result.gcPause,
      index,
      partitionCounts,
      partitionKey,
    };
    history.event('note', DR_BACKUP, JSON.stringify(note));
    log(`backup '${action.name}': ${note.segments} segments, ${note.objects} objects, ${(note.bytes / 1e6).toFixed(1)} MB in ${((note.end - start) / 1000).toFixed(1)} s (GC ${result.gcPause}; ${result.flush})`);
  }

  /**
   * A cold snapshot: the writes are held (and stay held: the stack is dead afterwards, so a write
   * now could only fail or hang), everything acknowledged is flushed, the point and what the
   * source holds are recorded, then the stack stops and its etcd and bucket are saved. The next
   * `up` comes up from the snapshot (restoreFrom), and `restore` of this name loads and verifies.
   */
  private async coldBackup(action: ActionSpec & { action: 'backup' }, stack: Stack, driver: SdkDriver, signal: AbortSignal): Promise<void> {
    const { history, log } = this.d;
    const dir = action.dir ?? join(this.d.workDir, 'backups', action.name);
    const start = history.now();
    await this.stopWrites();
    const pointAt = history.now();
    const flushed = await driver.flush(120_000, signal);
    if (flushed.outcome !== 'ok') throw new Error(`flush before the cold snapshot: ${flushed.error ?? flushed.outcome}`);
    const { index, partitionCounts, partitionKey } = await this.sourceState(driver);
    const result = await coldSnapshotBackup(stack, dir, action.name, log, signal);
    this.backups.set(action.name, dir);
    this.coldSnapshots.set(action.name, { dir, restoredBy: null });
    this.pendingCold = action.name;
    const note: DrBackupNote = {
      name: action.name,
      method: 'cold-snapshot',
      start,
      pointAt,
      end: history.now(),
      rows: Object.values(partitionCounts).reduce((n, c) => n + c, 0),
      segments: null,
      objects: result.objects,
      bytes: result.bytes,
      location: dir,
      gcPause: 'not needed: Milvus stopped',
      index,
      partitionCounts,
      partitionKey,
    };
    history.event('note', DR_BACKUP, JSON.stringify(note));
    log(`backup '${action.name}' (cold snapshot): ${note.objects} files, ${(note.bytes / 1e6).toFixed(1)} MB in ${((note.end - start) / 1000).toFixed(1)} s; the stack is stopped`);
  }

  /** The milvus-backup tool, found once per run (its backups live in the run's work directory). */
  private milvusBackup(): MilvusBackupMethod {
    this.tool ??= MilvusBackupMethod.locate(this.d.milvusBackup, this.d.workDir);
    return this.tool;
  }

  /**
   * A backup by the official milvus-backup: the writes are held for an exact point (searches go
   * on), the source's counts, index and partition key recorded, and the tool's `create` run (it
   * flushes and copies the segments itself), then its `get` read back for what the backup holds.
   */
  private async toolBackup(action: ActionSpec & { action: 'backup' }, stack: Stack, driver: SdkDriver, signal: AbortSignal): Promise<void> {
    const { history, log } = this.d;
    const tool = this.milvusBackup();
    const start = history.now();
    await using _held = await this.holdWrites();
    const pointAt = history.now();
    const { index, partitionCounts, partitionKey } = await this.sourceState(driver);
    const result = await tool.backup(stack, this.d.connection(stack), action.name, this.d.scenario.collection.name, signal);
    this.toolBackups.add(action.name);
    const note: DrBackupNote = {
      name: action.name,
      method: 'milvus-backup',
      start,
      pointAt,
      end: history.now(),
      rows: result.rows ?? Object.values(partitionCounts).reduce((n, c) => n + c, 0),
      segments: result.segments,
      objects: result.objects,
      bytes: result.bytes,
      location: result.location,
      gcPause: stack.httpUrl ? `asked of the tool (gcPause through ${stack.httpUrl})` : 'not available (no management API)',
      index,
      partitionCounts,
      partitionKey,
    };
    history.event('note', DR_BACKUP, JSON.stringify(note));
    log(`backup '${action.name}' (milvus-backup ${tool.binary}): ${note.segments ?? '?'} segments, ${(note.bytes / 1e6).toFixed(1)} MB in ${((note.end - start) / 1000).toFixed(1)} s`);
  }

  /** A milvus-backup restore into the stack up now (collection and index by the tool), then load and verify. */
  private async toolRestore(action: ActionSpec & { action: 'restore' }, stack: Stack, driver: SdkDriver, signal: AbortSignal): Promise<void> {
    const { history, log } = this.d;
    // The tool checks no checksums of its own backups: only what comes back is verified.
    await this.recordRestore(action.name, false, driver, async (note) => {
      note.importStart = history.now();
      const restored = await this.milvusBackup().restore(stack, this.d.connection(stack), action.name, this.d.scenario.collection.name, signal);
      note.importEnd = history.now();
      log(`restore '${action.name}': milvus-backup restored the collection in ${((note.importEnd - note.importStart) / 1000).toFixed(1)} s${restored.seconds === null ? '' : ` (the tool says ${restored.seconds} s)`}`);
      const loaded = await driver.load(300_000, signal);
      if (loaded.outcome !== 'ok') throw new Error(`load of the collection milvus-backup restored: ${loaded.error ?? loaded.outcome}`);
    });
  }

  /**
   * What the next `up` must come up from: the cold snapshot taken last and not yet brought up
   * (null: an empty stack). Taking it marks the snapshot as restored by the stack about to come up.
   */
  restoreFromForUp(stackNumber: number): NonNullable<RunContext['restoreFrom']> | null {
    const name = this.pendingCold;
    if (name === null) return null;
    this.pendingCold = null;
    const cold = this.coldSnapshots.get(name)!;
    cold.restoredBy = stackNumber;
    this.d.log(`up: bringing the new stack up from cold snapshot '${name}' (${cold.dir})`);
    return coldSnapshotRestoreFrom(cold.dir);
  }

  async restore(action: ActionSpec & { action: 'restore' }, stack: Stack, driver: SdkDriver, signal: AbortSignal): Promise<void> {
    if (this.coldSnapshots.has(action.name)) return this.coldRestore(action, driver, signal);
    if (this.toolBackups.has(action.name)) return this.toolRestore(action, stack, driver, signal);
    const { history, log } = this.d;
    const dir = this.backups.get(action.name);
    if (!dir) throw new Error(`restore '${action.name}': no backup of that name in this run; add a step { action: 'backup', name: '${action.name}' } before it`);
    const verify = action.verifyChecksums !== false;
    await this.recordRestore(action.name, verify, driver, async (note) => {
      const { manifest, check } = readBackup(dir, verify);
      if (check) {
        note.corrupted = check.corrupted;
        note.missing = check.missing;
        const bad = [...check.corrupted.map((k) => `${k} (checksum mismatch)`), ...check.missing.map((k) => `${k} (missing)`)];
        if (bad.length > 0) throw new Error(`backup '${action.name}' is damaged, restore refused: ${bad.join(', ')}`);
        log(`restore: manifest checked, ${check.checked} objects match their SHA-256`);
      }
      const t = await binlogRestore(target(stack, driver), dir, manifest, () => history.now(), signal, log);
      Object.assign(note, { importStart: t.importStart, importEnd: t.importEnd, rows: t.rows });
      log(`restore: ${t.rows} rows imported in ${((t.importEnd - t.importStart) / 1000).toFixed(1)} s`);
      const vector = manifest.indexes.find((i) => i.field === 'vector');
      if (!vector) throw new Error(`restore '${action.name}': the backup records no index on the vector field, so the collection cannot be loaded`);
      const restoredIndex = { type: (vector.params.index_type ?? '') as CollectionSpec['index']['type'], params: JSON.parse(vector.params.params ?? '{}') as CollectionSpec['index']['params'], searchParams: {} };
      const built = await driver.buildIndex(vector.params.metric_type ?? '', signal, 600_000, restoredIndex);
      if (built.outcome !== 'ok') throw new Error(`index build on the restored collection: ${built.error ?? built.outcome}`);
      const loaded = await driver.load(300_000, signal);
      if (loaded.outcome !== 'ok') throw new Error(`load of the restored collection: ${loaded.error ?? loaded.outcome}`);
    });
  }

  /**
   * One restore, recorded: the churn's writes held, `restore` run (it fills the note as it goes),
   * then what came back looked up, and the note written to the history whatever happened, with
   * the error that stopped it.
   */
  private async recordRestore(name: string, manifestChecked: boolean, driver: SdkDriver, restore: (note: DrRestoreNote) => Promise<void>): Promise<void> {
    const { history } = this.d;
    const note: DrRestoreNote = { name, start: history.now(), manifestChecked, corrupted: [], missing: [], importStart: null, importEnd: null, rows: null, partitionCounts: null, index: null, partitionKey: null, lookups: null, end: null, error: null };
    await using _held = await this.holdWrites();
    try {
      await restore(note);
      note.end = history.now();
      await this.recordWhatCameBack(note, driver);
    } catch (err) {
      note.error = err instanceof Error ? err.message : String(err);
      throw err;
    } finally {
      history.event('note', DR_RESTORE, JSON.stringify(note));
    }
  }

  /**
   * What came back, before any write reaches the restored stack: every id ever written (looked
   * up), the counts per partition, the index and the partition key, into the restore's note.
   */
  private async recordWhatCameBack(note: DrRestoreNote, driver: SdkDriver): Promise<void> {
    const { history } = this.d;
    const from = history.now();
    await driver.verifyDurability(this.d.writtenIds());
    note.lookups = { from, to: history.now() };
    Object.assign(note, await this.sourceState(driver));
  }

  /** What a collection holds that a restore must bring back: its index, its rows per partition, and its partition key. */
  private async sourceState(driver: SdkDriver): Promise<Pick<DrBackupNote, 'index' | 'partitionCounts' | 'partitionKey'>> {
    return { index: (await driver.serverState()).index, ...(await this.heldRows(driver)) };
  }

  private async heldRows(driver: SdkDriver): Promise<Pick<DrBackupNote, 'partitionCounts' | 'partitionKey'>> {
    return { partitionCounts: await driver.partitionCounts(this.keyValues()), partitionKey: await driver.partitionKey() };
  }

  /**
   * The restore of a cold snapshot happened at the `up` (etcd and the bucket seeded from it, its
   * manifest checked first); this step loads the collection and verifies what came back, as for
   * a binlog restore. No import and no index build: those figures stay null.
   */
  private async coldRestore(action: ActionSpec & { action: 'restore' }, driver: SdkDriver, signal: AbortSignal): Promise<void> {
    const cold = this.coldSnapshots.get(action.name)!;
    await this.recordRestore(action.name, true, driver, async () => {
      if (cold.restoredBy === null) throw new Error(`restore '${action.name}': a cold snapshot is restored by the 'up' after the 'destroy', and no stack has come up from it`);
      const loaded = await driver.load(300_000, signal);
      if (loaded.outcome !== 'ok') throw new Error(`load of the collection restored from the cold snapshot: ${loaded.error ?? loaded.outcome}`);
    });
    this.d.log(`restore '${action.name}': the stack from the cold snapshot is loaded and answered the lookups`);
  }

  /** Damages one object of a backup: the first insert (or delta) log in key order, flipped in the middle or removed. */
  damage(action: ActionSpec & { action: 'damage-backup' }): void {
    const dir = this.backups.get(action.name);
    if (!dir) throw new Error(`damage-backup '${action.name}': no ${this.toolBackups.has(action.name) ? "binlog backup (milvus-backup's backups are not damaged by this step)" : 'backup'} of that name in this run`);
    const { manifest } = readBackup(dir, false);
    if (action.mode === 'strip-index' || action.mode === 'strip-data') return this.strip(action.name, action.mode, dir);
    const kind = action.object === 'insert' ? 'insert_log/' : 'delta_log/';
    // An insert log of the vector field (the largest), so a flip lands in data, not in a header.
    const candidates = manifest.objects.filter((o) => o.key.startsWith(kind)).sort((a, b) => b.size - a.size || a.key.localeCompare(b.key));
    const victim = candidates[0];
    if (!victim) throw new Error(`damage-backup '${action.name}': the backup holds no ${action.object} log`);
    const path = objectPath(dir, victim.key);
    if (action.mode === 'remove') rmSync(path);
    else {
      const data = readFileSync(path);
      const at = Math.floor(data.length / 2);
      for (let i = at; i < Math.min(at + 8, data.length); i++) data[i] = data[i]! ^ 0xff;
      writeFileSync(path, data);
    }
    this.d.history.event('note', DR_DAMAGE, JSON.stringify({ name: action.name, mode: action.mode, key: victim.key }));
    this.d.log(`damage-backup: ${action.mode === 'flip' ? 'flipped 8 bytes in' : 'removed'} ${victim.key}`);
  }

  /**
   * Makes the backup one of the broken backups users report: taken without its indexes
   * (milvus-backup issue 269: the restored collection cannot load), or metadata only, every
   * segment and object gone (issue 328: a restore that "succeeds" with no rows).
   */
  private strip(name: string, mode: 'strip-index' | 'strip-data', dir: string): void {
    const what = stripBackup(dir, mode);
    this.d.history.event('note', DR_DAMAGE, JSON.stringify({ name, mode, key: null, removed: what }));
    this.d.log(`damage-backup: stripped ${what} from backup '${name}'`);
  }

  /** How many values the partition key takes: the profile's tenants, the generator's 10 categories, or a byte's worth. */
  private keyValues(): number {
    const key = this.d.scenario.collection.partitionKey?.field;
    return key === 'tenant' ? profileSpec(this.d.scenario.dataset.profile).tenants : key === 'category' ? 10 : 256;
  }

  /** Stops the churn's writes for good and waits for those in flight. */
  private async stopWrites(): Promise<void> {
    this.d.slot.writesHeld = true;
    await Promise.allSettled([...(this.d.slot.writesInFlight ?? [])]);
  }

  /** Holds the churn's writes and waits for those in flight; disposing releases them. */
  private async holdWrites(): Promise<AsyncDisposable> {
    await this.stopWrites();
    const slot = this.d.slot;
    return {
      [Symbol.asyncDispose]: async () => {
        slot.writesHeld = false;
      },
    };
  }
}

function target(stack: Stack, driver: SdkDriver): BackupTarget {
  if (!stack.objectStore) throw new Error('binlog backup needs the stack\'s object store (stack.objectStore: \'minio\'); this stack keeps its segments on local disk');
  return { client: driver.milvus, store: stack.objectStore, httpUrl: stack.httpUrl ?? null, dataCoordAddress: stack.dataCoordAddress ?? null, milvusVersion: stack.milvusVersion };
}
