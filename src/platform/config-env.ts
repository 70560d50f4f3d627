// stack.config on the container platforms. Milvus reads every setting from the environment as well
// as from milvus.yaml: a variable matches a key when the two are equal ignoring case, dots,
// underscores and slashes (its config package compares keys that way), and the environment
// outranks the file. So { common: { session: { ttl: 10 } } } reaches a container as
// COMMON_SESSION_TTL=10. Pure.
import type { StackSpec, ValidationError } from '../core/types.ts';
import { shippedSessionTtl } from './local/milvus-versions.ts';

/** A key as Milvus compares them. */
function comparable(key: string): string {
  return key.toLowerCase().replace(/[._/]/g, '');
}

interface Leaf {
  path: string;
  value: unknown;
}

function leaves(config: Record<string, unknown>, prefix = ''): Leaf[] {
  return Object.entries(config).flatMap(([key, value]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    const nested = typeof value === 'object' && value !== null && !Array.isArray(value);
    return nested ? leaves(value as Record<string, unknown>, path) : [{ path, value }];
  });
}

function envName(path: string): string {
  return path.replace(/\./g, '_').toUpperCase();
}

/**
 * The settings a Milvus container gets before the platform's own wiring: what the version's own
 * milvus.yaml sets where our image's differs (the session TTL), then stack.config's, which win.
 */
export function milvusSettingsEnv(stack: StackSpec): Record<string, string> {
  const ttl = shippedSessionTtl(stack.milvusVersion);
  return { ...(ttl === undefined ? {} : { COMMON_SESSION_TTL: String(ttl) }), ...configEnv(stack.config) };
}

/** stack.config's settings as environment variables (configEnvErrors says what cannot be passed). */
export function configEnv(config: Record<string, unknown> | undefined): Record<string, string> {
  return Object.fromEntries(leaves(config ?? {}).map(({ path, value }) => [envName(path), String(value)]));
}

/**
 * What stack.config asks that an environment variable cannot carry (a list, an empty value), or
 * that the platform sets itself (`managed`: its own variable names), each with the fix.
 */
export function configEnvErrors(config: Record<string, unknown> | undefined, managed: readonly string[], platform: string): ValidationError[] {
  const owned = new Map(managed.map((name) => [comparable(name), name]));
  const errors: ValidationError[] = [];
  for (const { path, value } of leaves(config ?? {})) {
    const at = `stack.config.${path}`;
    if (!['string', 'number', 'boolean'].includes(typeof value)) {
      const what = Array.isArray(value) ? 'a list' : value === null ? 'null' : `a ${typeof value}`;
      errors.push({ path: at, message: `the ${platform} platform passes milvus.yaml settings to Milvus as environment variables, which cannot carry ${what}`, fix: 'give it a single value, or run on the local platform (it writes milvus.yaml)' });
      continue;
    }
    const name = owned.get(comparable(path));
    if (name) errors.push({ path: at, message: `'${path}' is set by the ${platform} platform itself (${name}), to wire the stack together`, fix: `remove ${path} from stack.config` });
  }
  return errors;
}
