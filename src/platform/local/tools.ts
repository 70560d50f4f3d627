import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { drillHome, MissingToolError, requireFile } from '../../supervise/home.ts';

export function milvusBinary(version: string): { binary: string; libDir: string } {
  const libDir = join(drillHome(), 'milvus', version, 'bin');
  return { binary: requireFile(join(libDir, 'milvus'), `Milvus ${version} server binary`), libDir };
}

export function minioBinary(): string {
  return requireFile(join(drillHome(), 'bin', 'minio'), 'MinIO server');
}

export function etcdBinary(): string {
  for (const candidate of ['/usr/bin/etcd', '/usr/local/bin/etcd']) if (existsSync(candidate)) return candidate;
  throw new MissingToolError("etcd not found; run 'npm run setup' (installs Debian's etcd-server)");
}
