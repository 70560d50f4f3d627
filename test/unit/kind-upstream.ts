// Test helpers that check rendered Kubernetes objects against upstream files in ../shared/schemas:
// CRD OpenAPI schemas (with a real JSON-schema validator), chart values, kind's config notes.
// The files are read at test time, never copied; tests skip with a message when they are absent.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import { parse } from 'yaml';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const schemasDir = join(resolve(repoRoot, '..', 'shared'), 'schemas');
export const upstreamMissing = existsSync(schemasDir) ? false : `upstream schemas not found at ${schemasDir}`;

export function readUpstream(relative: string): unknown {
  return parse(readFileSync(join(schemasDir, relative), 'utf8'), { maxAliasCount: -1 });
}

type Schema = Record<string, unknown>;

/**
 * The API server prunes unknown fields silently; `kubectl apply --validate=strict` rejects them.
 * We test the strict reading: an object schema that lists its properties accepts no others.
 */
function strict(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(strict);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    out[key] = key === 'properties' ? Object.fromEntries(Object.entries(value as Schema).map(([k, v]) => [k, strict(v)])) : strict(value);
  }
  if (out.properties && out.additionalProperties === undefined && !out['x-kubernetes-preserve-unknown-fields']) {
    out.additionalProperties = false;
  }
  return out;
}

const ajv = new Ajv({ allErrors: true, strict: false });
ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && Math.abs(n) < 2 ** 31 });
ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isSafeInteger(n) });
ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/);

export interface CrdValidator {
  group: string;
  version: string;
  kind: string;
  validate(obj: unknown): string[];
}

/** A validator for one version of a CustomResourceDefinition file. */
export function crdValidator(relative: string, version: string): CrdValidator {
  return crdValidatorOf(readUpstream(relative), version, relative);
}

/** A validator for one version of a parsed CustomResourceDefinition (e.g. the built Chaos Mesh's JSON CRDs). */
export function crdValidatorOf(parsed: unknown, version: string, source = 'the CRD'): CrdValidator {
  const crd = parsed as { spec: { group: string; names: { kind: string }; versions: { name: string; schema: { openAPIV3Schema: Schema } }[] } };
  const entry = crd.spec.versions.find((v) => v.name === version);
  if (!entry) throw new Error(`${source} has no version ${version}`);
  const check: ValidateFunction = ajv.compile(strict(entry.schema.openAPIV3Schema) as Schema);
  const { group, names } = crd.spec;
  return {
    group,
    version,
    kind: names.kind,
    validate(obj) {
      const errors: string[] = [];
      const o = obj as { apiVersion?: string; kind?: string; metadata?: unknown };
      if (o.apiVersion !== `${group}/${version}`) errors.push(`apiVersion is ${o.apiVersion}, the CRD serves ${group}/${version}`);
      if (o.kind !== names.kind) errors.push(`kind is ${o.kind}, the CRD defines ${names.kind}`);
      if (!check(obj)) errors.push(...(check.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`));
      errors.push(...objectMetaErrors(o.metadata));
      return errors;
    },
  };
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** The API server's ObjectMeta rules that the CRD schema leaves out (it types metadata as 'object'). */
export function objectMetaErrors(metadata: unknown): string[] {
  const errors: string[] = [];
  const m = (metadata ?? {}) as { name?: string; namespace?: string; labels?: Record<string, unknown> };
  if (!m.name || m.name.length > 253 || !DNS_SUBDOMAIN.test(m.name)) errors.push(`metadata.name '${m.name}' is not a DNS-1123 subdomain`);
  if (m.namespace !== undefined && (m.namespace.length > 63 || !DNS_LABEL.test(m.namespace))) errors.push(`metadata.namespace '${m.namespace}' is not a DNS-1123 label`);
  for (const [key, value] of Object.entries(m.labels ?? {})) {
    if (!isLabelKey(key)) errors.push(`label key '${key}' is invalid`);
    if (typeof value !== 'string' || value.length > 63 || (value !== '' && !LABEL_NAME.test(value))) errors.push(`label '${key}' has an invalid value ${JSON.stringify(value)}`);
  }
  return errors;
}

function isLabelKey(key: string): boolean {
  const [prefix, name] = key.includes('/') ? key.split('/', 2) : [undefined, key];
  if (!name || name.length > 63 || !LABEL_NAME.test(name)) return false;
  return prefix === undefined || (prefix.length <= 253 && DNS_SUBDOMAIN.test(prefix));
}

/**
 * Every key set in `values` must exist in the chart's `defaults` (values.yaml), with the same type
 * where the default is a scalar. Below a default that is an empty map (resources: {}, labels: {})
 * the chart takes any keys, so the walk stops there.
 */
export function unknownValueKeys(values: unknown, defaults: unknown, path = ''): string[] {
  if (!isMap(values)) return [];
  if (!isMap(defaults)) return [`${path || '/'} is a map here but not in values.yaml`];
  if (Object.keys(defaults).length === 0) return [];
  return Object.entries(values).flatMap(([key, value]) => {
    const p = path ? `${path}.${key}` : key;
    if (!(key in defaults)) return [`${p} does not exist in values.yaml`];
    const def = defaults[key];
    if (isMap(value)) return unknownValueKeys(value, def, p);
    if (def !== null && def !== undefined && !isMap(def) && typeof def !== typeof value) {
      return [`${p} is a ${typeof value} but values.yaml has a ${typeof def}`];
    }
    return [];
  });
}

function isMap(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Chaos Mesh v2.8.3 admission-webhook rules (api/v1alpha1/*_webhook.go) that the CRD schema cannot express. */
export function chaosWebhookErrors(obj: { kind: string; spec: Record<string, unknown> }): string[] {
  const errors: string[] = [];
  const spec = obj.spec as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  errors.push(...selectorValueErrors(spec.mode, spec.value, 'spec'));
  if (spec.target) errors.push(...selectorValueErrors(spec.target.mode, spec.target.value, 'spec.target'));
  if (spec.duration !== undefined && !isGoDuration(spec.duration)) errors.push(`spec.duration '${spec.duration}' is not a Go duration`);
  if (obj.kind === 'PodChaos' && spec.action === 'container-kill' && !(spec.containerNames?.length > 0)) errors.push('container-kill needs containerNames');
  if (obj.kind === 'PodChaos' && spec.action === 'pod-failure' && !spec.duration) errors.push('pod-failure needs a duration');
  if (obj.kind === 'NetworkChaos' && spec.action !== 'partition' && spec.direction !== 'to' && !spec.target) {
    errors.push('`from` and `both` direction cannot be used when targets is empty in netem action');
  }
  if (spec.bandwidth && !/^\s*\d+\s*(kbit|mbit|gbit|tbit|tbps|gbps|mbps|kbps|bps|bit)\s*$/i.test(spec.bandwidth.rate)) errors.push(`bandwidth rate '${spec.bandwidth.rate}' has no valid unit`);
  for (const [key, field] of [['loss', 'loss'], ['duplicate', 'duplicate'], ['corrupt', 'corrupt'], ['delay', 'correlation']] as const) {
    const section = spec[key];
    if (!section) continue;
    for (const value of [section[field], section.correlation]) {
      if (value !== undefined && !Number.isFinite(Number.parseFloat(value))) errors.push(`${key}: '${value}' is not a float string`);
    }
  }
  if (obj.kind === 'StressChaos') {
    const { cpu, memory } = spec.stressors ?? {};
    if (!cpu && !memory) errors.push('missing stressors');
    for (const s of [cpu, memory]) if (s && !(s.workers > 0)) errors.push('workers should always be positive');
    if (memory?.size !== undefined && !/^(\d+%|\d+(\.\d+)? ?([kKmMgGtTpP])?[iI]?[bB]?)$/.test(memory.size)) errors.push(`memory size '${memory.size}' is not a size`);
  }
  if (obj.kind === 'IOChaos') {
    if (spec.action === 'fault' && !spec.errno) errors.push('IOChaos fault needs a non-zero errno');
    if (spec.percent !== undefined && (spec.percent < 0 || spec.percent > 100)) errors.push('percent field should be in 0-100');
    if (spec.delay !== undefined && !isGoDuration(spec.delay)) errors.push(`delay '${spec.delay}' is not a Go duration`);
  }
  return errors;
}

function selectorValueErrors(mode: unknown, value: unknown, at: string): string[] {
  const n = Number(value);
  if (mode === 'fixed' && !(Number.isInteger(n) && n > 0)) return [`${at}.value '${value}' must be a positive integer with mode fixed`];
  if ((mode === 'fixed-percent' || mode === 'random-max-percent') && !(Number.isInteger(n) && n > 0 && n <= 100)) return [`${at}.value '${value}' must be in (0,100] with mode ${mode}`];
  return [];
}

function isGoDuration(value: unknown): boolean {
  return typeof value === 'string' && /^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/.test(value);
}
