import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root (where package.json lives), found from this file's location. */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Where scripts/setup.sh installs tools: $MILVUS_DRILL_HOME or <project>/.drill. */
export function drillHome(): string {
  return process.env.MILVUS_DRILL_HOME ?? join(PROJECT_ROOT, '.drill');
}

/** Journals of runs in progress; `heal` reads what crashed runs left here. */
export function stateDir(): string {
  return process.env.MILVUS_DRILL_STATE_DIR ?? join(drillHome(), 'state');
}

export class MissingToolError extends Error {}

/** The path, or a MissingToolError naming what is missing and how to install it. */
export function requireFile(path: string, what: string): string {
  if (!existsSync(path)) {
    throw new MissingToolError(`${what} not found at ${path}; run 'npm run setup' (scripts/setup.sh) to install it`);
  }
  return path;
}
