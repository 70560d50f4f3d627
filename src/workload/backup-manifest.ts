import { createHash } from 'node:crypto';
import type { DrManifestEntry } from '../core/types.ts';

/** What a binlog backup holds besides its objects: enough to recreate the collection and import them. */
export interface BackupManifest {
  format: 1;
  name: string;
  createdAt: string;
  /** The backup point: ms since the run's start (the flush's start). */
  pointAt: number;
  source: { milvusVersion: string; bucket: string; rootPath: string };
  collection: {
    name: string;
    id: string;
    shards: number;
    consistency: string;
    /** Partitions the partition key spreads rows over; null without a partition key. */
    numPartitions: number | null;
    fields: readonly BackupField[];
  };
  partitions: readonly { name: string; id: string }[];
  indexes: readonly { field: string; name: string; params: Record<string, string> }[];
  segments: readonly { id: string; partitionId: string; rows: number }[];
  /** Every object copied, keyed relative to Milvus's root path ('insert_log/…', 'delta_log/…', 'stats_log/…'). */
  objects: readonly DrManifestEntry[];
}

export interface BackupField {
  name: string;
  fieldID: string;
  dataType: string;
  primaryKey: boolean;
  partitionKey: boolean;
  autoID: boolean;
  typeParams: Record<string, string>;
}

export function sha256Hex(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The kinds of binlog a segment has, by the first part of their key. */
export const BINLOG_KINDS = ['insert_log', 'delta_log', 'stats_log'] as const;

/** Where a segment's objects of one kind live, relative to the root path: '<kind>/<collection>/<partition>/<segment>/'. */
export function segmentPrefix(kind: (typeof BINLOG_KINDS)[number], collectionId: string, partitionId: string, segmentId: string): string {
  return `${kind}/${collectionId}/${partitionId}/${segmentId}/`;
}

/** The result of checking backed-up objects against the manifest: keys that differ, and keys absent. */
export interface ManifestCheck {
  corrupted: string[];
  missing: string[];
  checked: number;
}

/**
 * Checks each manifest entry against what the backup holds now (null: the object is absent):
 * size and SHA-256 must both match. Pure, so the unit tests pin it down.
 */
export function checkObjects(entries: readonly DrManifestEntry[], read: (key: string) => Buffer | null): ManifestCheck {
  const out: ManifestCheck = { corrupted: [], missing: [], checked: 0 };
  for (const e of entries) {
    const data = read(e.key);
    out.checked++;
    if (data === null) out.missing.push(e.key);
    else if (data.length !== e.size || sha256Hex(data) !== e.sha256) out.corrupted.push(e.key);
  }
  return out;
}

/** A manifest read back from disk, every field checked, so a damaged manifest is named as such. */
export function parseManifest(text: string, where: string): BackupManifest {
  let m: Partial<BackupManifest>;
  try {
    m = JSON.parse(text) as Partial<BackupManifest>;
  } catch (err) {
    throw new Error(`${where}: the manifest is not JSON (${err instanceof Error ? err.message : String(err)}); the backup is damaged: take it again`);
  }
  const missing = (['format', 'name', 'collection', 'partitions', 'indexes', 'segments', 'objects'] as const).filter((k) => m[k] === undefined);
  if (missing.length > 0) throw new Error(`${where}: the manifest lacks ${missing.join(', ')}; the backup is damaged or not a milvus-drill binlog backup`);
  if (m.format !== 1) throw new Error(`${where}: manifest format ${String(m.format)} is not one this milvus-drill reads (1)`);
  return m as BackupManifest;
}
