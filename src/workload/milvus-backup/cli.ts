/**
 * The milvus-backup command lines we run and what they print, for its v0.4 line (Milvus 2.3
 * servers). Only flags that v0.4 has and v0.5 still accepts are used, so a v0.5 binary runs them
 * too. What the v0.4 commands print (cmd/*.go):
 *   create:  "config:<file>", the response message ("success" or the error), "duration:<n> s"
 *   restore: the response message, "duration:<n> s"
 *   list:    "config:<file>", ">> Backups:", then one backup name a line
 *   get:     "config:<file>", the backup as indented JSON, then the response code ("Success")
 * v0.4 exits 0 even when the request failed, so success is read from the message; v0.5 prints no
 * message and exits non-zero on failure ("Error: ...").
 */

export interface CreateOptions {
  /** Collections to back up; empty: all. */
  collections: readonly string[];
  /** Also back up users, roles and grants. */
  rbac: boolean;
}

export interface RestoreOptions {
  /** Collections to restore from the backup; empty: all it holds. */
  collections: readonly string[];
  /** Appended to every restored collection's name (restoring beside the source); '' keeps the names. */
  suffix: string;
  /** Build the backed-up indexes on the restored collections. */
  restoreIndex: boolean;
  /** Drop a same-named collection on the target first. */
  dropExisting: boolean;
  rbac: boolean;
}

/** As milvus-backup validates names (core/utils/validate_util.go): under 128 characters. */
const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,126}$/;

/** A backup name milvus-backup accepts (it becomes a directory and a Milvus-style name). */
export function checkBackupName(name: string): void {
  if (!NAME.test(name)) throw new Error(`backup name '${name}' is not usable by milvus-backup: letters, digits and underscores, starting with a letter or underscore (e.g. drill_${name.replace(/[^A-Za-z0-9_]/g, '_')})`);
}

export function createArgs(config: string, name: string, o: CreateOptions): string[] {
  checkBackupName(name);
  return ['--config', config, 'create', '--name', name, ...(o.collections.length ? ['--colls', o.collections.join(',')] : []), ...(o.rbac ? ['--rbac'] : [])];
}

export function restoreArgs(config: string, name: string, o: RestoreOptions): string[] {
  checkBackupName(name);
  return [
    '--config', config, 'restore', '--name', name,
    ...(o.collections.length ? ['--collections', o.collections.join(',')] : []),
    ...(o.suffix ? ['--suffix', o.suffix] : []),
    ...(o.restoreIndex ? ['--restore_index'] : []),
    ...(o.dropExisting ? ['--drop_exist_collection'] : []),
    ...(o.rbac ? ['--rbac'] : []),
  ];
}

export function listArgs(config: string): string[] {
  return ['--config', config, 'list'];
}

export function getArgs(config: string, name: string): string[] {
  checkBackupName(name);
  return ['--config', config, 'get', '--name', name, '--detail'];
}

/** How a create or restore ended: 'unknown' when its output does not say (never taken as success). */
export interface CommandResult {
  outcome: 'ok' | 'fail' | 'unknown';
  /** The tool's own message: 'success', its error, or what we could not make sense of. */
  message: string;
  /** The tool's own measure of the command's time, in seconds. */
  seconds: number | null;
}

const DURATION = /^duration:\s*([\d.]+)\s*s$/;

/** Reads a create or restore command's stdout and exit code. */
export function parseCommandResult(stdout: string, stderr: string, exitCode: number | null): CommandResult {
  const lines = stdout.split('\n').map((l) => l.trim());
  let at = lines.length - 1;
  while (at >= 0 && !DURATION.test(lines[at]!)) at--;
  const seconds = at === -1 ? null : Number(lines[at]!.match(DURATION)![1]);
  const messages = lines.slice(0, at === -1 ? lines.length : at).filter((l) => l !== '' && !l.startsWith('config:') && !isLogLine(l) && !l.startsWith('rename:'));
  const error = stderr.split('\n').map((l) => l.trim()).find((l) => l.startsWith('Error:'));
  if (exitCode !== 0) return { outcome: 'fail', message: error ?? messages.at(-1) ?? `milvus-backup exited with ${exitCode ?? 'a signal'}`, seconds };
  if (at === -1) return { outcome: 'unknown', message: `no 'duration:' line in its output, so it did not finish: ${tail(stdout, stderr)}`, seconds };
  const message = messages.at(-1) ?? 'success';
  return { outcome: message === 'success' ? 'ok' : 'fail', message, seconds };
}

/** Backup names from `list`. */
export function parseList(stdout: string): string[] {
  const lines = stdout.split('\n').map((l) => l.trim());
  const at = lines.indexOf('>> Backups:');
  if (at === -1) throw new Error(`milvus-backup list printed no '>> Backups:' header: ${tail(stdout, '')}`);
  return lines.slice(at + 1).filter((l) => NAME.test(l));
}

/** BackupTaskStateCode of backup.proto. */
const BACKUP_STATES = ['BACKUP_INITIAL', 'BACKUP_EXECUTING', 'BACKUP_SUCCESS', 'BACKUP_FAIL', 'BACKUP_TIMEOUT'] as const;

export interface BackupCollection {
  db: string;
  name: string;
  /** Rows in the backed-up segments (before deletes in their delta logs); null without segment detail. */
  rows: number | null;
  partitions: number;
  segments: number;
  size: number;
  hasIndex: boolean;
  indexes: readonly { field: string; name: string; type: string; params: Record<string, string> }[];
}

export interface BackupInfo {
  name: string;
  state: (typeof BACKUP_STATES)[number] | 'UNKNOWN';
  error: string;
  milvusVersion: string;
  /** Hybrid timestamp of the backup point, as a decimal string (it exceeds 2^53), and its physical time in ms. */
  backupTimestamp: string | null;
  backupPhysicalMs: number | null;
  size: number;
  collections: readonly BackupCollection[];
}

/** The backup `get --detail` printed (BackupInfo as Go's encoding/json writes it: proto field names, enums as numbers). */
export function parseGet(stdout: string): BackupInfo {
  const start = stdout.indexOf('{');
  const end = stdout.lastIndexOf('}');
  if (start === -1 || end < start) throw new Error(`milvus-backup get printed no backup: ${tail(stdout, '')}`);
  const json = stdout.slice(start, end + 1);
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(json) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`milvus-backup get printed JSON we cannot read (${(err as Error).message}): ${tail(stdout, '')}`);
  }
  if (Object.keys(raw).length === 0) throw new Error('milvus-backup get found no such backup (it printed an empty object)');
  const ts = json.match(/"backup_timestamp":\s*(\d+)/)?.[1] ?? null;
  return {
    name: str(raw.name),
    state: BACKUP_STATES[num(raw.state_code)] ?? 'UNKNOWN',
    error: str(raw.errorMessage),
    milvusVersion: str(raw.milvus_version),
    backupTimestamp: ts,
    backupPhysicalMs: ts === null ? null : Number(BigInt(ts) >> 18n),
    size: num(raw.size),
    collections: arr(raw.collection_backups).map((c) => {
      const partitions = arr(c.partition_backups);
      const segments = partitions.flatMap((p) => arr(p.segment_backups));
      return {
        db: str(c.db_name) || 'default',
        name: str(c.collection_name),
        rows: segments.length === 0 ? null : segments.reduce((s, seg) => s + num(seg.num_of_rows), 0),
        partitions: partitions.length,
        segments: segments.length,
        size: num(c.size),
        hasIndex: c.has_index === true,
        indexes: arr(c.index_infos).map((i) => ({ field: str(i.field_name), name: str(i.index_name), type: str(i.index_type), params: Object.fromEntries(Object.entries((i.params as Record<string, unknown>) ?? {}).map(([k, v]) => [k, String(v)])) })),
      };
    }),
  };
}

function isLogLine(l: string): boolean {
  return l.startsWith('{') || /^\[\d{4}\/\d\d\/\d\d /.test(l) || /^\d{4}-\d\d-\d\dT/.test(l);
}
function tail(stdout: string, stderr: string): string {
  const text = `${stdout}\n${stderr}`.trim();
  return text.length > 400 ? `…${text.slice(-400)}` : text || '(no output)';
}
function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}
function num(v: unknown): number {
  return typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : 0;
}
function arr(v: unknown): Record<string, unknown>[] {
  return Array.isArray(v) ? (v.filter((x) => x !== null && typeof x === 'object') as Record<string, unknown>[]) : [];
}
