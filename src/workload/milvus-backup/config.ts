/**
 * backup.yaml for the official milvus-backup tool, rendered from a stack. Written for its v0.4 line
 * (the one that restores into Milvus 2.3 servers); where v0.5 renamed a key, both spellings are
 * written (each version ignores the key it does not know), so the same file serves either.
 */

/** How the tool reaches the stack: the fields a Stack offers (its object store as dr-binlog's ObjectStoreAccess has it). */
export interface MilvusBackupTarget {
  /** host:port of the Milvus gRPC endpoint. */
  milvusAddress: string;
  /** Credentials when the stack has authorization on; null without. */
  credentials: { user: string; password: string } | null;
  tls: { mode: 'one-way' | 'mutual'; caPath: string; certPath: string | null; keyPath: string | null; serverName: string } | null;
  /** Milvus's object store (S3 API on plain HTTP): the data the backup copies. */
  objectStore: { endpoint: string; accessKey: string; secretKey: string; bucket: string; rootPath: string };
  /**
   * Where backups go: a bucket and root path, on the same object store unless `endpoint` names
   * another; or a local directory (storage type 'local'), which outlives the stack it was taken of.
   */
  backupStore: { bucket: string; rootPath: string; endpoint?: string; accessKey?: string; secretKey?: string } | { localDir: string };
  /** Milvus's HTTP endpoint (e.g. http://127.0.0.1:9091), for pausing GC during the copy; null: no GC pause. */
  httpUrl: string | null;
  /** The tool's own log file. */
  logFile: string;
}

/** The parts of a host:port, with a clear error naming the field when it is not one. */
export function hostPort(value: string, field: string): { host: string; port: number } {
  const m = value.match(/^(\[[^\]]+\]|[^:]+):(\d{1,5})$/);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port < 1 || port > 65535) throw new Error(`${field} must be host:port (e.g. 127.0.0.1:19530), got '${value}'`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

const TLS_MODE = { off: 0, 'one-way': 1, mutual: 2 } as const;

/** backup.yaml's content, as nested plain values (rendered by renderBackupYaml). */
export function backupConfig(t: MilvusBackupTarget): Record<string, Record<string, unknown>> {
  const milvus = hostPort(t.milvusAddress, 'milvusAddress');
  const store = hostPort(t.objectStore.endpoint, 'objectStore.endpoint');
  const remote = 'localDir' in t.backupStore ? null : t.backupStore;
  const backupEndpoint = remote?.endpoint ?? t.objectStore.endpoint;
  const backup = hostPort(backupEndpoint, 'backupStore.endpoint');
  const ca = t.tls?.caPath ?? '';
  return {
    log: { level: 'info', console: false, file: { rootPath: t.logFile, filename: t.logFile } },
    http: { simpleResponse: true },
    milvus: {
      address: milvus.host,
      port: milvus.port,
      authorizationEnabled: t.credentials !== null,
      tlsMode: TLS_MODE[t.tls?.mode ?? 'off'],
      user: t.credentials?.user ?? '',
      password: t.credentials?.password ?? '',
      // v0.4 calls the CA file tlsCertPath; v0.5 caCertPath, with the client pair as mtls*.
      tlsCertPath: ca,
      caCertPath: ca,
      serverName: t.tls?.serverName ?? '',
      mtlsCertPath: t.tls?.certPath ?? '',
      mtlsKeyPath: t.tls?.keyPath ?? '',
    },
    minio: {
      storageType: 'minio',
      address: store.host,
      port: store.port,
      accessKeyID: t.objectStore.accessKey,
      secretAccessKey: t.objectStore.secretKey,
      useSSL: false,
      useIAM: false,
      iamEndpoint: '',
      bucketName: t.objectStore.bucket,
      rootPath: t.objectStore.rootPath,
      backupStorageType: remote ? 'minio' : 'local',
      backupAddress: backup.host,
      backupPort: backup.port,
      backupAccessKeyID: remote?.accessKey ?? t.objectStore.accessKey,
      backupSecretAccessKey: remote?.secretKey ?? t.objectStore.secretKey,
      backupBucketName: remote?.bucket ?? '',
      backupRootPath: remote?.rootPath ?? (t.backupStore as { localDir: string }).localDir,
      backupUseSSL: false,
      // Another MinIO (a DR site) or a directory for the backups: the tool copies through itself, not server-side.
      crossStorage: !remote || backupEndpoint !== t.objectStore.endpoint,
    },
    backup: {
      maxSegmentGroupSize: '2G',
      parallelism: { backupCollection: 1, copydata: 16, restoreCollection: 1 },
      keepTempFiles: false,
      gcPause: { enable: t.httpUrl !== null, seconds: 7200, address: t.httpUrl ?? '' },
    },
  };
}

/** The config as YAML: block mappings, strings double-quoted (JSON strings are YAML scalars). */
export function renderBackupYaml(t: MilvusBackupTarget): string {
  return `# milvus-backup config rendered by milvus-drill for one run; holds credentials (mode 0600).\n${yamlBlock(backupConfig(t), 0)}`;
}

function yamlBlock(obj: Record<string, unknown>, depth: number): string {
  const pad = '  '.repeat(depth);
  return Object.entries(obj)
    .map(([k, v]) => (v !== null && typeof v === 'object' ? `${pad}${k}:\n${yamlBlock(v as Record<string, unknown>, depth + 1)}` : `${pad}${k}: ${typeof v === 'string' ? JSON.stringify(v) : String(v)}\n`))
    .join('');
}

/** What of a Stack the tool needs (objectStore and httpUrl as the DR work adds them to Stack). */
export interface StackAccess {
  milvusAddress: string;
  clientTls?: MilvusBackupTarget['tls'];
  objectStore?: MilvusBackupTarget['objectStore'] | null;
  httpUrl?: string | null;
}

/** The tool's target for a stack; backups go to `backupStore` (by default a 'backup' root in Milvus's own bucket). */
export function targetFromStack(
  stack: StackAccess,
  credentials: MilvusBackupTarget['credentials'],
  backupStore?: MilvusBackupTarget['backupStore'],
): Omit<MilvusBackupTarget, 'logFile'> {
  if (!stack.objectStore) throw new Error("backup method 'milvus-backup' needs the stack's MinIO (it copies segments through the S3 API): set stack.objectStore to 'minio'");
  return {
    milvusAddress: stack.milvusAddress,
    credentials,
    tls: stack.clientTls ?? null,
    objectStore: stack.objectStore,
    backupStore: backupStore ?? { bucket: stack.objectStore.bucket, rootPath: 'backup' },
    httpUrl: stack.httpUrl ?? null,
  };
}
