import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import { validateScenario, type ValidationResult } from '../scenario/validate.ts';
import { isObject } from '../scenario/values.ts';
import { DEFAULT_PLATFORM, platformNames, type PlatformOptions } from '../platform/registry.ts';
import { flag, intFlag, UsageError, type ParsedArgs } from './args.ts';

export const SCENARIO_FLAGS = {
  platform: 'value', out: 'value', seed: 'value', rows: 'value', set: 'value', image: 'value', 'milvus-backup': 'value',
  'kube-context': 'value', namespace: 'value', 'allow-non-kind-context': 'boolean', 'keep-cluster': 'boolean',
} as const;

const KIND_FLAGS = ['kube-context', 'namespace', 'allow-non-kind-context', 'keep-cluster'];

/** The kind platform's options from the command line; refused on any other platform. */
export function platformOptions(args: ParsedArgs): PlatformOptions {
  const given = KIND_FLAGS.filter((f) => args.flags.has(f));
  if (given.length > 0 && platformFlag(args) !== 'kind') throw new UsageError(`${given.map((f) => `--${f}`).join(', ')} apply to --platform kind only`);
  const context = flag(args, 'kube-context');
  const namespace = flag(args, 'namespace');
  return {
    ...(context ? { kubeContext: context } : {}),
    ...(namespace ? { namespace } : {}),
    allowNonKindContext: args.flags.has('allow-non-kind-context'),
    keepCluster: args.flags.has('keep-cluster'),
  };
}

/** Loads a scenario module, applies CLI overrides (CLI beats scenario beats defaults), validates. */
export async function loadScenario(args: ParsedArgs): Promise<{ file: string; result: ValidationResult }> {
  const file = args.positionals[0];
  if (!file) throw new UsageError('needs a scenario file, e.g. scenarios/smoke.ts');
  const path = resolve(file);
  if (!existsSync(path)) throw new UsageError(`scenario file not found: ${file}`);
  const mod = (await tsImport(pathToFileURL(path).href, import.meta.url)) as { default?: unknown };
  let input = mod.default;
  // A scenario file outside an ESM package loads as CommonJS, which nests the default export.
  if (isObject(input) && Object.keys(input).length === 1 && isObject(input.default)) input = input.default;
  if (input === undefined) {
    return {
      file,
      result: { ok: false, errors: [{ path: '(module)', message: 'has no default export', fix: 'end the file with `export default defineScenario({ ... })`' }] },
    };
  }
  input = structuredClone(input);
  const overrides = collectOverrides(args);
  for (const [path, value] of overrides) setPath(input as Record<string, unknown>, path, value);
  return { file, result: validateScenario(input) };
}

function collectOverrides(args: ParsedArgs): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const item of args.flags.get('set') ?? []) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`--set takes path=value, got '${item}'`);
    out.push([item.slice(0, eq), parseValue(item.slice(eq + 1))]);
  }
  for (const item of args.flags.get('image') ?? []) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`--image takes component=image, got '${item}'; e.g. --image milvus=milvusdb/milvus:v2.5.4`);
    out.push([`stack.images.${item.slice(0, eq)}`, item.slice(eq + 1)]);
  }
  const seed = intFlag(args, 'seed');
  if (seed !== undefined) out.push(['seed', seed]);
  const rows = intFlag(args, 'rows');
  if (rows !== undefined) out.push(['dataset.rows', rows]);
  return out;
}

export function parseValue(raw: string): unknown {
  if (raw === 'true' || raw === 'false') return raw === 'true';
  if (raw !== '' && Number.isFinite(Number(raw))) return Number(raw);
  return raw;
}

/** Sets a dotted path such as 'phases.steady' or 'faults.0.duration' on a plain object. */
export function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node: Record<string, unknown> = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (next === undefined) node[key] = {};
    else if (typeof next !== 'object' || next === null) throw new UsageError(`--set ${path}: '${key}' is not an object`);
    node = node[key] as Record<string, unknown>;
  }
  node[keys.at(-1)!] = value;
}

export function platformFlag(args: ParsedArgs): string {
  const platform = flag(args, 'platform') ?? DEFAULT_PLATFORM;
  if (!platformNames().includes(platform)) throw new UsageError(`--platform ${platform} does not exist; choose one of: ${platformNames().join(', ')}`);
  return platform;
}

