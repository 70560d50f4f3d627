import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { MissingToolError } from '../../supervise/home.ts';
import type { ManagedProcess } from '../../supervise/process.ts';
import type { EtcdClusterOptions } from './etcd.ts';

// The cold-snapshot backup method, the infrastructure-level pattern users follow with volume
// snapshots: stop the Milvus processes, `etcdctl snapshot save` from the still-running etcd, copy
// MinIO's bucket, then stop etcd and MinIO. A restore seeds a fresh stack's etcd members
// (`etcdctl snapshot restore`) and MinIO data directory from them before they start (the `seed`
// hooks of EtcdCluster.start and MinioServer.start).

const execFileAsync = promisify(execFile);

export const SNAPSHOT_MANIFEST = 'manifest.json';
const ETCD_FILE = 'etcd.db';
const BUCKET_DIR = 'bucket';

export interface ColdSnapshotManifest {
  format: 1;
  method: 'cold-snapshot';
  name: string;
  takenAt: string;
  /** The MinIO bucket Milvus keeps its data in (copied as it lies on MinIO's disk). */
  bucket: string;
  /** Every file of the snapshot (the etcd snapshot and the bucket's files), by path in the snapshot. */
  files: readonly { path: string; size: number; sha256: string }[];
}

export function etcdctlBinary(): string {
  for (const candidate of ['/usr/bin/etcdctl', '/usr/local/bin/etcdctl']) if (existsSync(candidate)) return candidate;
  throw new MissingToolError("etcdctl not found; run 'npm run setup' (installs Debian's etcd-client)");
}

async function etcdctl(args: readonly string[], signal?: AbortSignal): Promise<string> {
  try {
    const { stdout } = await execFileAsync(etcdctlBinary(), args, { env: { ...process.env, ETCDCTL_API: '3' }, signal, timeout: 120_000 });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`etcdctl ${args[0] === '--endpoints' ? args.slice(2, 4).join(' ') : args.slice(0, 2).join(' ')} failed: ${(e.stderr ?? '').trim() || e.message}`, { cause: err });
  }
}

/** What a cold snapshot needs of a running stack. */
export interface ColdSnapshotSource {
  /** Every Milvus process (the standalone server, or every role of a cluster): stopped first. */
  milvus: readonly ManagedProcess[];
  /** A client URL of a running etcd member, e.g. http://127.0.0.1:2379. */
  etcdEndpoint: string;
  /** Stops etcd (every member) once the snapshot is saved. */
  stopEtcd: () => Promise<void>;
  /** MinIO's data directory and the bucket in it that Milvus uses. */
  minioDataDir: string;
  bucket: string;
  stopMinio: () => Promise<void>;
}

/**
 * Takes the snapshot into `dir` (which must not exist yet) and returns its manifest. Milvus is
 * stopped gracefully first, so nothing writes while etcd and the bucket are copied.
 */
export async function takeColdSnapshot(source: ColdSnapshotSource, dir: string, name: string, log: (m: string) => void, signal?: AbortSignal): Promise<ColdSnapshotManifest> {
  if (existsSync(dir)) throw new Error(`cold snapshot '${name}': ${dir} already exists; a snapshot is never written over another`);
  mkdirSync(dir, { recursive: true });
  log(`cold snapshot '${name}': stopping ${source.milvus.length} Milvus process${source.milvus.length === 1 ? '' : 'es'}`);
  await Promise.all(source.milvus.map((p) => p.stop(30_000)));
  log(`cold snapshot '${name}': etcdctl snapshot save from ${source.etcdEndpoint}`);
  await etcdctl(['--endpoints', source.etcdEndpoint, 'snapshot', 'save', join(dir, ETCD_FILE)], signal);
  const bucketDir = join(source.minioDataDir, source.bucket);
  if (!existsSync(bucketDir)) throw new Error(`cold snapshot '${name}': MinIO has no bucket '${source.bucket}' at ${bucketDir} (did Milvus write any data?)`);
  log(`cold snapshot '${name}': copying bucket '${source.bucket}'`);
  cpSync(bucketDir, join(dir, BUCKET_DIR), { recursive: true, preserveTimestamps: true });
  log(`cold snapshot '${name}': stopping etcd and MinIO`);
  await source.stopEtcd();
  await source.stopMinio();
  const manifest: ColdSnapshotManifest = { format: 1, method: 'cold-snapshot', name, takenAt: new Date().toISOString(), bucket: source.bucket, files: listFiles(dir) };
  writeFileSync(join(dir, SNAPSHOT_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

function listFiles(root: string): ColdSnapshotManifest['files'] {
  const out: { path: string; size: number; sha256: string }[] = [];
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && !(d === root && entry.name === SNAPSHOT_MANIFEST)) out.push({ path: relative(root, full), size: statSync(full).size, sha256: sha256(full) });
    }
  };
  walk(root);
  return out;
}

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** The snapshot checked against its manifest: files whose size or checksum changed, and files gone, by path. */
export function verifyColdSnapshot(dir: string): { manifest: ColdSnapshotManifest; corrupted: string[]; missing: string[] } {
  const file = join(dir, SNAPSHOT_MANIFEST);
  if (!existsSync(file)) throw new Error(`${dir} is no cold snapshot: it has no ${SNAPSHOT_MANIFEST}`);
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as ColdSnapshotManifest;
  const corrupted: string[] = [];
  const missing: string[] = [];
  for (const f of manifest.files) {
    const full = join(dir, f.path);
    if (!existsSync(full)) missing.push(f.path);
    else if (statSync(full).size !== f.size || sha256(full) !== f.sha256) corrupted.push(f.path);
  }
  return { manifest, corrupted, missing };
}

/** Refuses a damaged snapshot, naming every damaged file; a restore from it would bring back less than was saved. */
export function assertSnapshotIntact(dir: string): ColdSnapshotManifest {
  const { manifest, corrupted, missing } = verifyColdSnapshot(dir);
  const problems = [...corrupted.map((p) => `${p} (checksum or size differs from the manifest)`), ...missing.map((p) => `${p} (missing)`)];
  if (problems.length > 0) throw new Error(`cold snapshot '${manifest.name}' is damaged: ${problems.join(', ')}`);
  return manifest;
}

/** The EtcdCluster.start `seed` hook: each member's data directory restored from the snapshot. */
export function etcdSeed(dir: string, signal?: AbortSignal): NonNullable<EtcdClusterOptions['seed']> {
  return async (member, { initialCluster, token }) => {
    // etcdctl restores into a directory it creates itself.
    rmSync(member.dataDir, { recursive: true, force: true });
    await etcdctl(
      ['snapshot', 'restore', join(dir, ETCD_FILE), '--name', member.name, '--data-dir', member.dataDir, '--initial-cluster', initialCluster, '--initial-cluster-token', token, '--initial-advertise-peer-urls', member.peerUrl],
      signal,
    );
  };
}

/** The MinioServer.start `seed` hook: the bucket copied into the fresh data directory, as it was saved. */
export function minioSeed(dir: string, bucket: string): (dataDir: string) => void {
  return (dataDir) => {
    cpSync(join(dir, BUCKET_DIR), join(dataDir, bucket), { recursive: true, preserveTimestamps: true });
  };
}

/** A stack that can take a cold snapshot of itself (the local platform's stacks with MinIO). */
export interface ColdSnapshotCapable {
  coldSnapshot(dir: string, name: string, log: (m: string) => void, signal?: AbortSignal): Promise<ColdSnapshotManifest>;
}

export function canColdSnapshot(stack: object): stack is ColdSnapshotCapable {
  return typeof (stack as Partial<ColdSnapshotCapable>).coldSnapshot === 'function';
}
