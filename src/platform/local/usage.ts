import { readdirSync, readFileSync, lstatSync } from 'node:fs';
import { join } from 'node:path';

/** A process's resident set size from /proc (VmRSS); null when it is gone. */
export function residentBytes(pid: number): number | null {
  try {
    const kb = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? null : Number(kb) * 1024;
  } catch {
    return null;
  }
}

/** Bytes of the regular files under a directory (what an object store holds there); null when unreadable. */
export function directoryBytes(dir: string): number | null {
  try {
    let total = 0;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) total += directoryBytes(path) ?? 0;
      else if (entry.isFile()) total += lstatSync(path).size;
    }
    return total;
  } catch {
    return null;
  }
}
