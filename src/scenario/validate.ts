import type {
  ActionSpec,
  BackupMethod,
  DamageMode,
  CollectionSpec,
  DatasetSpec,
  Expectation,
  FaultSpec,
  IndexSpec,
  LoadWriteSpec,
  Scenario,
  SloSpec,
  SecuritySpec,
  SizingSpec,
  StackSpec,
  StepSpec,
  TargetMode,
  WaitCondition,
  WorkloadSpec,
} from '../core/types.ts';
import { parseDuration } from './duration.ts';
import { describe } from './values.ts';
import { COORDINATOR_LAYOUTS, COORDINATOR_ROLES, IMAGE_COMPONENTS, QUERY_NODES, ROLES } from '../core/types.ts';
import { sdkForServer, supportedServerLines } from '../core/sdk-versions.ts';
import { FAULT_KINDS, assembleFault, duplicateFaultNames, faultStackErrors, readFaultDetails } from '../faults/spec.ts';
import { SCORED_PERCENTILES } from '../checks/phases.ts';
import { loadWriteProblems } from './load-writes.ts';
import { versionPathErrors } from './versions.ts';
import { coldSnapshotStepErrors, fixedLength, longestLength, phaseNames, scenarioFaults, threePhaseSteps } from './steps.ts';
import { securityOn, withSecurityPoints } from './security.ts';

import type { ValidationError } from '../core/types.ts';
export type { ValidationError };

export type ValidationResult = { ok: true; scenario: Scenario } | { ok: false; errors: ValidationError[] };

type Obj = Record<string, unknown>;

const METRICS = ['L2', 'IP', 'COSINE'] as const;
const CONSISTENCY = ['Strong', 'Bounded', 'Session', 'Eventually'] as const;
const TOPOLOGIES = ['standalone', 'cluster'] as const;
const QUEUES = ['rocksmq', 'kafka', 'pulsar'] as const;
const STORES = ['minio', 'local'] as const;
const INDEX_TYPES = ['HNSW', 'IVF_FLAT', 'IVF_SQ8', 'DISKANN', 'FLAT'] as const;
const SCALARS = ['tenant', 'category', 'ts', 'num'] as const;
const PHASES = ['steady', 'fault', 'recovered'] as const;
const WAIT_CONDITIONS = ['recovered', 'healed', 'searchable'] as const satisfies readonly WaitCondition[];
const ACTIONS = ['flush', 'compact', 'restart', 'destroy', 'up', 'backup', 'restore', 'damage-backup', 'upgrade', 'scale', 'security'] as const satisfies readonly ActionSpec['action'][];
const VERDICTS = ['pass', 'fail', 'aborted'] as const;
/** How long a wait may take when the scenario does not say. */
const DEFAULT_WAIT_TIMEOUT = 300_000;
const SLO_KINDS = ['recall', 'latency', 'errorRate', 'recoveryTime', 'durability', 'security', 'downtime', 'upgrade', 'rebalanceTime', 'takeoverTime', 'rollingAvailability', 'rpoRows', 'rpoSeconds', 'rto', 'restore'] as const;
const TLS_MODES = ['off', 'one-way', 'mutual'] as const;
const LOAD_WRITE_OPS = ['insert', 'upsert', 'delete'] as const;

/** Reads fields with defaults and collects every problem instead of stopping at the first. */
class Reader {
  readonly errors: ValidationError[] = [];

  fail(path: string, message: string, fix: string): void {
    this.errors.push({ path, message, fix });
  }

  object(value: unknown, path: string): Obj {
    if (value === undefined) return {};
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      this.fail(path, `must be an object, got ${describe(value)}`, `write ${path} as { ... } or leave it out for defaults`);
      return {};
    }
    return value as Obj;
  }

  unknownKeys(obj: Obj, path: string, known: readonly string[]): void {
    for (const key of Object.keys(obj)) {
      if (!known.includes(key)) {
        const hint = closest(key, known);
        this.fail(join(path, key), 'is not a known field', hint ? `did you mean '${hint}'?` : `remove it; known fields: ${known.join(', ')}`);
      }
    }
  }

  int(obj: Obj, key: string, path: string, def: number | undefined, min: number, max = Number.MAX_SAFE_INTEGER): number {
    const p = join(path, key);
    const value = obj[key];
    if (value === undefined) {
      if (def === undefined) this.fail(p, 'is required', `set ${p} to an integer between ${min} and ${max}`);
      return def ?? min;
    }
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.fail(p, `must be an integer between ${min} and ${max}, got ${describe(value)}`, `set ${p} to an integer between ${min} and ${max}`);
      return def ?? min;
    }
    return value;
  }

  num(obj: Obj, key: string, path: string, def: number | undefined): number {
    const p = join(path, key);
    const value = obj[key];
    if (value === undefined) {
      if (def === undefined) this.fail(p, 'is required', `set ${p} to a number`);
      return def ?? 0;
    }
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      this.fail(p, `must be a number, got ${describe(value)}`, `set ${p} to a number`);
      return def ?? 0;
    }
    return value;
  }

  str(obj: Obj, key: string, path: string, def: string | undefined): string {
    const p = join(path, key);
    const value = obj[key];
    if (value === undefined) {
      if (def === undefined) this.fail(p, 'is required', `set ${p} to a non-empty string`);
      return def ?? '';
    }
    if (typeof value !== 'string' || value.length === 0) {
      this.fail(p, `must be a non-empty string, got ${describe(value)}`, `set ${p} to a non-empty string`);
      return def ?? '';
    }
    return value;
  }

  oneOf<T extends string>(obj: Obj, key: string, path: string, options: readonly T[], def: T | undefined): T {
    const p = join(path, key);
    const value = obj[key];
    if (value === undefined) {
      if (def === undefined) this.fail(p, 'is required', `set ${p} to one of: ${options.join(', ')}`);
      return def ?? options[0]!;
    }
    if (typeof value !== 'string' || !options.includes(value as T)) {
      const hint = typeof value === 'string' ? closest(value, options) : undefined;
      this.fail(p, `must be one of ${options.join(', ')}, got ${describe(value)}`, hint ? `did you mean '${hint}'?` : `set ${p} to one of: ${options.join(', ')}`);
      return def ?? options[0]!;
    }
    return value as T;
  }

  duration(obj: Obj, key: string, path: string, def: number | undefined, minMs = 0): number {
    const p = join(path, key);
    const value = obj[key];
    if (value === undefined) {
      if (def === undefined) this.fail(p, 'is required', `set ${p} to a duration such as '30s' or '2m'`);
      return def ?? 0;
    }
    const ms = parseDuration(value);
    if (ms === null || ms < minMs) {
      const least = minMs > 0 ? ` of at least ${minMs} ms` : '';
      this.fail(p, `must be a duration${least} ('500ms', '30s', '2m', '1h' or milliseconds), got ${describe(value)}`, `set ${p} to a duration such as '30s'`);
      return def ?? minMs;
    }
    return ms;
  }

  array(value: unknown, path: string): unknown[] {
    if (value === undefined) return [];
    if (!Array.isArray(value)) {
      this.fail(path, `must be a list, got ${describe(value)}`, `write ${path} as [ ... ]`);
      return [];
    }
    return value;
  }
}

export function validateScenario(input: unknown): ValidationResult {
  const r = new Reader();
  const root = r.object(input, 'scenario');
  r.unknownKeys(root, '', ['name', 'description', 'seed', 'stack', 'collection', 'dataset', 'workload', 'phases', 'faults', 'steps', 'recovery', 'slos', 'expect', 'sizing']);

  const name = r.str(root, 'name', '', undefined);
  const description = typeof root.description === 'string' ? root.description : '';
  const seed = r.int(root, 'seed', '', 1, 0, 2 ** 32 - 1);
  const stack = readStack(r, r.object(root.stack, 'stack'));
  const dataset = readDataset(r, r.object(root.dataset, 'dataset'));
  const collection = readCollection(r, r.object(root.collection, 'collection'), name);
  const workload = readWorkload(r, r.object(root.workload, 'workload'));
  const recoveryObj = r.object(root.recovery, 'recovery');
  r.unknownKeys(recoveryObj, 'recovery', ['window']);
  const recovery = { window: r.duration(recoveryObj, 'window', 'recovery', 10_000, 100) };
  const written = root.steps === undefined ? readThreePhases(r, root, recovery.window) : readSteps(r, root);
  const slos = r.array(root.slos, 'slos').map((s, i) => readSlo(r, s, `slos[${i}]`));
  const expect = root.expect === undefined || root.expect === null ? null : readExpect(r, r.object(root.expect, 'expect'));

  const sizing = root.sizing === undefined || root.sizing === null ? null : readSizing(r, r.object(root.sizing, 'sizing'), dataset.rows);
  crossChecks(r, { collection, dataset, workload, steps: written, slos, recovery, stack, expect });
  const steps = withSecurityPoints(written, stack.security!);

  if (r.errors.length > 0) return { ok: false, errors: r.errors };
  return {
    ok: true,
    scenario: { name, description, seed, stack, collection, dataset, workload, steps, recovery, slos, expect, ...(sizing ? { sizing } : {}) },
  };
}

/** The three-phase form (phases + faults): sugar for steady → fault → recovered steps. */
function readThreePhases(r: Reader, root: Obj, recoveryWindow: number): StepSpec[] {
  const phasesObj = r.object(root.phases, 'phases');
  r.unknownKeys(phasesObj, 'phases', PHASES);
  const phases = {
    steady: r.duration(phasesObj, 'steady', 'phases', 30_000, 1000),
    fault: r.duration(phasesObj, 'fault', 'phases', 30_000, 0),
    recovered: r.duration(phasesObj, 'recovered', 'phases', 30_000, 1000),
  };
  const faults = r.array(root.faults, 'faults').map((f, i) => readFault(r, f, `faults[${i}]`, phases.fault));
  if (faults.length > 0 && phases.fault === 0) r.fail('phases.fault', 'is 0 but faults are declared', 'give the fault phase a duration');
  if (recoveryWindow > phases.recovered) {
    r.fail('recovery.window', `(${recoveryWindow} ms) is longer than phases.recovered (${phases.recovered} ms), so recovery could never be measured`, 'shorten recovery.window or lengthen phases.recovered');
  }
  return threePhaseSteps(phases, faults);
}

function readSteps(r: Reader, root: Obj): StepSpec[] {
  for (const key of ['phases', 'faults'] as const) {
    if (root[key] !== undefined) r.fail(key, 'cannot be combined with steps', `move ${key} into steps (a { phase } step with its faults), or remove steps`);
  }
  const steps = r.array(root.steps, 'steps').flatMap((v, i) => readStep(r, r.object(v, `steps[${i}]`), `steps[${i}]`));
  if (steps.length === 0) r.fail('steps', 'is empty', "add at least one step, e.g. { phase: 'steady', duration: '30s' }");
  return steps;
}

const STEP_KINDS = ['phase', 'fault', 'action', 'wait', 'gate'] as const;

function readStep(r: Reader, o: Obj, path: string): StepSpec[] {
  const kinds = STEP_KINDS.filter((k) => o[k] !== undefined);
  if (kinds.length !== 1) {
    r.fail(path, kinds.length === 0 ? 'is not a step' : `names ${kinds.join(' and ')} at once`, `write exactly one of: ${STEP_KINDS.map((k) => `{ ${k}: ... }`).join(', ')}`);
    return [];
  }
  switch (kinds[0]!) {
    case 'phase':
      return readPhaseStep(r, o, path);
    case 'fault': {
      r.unknownKeys(o, path, ['fault']);
      return [{ step: 'fault', fault: readFault(r, o.fault, `${path}.fault`, Number.POSITIVE_INFINITY) }];
    }
    case 'action':
      return [readActionStep(r, o, path)];
    case 'wait':
      r.unknownKeys(o, path, ['wait', 'timeout']);
      return [{ step: 'wait', until: r.oneOf(o, 'wait', path, WAIT_CONDITIONS, undefined), timeout: r.duration(o, 'timeout', path, DEFAULT_WAIT_TIMEOUT, 1000) }];
    case 'gate': {
      r.unknownKeys(o, path, ['gate']);
      const names = typeof o.gate === 'string' ? [o.gate] : r.array(o.gate, `${path}.gate`);
      const slos = names.filter((n, i): n is string => {
        if (typeof n === 'string' && n.length > 0) return true;
        r.fail(`${path}.gate[${i}]`, `must be an SLO name, got ${describe(n)}`, 'name an SLO declared in slos');
        return false;
      });
      if (slos.length === 0) r.fail(`${path}.gate`, 'names no SLO', 'name one or more SLOs declared in slos');
      return [{ step: 'gate', slos }];
    }
  }
}

function readPhaseStep(r: Reader, o: Obj, path: string): StepSpec[] {
  r.unknownKeys(o, path, ['phase', 'duration', 'until', 'timeout', 'after', 'faults']);
  const name = r.str(o, 'phase', path, undefined);
  if ((['setup', 'verify', 'recovering'] as readonly string[]).includes(name) && o.until === undefined) {
    r.fail(`${path}.phase`, `'${name}' is a phase name the harness uses itself`, 'choose another name');
  }
  const hasDuration = o.duration !== undefined;
  const until = o.until === undefined ? null : r.oneOf(o, 'until', path, WAIT_CONDITIONS, undefined);
  if (hasDuration === (until !== null)) r.fail(path, hasDuration ? 'gives both duration and until' : 'gives neither duration nor until', `give ${path} a duration ('30s') or an until condition (${WAIT_CONDITIONS.join(', ')})`);
  const duration = hasDuration ? r.duration(o, 'duration', path, undefined, 0) : null;
  const timeout = until ? r.duration(o, 'timeout', path, DEFAULT_WAIT_TIMEOUT, 1000) : (duration ?? 0);
  const faults = r.array(o.faults, `${path}.faults`).map((f, i) => readFault(r, f, `${path}.faults[${i}]`, duration ?? Number.POSITIVE_INFINITY));
  const phase: StepSpec = { step: 'phase', name, duration, until, timeout, faults };
  if (o.after === undefined) return [phase];
  if (o.after !== 'recovery') r.fail(`${path}.after`, `must be 'recovery', got ${describe(o.after)}`, "write after: 'recovery' to start this phase once the system has recovered");
  // The wait for recovery is a phase of its own, so what happens meanwhile is scored apart.
  return [{ step: 'phase', name: 'recovering', duration: null, until: 'recovered', timeout: DEFAULT_WAIT_TIMEOUT, faults: [] }, phase];
}

function readActionStep(r: Reader, o: Obj, path: string): StepSpec {
  const action = r.oneOf(o, 'action', path, ACTIONS, undefined);
  const timeout = r.duration(o, 'timeout', path, DEFAULT_WAIT_TIMEOUT, 1000);
  const fields: Record<(typeof ACTIONS)[number], string[]> = {
    flush: [], compact: [], destroy: [], up: ['config', 'version'], restart: ['target', 'config'],
    backup: ['name', 'dir', 'method'], restore: ['name', 'verifyChecksums'], 'damage-backup': ['name', 'mode', 'object'], upgrade: ['version', 'config', 'rollback'], scale: ['target', 'replicas'], security: ['name'],
  };
  r.unknownKeys(o, path, ['action', 'timeout', ...(fields[action] ?? [])]);
  const target = (): { role: StackRole; instance?: string } => {
    const t = r.object(o.target, `${path}.target`);
    if (o.target === undefined) r.fail(`${path}.target`, 'is required', `set ${path}.target to { role: 'standalone' }`);
    r.unknownKeys(t, `${path}.target`, ['role', 'instance']);
    const role = r.oneOf(t, 'role', `${path}.target`, ROLES, undefined);
    return t.instance === undefined ? { role } : { role, instance: r.str(t, 'instance', `${path}.target`, undefined) };
  };
  const config = (): Record<string, unknown> => (o.config === undefined ? {} : r.object(o.config, `${path}.config`));
  const spec = ((): ActionSpec => {
    switch (action) {
      case 'flush':
      case 'compact':
      case 'destroy':
        return { action };
      case 'up':
        return { action, config: config(), ...(o.version === undefined ? {} : { version: r.str(o, 'version', path, undefined) }) };
      case 'restart':
        return { action, target: target(), config: config() };
      case 'backup':
        return { action, name: r.str(o, 'name', path, 'default'), ...(o.dir === undefined ? {} : { dir: r.str(o, 'dir', path, undefined) }), ...readBackupMethod(r, o, path) };
      case 'restore':
        return { action, name: r.str(o, 'name', path, 'default'), verifyChecksums: readBool(r, o, 'verifyChecksums', path, true) };
      case 'damage-backup':
        return readDamage(r, o, path);
      case 'upgrade':
        return { action, version: r.str(o, 'version', path, undefined), config: config(), rollback: readRollback(r, o, path) };
      case 'scale':
        return { action, target: { role: target().role }, replicas: r.int(o, 'replicas', path, undefined, 0, 64) };
      case 'security':
        return { action, point: r.str(o, 'name', path, path) };
    }
  })();
  return { step: 'action', spec, timeout };
}

type StackRole = (typeof ROLES)[number];

const BACKUP_METHODS = ['binlog', 'cold-snapshot', 'milvus-backup'] as const satisfies readonly BackupMethod[];

/** The backup step's method; binlog (the default) is left implicit, so specs without one read as before. */
function readBackupMethod(r: Reader, o: Obj, path: string): { method?: BackupMethod } {
  if (o.method === undefined) return {};
  const method = r.oneOf(o, 'method', path, BACKUP_METHODS, undefined);
  if (method === 'milvus-backup' && o.dir !== undefined) r.fail(`${path}.dir`, "milvus-backup keeps its backups in its own store (the run's work directory), not in a directory a step names", "remove dir, or use method: 'binlog'");
  return method === 'binlog' ? {} : { method };
}

const DAMAGE_MODES = ['flip', 'remove', 'strip-index', 'strip-data'] as const satisfies readonly DamageMode[];

/** flip and remove damage one object, so they name its kind; the strip modes change the manifest and take none. */
function readDamage(r: Reader, o: Obj, path: string): ActionSpec & { action: 'damage-backup' } {
  const name = r.str(o, 'name', path, 'default');
  const mode = r.oneOf(o, 'mode', path, DAMAGE_MODES, undefined);
  if (mode === 'flip' || mode === 'remove') return { action: 'damage-backup', name, mode, object: r.oneOf(o, 'object', path, ['insert', 'delta'] as const, undefined) };
  if (o.object !== undefined) r.fail(`${path}.object`, `mode '${mode}' changes what the manifest records, not one object`, "remove object, or use mode 'flip' or 'remove'");
  return { action: 'damage-backup', name, mode };
}

function readBool(r: Reader, o: Obj, key: string, path: string, def: boolean): boolean {
  const value = o[key];
  if (value === undefined) return def;
  if (typeof value !== 'boolean') r.fail(`${path}.${key}`, `must be true or false, got ${describe(value)}`, `write ${path}.${key}: ${String(def)}`);
  return typeof value === 'boolean' ? value : def;
}

function readRollback(r: Reader, o: Obj, path: string): boolean {
  if (o.rollback === undefined) return false;
  if (typeof o.rollback !== 'boolean') r.fail(`${path}.rollback`, `must be true or false, got ${describe(o.rollback)}`, 'write rollback: true only for a deliberate downgrade test');
  return o.rollback === true;
}

function readSizing(r: Reader, o: Obj, rows: number): SizingSpec {
  r.unknownKeys(o, 'sizing', ['target', 'sizes', 'indexes', 'nodeMemoryGiB']);
  const t = r.object(o.target, 'sizing.target');
  if (o.target === undefined) r.fail('sizing.target', 'is required', 'set sizing.target to e.g. { rows: 2_000_000_000, dim: 768 }');
  r.unknownKeys(t, 'sizing.target', ['rows', 'dim']);
  const target = { rows: r.int(t, 'rows', 'sizing.target', undefined, 1, 1e13), dim: r.int(t, 'dim', 'sizing.target', undefined, 1, 32_768) };
  const sizes = r.array(o.sizes, 'sizing.sizes').filter((v, i): v is number => {
    if (Number.isInteger(v) && (v as number) >= 1) return true;
    r.fail(`sizing.sizes[${i}]`, `must be a whole number of rows, got ${describe(v)}`, 'write row counts, e.g. [10000, 20000, 40000]');
    return false;
  });
  const ascending = sizes.every((v, i) => i === 0 || v > sizes[i - 1]!);
  if (sizes.length < 2 || !ascending || sizes.at(-1) !== rows) {
    r.fail('sizing.sizes', `must be at least two ascending row counts ending with dataset.rows (${rows}), got ${describe(o.sizes)}`, `write e.g. [${Math.round(rows / 4)}, ${Math.round(rows / 2)}, ${rows}]: two sizes at least separate a process's fixed cost from the cost per row`);
  }
  const indexes = r.array(o.indexes, 'sizing.indexes').filter((v, i): v is IndexSpec['type'] => {
    if ((INDEX_TYPES as readonly unknown[]).includes(v)) return true;
    r.fail(`sizing.indexes[${i}]`, `is not an index type: ${describe(v)}`, `use one of ${INDEX_TYPES.join(', ')}`);
    return false;
  });
  return { target, sizes, indexes, nodeMemoryGiB: r.num(o, 'nodeMemoryGiB', 'sizing', 32) };
}

function readExpect(r: Reader, o: Obj): Expectation {
  r.unknownKeys(o, 'expect', ['verdict', 'slos']);
  const verdict = r.oneOf(o, 'verdict', 'expect', VERDICTS, undefined);
  const slos = r.array(o.slos, 'expect.slos').filter((n, i): n is string => {
    if (typeof n === 'string') return true;
    r.fail(`expect.slos[${i}]`, `must be an SLO name, got ${describe(n)}`, 'name an SLO declared in slos');
    return false;
  });
  if (verdict === 'pass' && slos.length > 0) r.fail('expect.slos', 'lists missed SLOs but the expected verdict is pass', "set expect.verdict to 'fail', or empty expect.slos");
  if (verdict !== 'pass' && slos.length === 0) r.fail('expect.slos', `is empty: which SLOs must be missed for '${verdict}'?`, 'list the SLO names the drill must catch');
  return { verdict, slos };
}

function readStack(r: Reader, o: Obj): StackSpec {
  r.unknownKeys(o, 'stack', ['milvusVersion', 'topology', 'etcd', 'messageQueue', 'objectStore', 'security', 'images', 'config', 'coordinators']);
  const etcd = r.object(o.etcd, 'stack.etcd');
  r.unknownKeys(etcd, 'stack.etcd', ['members']);
  return {
    milvusVersion: readMilvusVersion(r, o),
    topology: r.oneOf(o, 'topology', 'stack', TOPOLOGIES, 'standalone'),
    etcd: { members: r.int(etcd, 'members', 'stack.etcd', 1, 1, 7) },
    messageQueue: r.oneOf(o, 'messageQueue', 'stack', QUEUES, 'rocksmq'),
    objectStore: r.oneOf(o, 'objectStore', 'stack', STORES, 'minio'),
    security: readSecurity(r, r.object(o.security, 'stack.security')),
    images: readImages(r, r.object(o.images, 'stack.images')),
    ...(o.config === undefined ? {} : { config: r.object(o.config, 'stack.config') }),
    ...(o.coordinators !== undefined ? { coordinators: r.oneOf(o, 'coordinators', 'stack', COORDINATOR_LAYOUTS, 'mixture') } : {}),
  };
}

function readSecurity(r: Reader, o: Obj): SecuritySpec {
  const path = 'stack.security';
  r.unknownKeys(o, path, ['authorization', 'rootPassword', 'tls', 'rbacSurvivesRestore']);
  const bool = (key: string, fix: string): boolean => {
    if (o[key] === undefined) return false;
    if (typeof o[key] !== 'boolean') r.fail(`${path}.${key}`, `must be true or false, got ${describe(o[key])}`, fix);
    return o[key] === true;
  };
  const authorization = bool('authorization', `write ${path}.authorization: true to require credentials on every request`);
  if (o.rootPassword !== undefined && o.rootPassword !== null && o.rootPassword !== 'generated') {
    r.fail(`${path}.rootPassword`, `must be 'generated' or null, got ${describe(o.rootPassword)}`, "write 'generated': the harness makes one per run and never records it (a password in a scenario would end up in reports)");
  }
  const rootPassword = o.rootPassword === 'generated' ? 'generated' : null;
  if (rootPassword && !authorization) r.fail(`${path}.rootPassword`, 'is set but authorization is off, so no password is ever checked', `set ${path}.authorization to true, or remove rootPassword`);
  const tls = r.oneOf(o, 'tls', path, TLS_MODES, 'off');
  const rbacSurvivesRestore = bool('rbacSurvivesRestore', `write ${path}.rbacSurvivesRestore: true when the backup method must carry users, roles and grants`);
  return { authorization, rootPassword, tls, rbacSurvivesRestore };
}

function readMilvusVersion(r: Reader, o: Obj): string {
  const version = r.str(o, 'milvusVersion', 'stack', '2.3.5');
  if (!sdkForServer(version)) {
    r.fail('stack.milvusVersion', `no Node SDK is known to serve Milvus '${version}'`, `use a server version of ${supportedServerLines().join(', ')} (the table in src/core/sdk-versions.ts)`);
  }
  return version;
}

function readImages(r: Reader, o: Obj): NonNullable<StackSpec['images']> {
  r.unknownKeys(o, 'stack.images', IMAGE_COMPONENTS);
  const images: NonNullable<StackSpec['images']> = {};
  for (const component of IMAGE_COMPONENTS) {
    if (o[component] === undefined) continue;
    const ref = r.str(o, component, 'stack.images', undefined);
    if (!/^[a-z0-9][\w./:@-]*$/i.test(ref)) r.fail(`stack.images.${component}`, `'${ref}' is not an image reference`, "write it as registry/name:tag, e.g. 'milvusdb/milvus:v2.5.4'");
    else images[component] = ref;
  }
  return images;
}

function readDataset(r: Reader, o: Obj): DatasetSpec {
  r.unknownKeys(o, 'dataset', ['profile', 'dim', 'metric', 'rows', 'batchSize', 'queries']);
  return {
    profile: r.str(o, 'profile', 'dataset', 'sift-128'),
    dim: r.int(o, 'dim', 'dataset', 128, 2, 32_768),
    metric: r.oneOf(o, 'metric', 'dataset', METRICS, 'L2'),
    rows: r.int(o, 'rows', 'dataset', 50_000, 1, 2 ** 40),
    // The Node SDK 2.3 copies the whole vector column once per row it encodes, so the cost of a
    // batch grows with its square; 1,000 rows keeps encoding well under the server's time.
    batchSize: r.int(o, 'batchSize', 'dataset', 1_000, 1, 100_000),
    queries: r.int(o, 'queries', 'dataset', 200, 1, 100_000),
  };
}

function readCollection(r: Reader, o: Obj, scenarioName: string): CollectionSpec {
  const path = 'collection';
  r.unknownKeys(o, path, ['name', 'shards', 'partitionKey', 'scalarFields', 'index', 'consistency', 'replicas']);
  const scalarFields = r.array(o.scalarFields ?? ['tenant', 'category'], `${path}.scalarFields`).map((v, i) => {
    if (typeof v !== 'string' || !(SCALARS as readonly string[]).includes(v)) {
      r.fail(`${path}.scalarFields[${i}]`, `must be one of ${SCALARS.join(', ')}, got ${describe(v)}`, `use one of: ${SCALARS.join(', ')}`);
      return 'tenant' as const;
    }
    return v as CollectionSpec['scalarFields'][number];
  });
  let partitionKey: CollectionSpec['partitionKey'] = null;
  if (o.partitionKey !== null && o.partitionKey !== undefined) {
    const pk = r.object(o.partitionKey, `${path}.partitionKey`);
    r.unknownKeys(pk, `${path}.partitionKey`, ['field', 'partitions']);
    partitionKey = {
      field: r.oneOf(pk, 'field', `${path}.partitionKey`, SCALARS, undefined),
      partitions: r.int(pk, 'partitions', `${path}.partitionKey`, 16, 1, 4096),
    };
  }
  const idx = r.object(o.index, `${path}.index`);
  r.unknownKeys(idx, `${path}.index`, ['type', 'params', 'searchParams']);
  const type = r.oneOf(idx, 'type', `${path}.index`, INDEX_TYPES, 'HNSW');
  const defaults = INDEX_DEFAULTS[type];
  const index = {
    type,
    params: readNumberMap(r, idx.params, `${path}.index.params`) ?? defaults.params,
    searchParams: readNumberMap(r, idx.searchParams, `${path}.index.searchParams`) ?? defaults.searchParams,
  };
  return {
    name: r.str(o, 'name', path, `drill_${scenarioName.replace(/[^A-Za-z0-9_]/g, '_')}`),
    shards: r.int(o, 'shards', path, 2, 1, 64),
    partitionKey,
    scalarFields,
    index,
    consistency: r.oneOf(o, 'consistency', path, CONSISTENCY, 'Bounded'),
    replicas: r.int(o, 'replicas', path, 1, 1, 64),
  };
}

const INDEX_DEFAULTS: Record<(typeof INDEX_TYPES)[number], { params: Record<string, number>; searchParams: Record<string, number> }> = {
  HNSW: { params: { M: 16, efConstruction: 200 }, searchParams: { ef: 64 } },
  IVF_FLAT: { params: { nlist: 128 }, searchParams: { nprobe: 16 } },
  IVF_SQ8: { params: { nlist: 128 }, searchParams: { nprobe: 16 } },
  DISKANN: { params: {}, searchParams: { search_list: 100 } },
  FLAT: { params: {}, searchParams: {} },
};

function readNumberMap(r: Reader, value: unknown, path: string): Record<string, number> | undefined {
  if (value === undefined) return undefined;
  const o = r.object(value, path);
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(o)) {
    if (typeof v !== 'number' || !Number.isFinite(v)) r.fail(`${path}.${k}`, `must be a number, got ${describe(v)}`, `set ${path}.${k} to a number`);
    else out[k] = v;
  }
  return out;
}

function readWorkload(r: Reader, o: Obj): WorkloadSpec {
  r.unknownKeys(o, 'workload', ['search', 'churn', 'load']);
  const s = r.object(o.search, 'workload.search');
  const path = 'workload.search';
  r.unknownKeys(s, path, ['every', 'concurrency', 'topK', 'timeout', 'filtered']);
  return {
    search: {
      every: r.duration(s, 'every', path, 100, 1),
      concurrency: r.int(s, 'concurrency', path, 2, 1, 64),
      topK: r.int(s, 'topK', path, 10, 1, 16_384),
      timeout: r.duration(s, 'timeout', path, 5_000, 10),
      filtered: readFiltered(r, s.filtered, `${path}.filtered`),
    },
    churn: o.churn === undefined || o.churn === null ? null : readChurn(r, r.object(o.churn, 'workload.churn')),
    load: o.load === undefined || o.load === null ? null : readLoad(r, r.object(o.load, 'workload.load')),
  };
}

function readFiltered(r: Reader, value: unknown, path: string): WorkloadSpec['search']['filtered'] {
  const o = r.object(value, path);
  r.unknownKeys(o, path, ['share', 'categories']);
  const share = r.num(o, 'share', path, 0);
  if (share < 0 || share > 1) r.fail(`${path}.share`, `must be between 0 and 1, got ${share}`, 'write e.g. 0.25 for a quarter of the probes');
  const categories = r.array(o.categories ?? [0, 1, 2], `${path}.categories`).map((c, i) => {
    if (typeof c !== 'number' || !Number.isInteger(c) || c < 0 || c > 9) {
      r.fail(`${path}.categories[${i}]`, `must be a category from 0 to 9, got ${describe(c)}`, 'use 0 (50% of rows), 1 (10%) or 2 (1%)');
      return 0;
    }
    return c;
  });
  return { share, categories };
}

function readChurn(r: Reader, o: Obj): NonNullable<WorkloadSpec['churn']> {
  const path = 'workload.churn';
  r.unknownKeys(o, path, ['deletesPerSecond', 'upsertsPerSecond']);
  const rate = (key: string): number => {
    const v = r.num(o, key, path, 0);
    if (v < 0 || v > 10_000) r.fail(`${path}.${key}`, `must be between 0 and 10000, got ${v}`, `set ${path}.${key} to a rate per second`);
    return v;
  };
  return { deletesPerSecond: rate('deletesPerSecond'), upsertsPerSecond: rate('upsertsPerSecond') };
}

function readLoad(r: Reader, o: Obj): NonNullable<WorkloadSpec['load']> {
  const path = 'workload.load';
  r.unknownKeys(o, path, ['rate', 'stages', 'maxVUs', 'timeout', 'writes']);
  const stages = r.array(o.stages, `${path}.stages`).map((v, i) => {
    const st = r.object(v, `${path}.stages[${i}]`);
    r.unknownKeys(st, `${path}.stages[${i}]`, ['target', 'duration']);
    return { target: r.int(st, 'target', `${path}.stages[${i}]`, undefined, 0, 100_000), duration: r.duration(st, 'duration', `${path}.stages[${i}]`, undefined, 1000) };
  });
  const writes = r.array(o.writes, `${path}.writes`).map((v, i) => readLoadWrite(r, r.object(v, `${path}.writes[${i}]`), `${path}.writes[${i}]`));
  const rate = r.int(o, 'rate', path, stages.length > 0 || writes.length > 0 ? 0 : undefined, 0, 100_000);
  if (rate === 0 && stages.length === 0 && writes.length === 0) {
    r.fail(`${path}.rate`, 'is 0, with no stages and no writes: the load drives nothing', `set ${path}.rate to searches per second, or remove ${path}`);
  }
  return { rate, stages, maxVUs: r.int(o, 'maxVUs', path, 32, 1, 1000), timeout: r.duration(o, 'timeout', path, 5_000, 10), writes };
}

function readLoadWrite(r: Reader, o: Obj, path: string): LoadWriteSpec {
  r.unknownKeys(o, path, ['op', 'rate', 'batchSize']);
  const rate = r.num(o, 'rate', path, undefined);
  if (rate <= 0 || rate > 1000) r.fail(`${path}.rate`, `must be between 0 (exclusive) and 1000 batches per second, got ${rate}`, `set ${path}.rate to batches per second, e.g. 2`);
  return { op: r.oneOf(o, 'op', path, LOAD_WRITE_OPS, undefined), rate, batchSize: r.int(o, 'batchSize', path, undefined, 1, 10_000) };
}

function readFault(r: Reader, value: unknown, path: string, faultPhaseMs: number): FaultSpec {
  const o = r.object(value, path);
  r.unknownKeys(o, path, ['name', 'kind', 'target', 'at', 'duration', 'params']);
  const kind = r.oneOf(o, 'kind', path, FAULT_KINDS, undefined);
  const target = r.object(o.target, `${path}.target`);
  if (o.target === undefined) r.fail(`${path}.target`, 'is required', `set ${path}.target to { role: 'standalone' }`);
  r.unknownKeys(target, `${path}.target`, ['role', 'mode', 'member', 'instance', 'coordinator']);
  const role = r.oneOf(target, 'role', `${path}.target`, ROLES, undefined);
  const mode = readMode(r, target.mode, `${path}.target.mode`);
  const at = r.duration(o, 'at', path, 0);
  const duration = r.duration(o, 'duration', path, undefined, 0);
  if (at + duration > faultPhaseMs) {
    r.fail(`${path}.duration`, `the fault runs until ${at + duration} ms but its phase lasts ${faultPhaseMs} ms`, 'shorten the fault (at + duration) or lengthen its phase');
  }
  // With an unknown kind there is no telling which params are right: report the kind alone.
  const rawParams = (FAULT_KINDS as readonly unknown[]).includes(o.kind) ? o.params : undefined;
  const details = readFaultDetails({ kind, role, rawMode: target.mode, rawMember: target.member, rawParams, duration, path });
  r.errors.push(...details.errors);
  const name = typeof o.name === 'string' ? o.name : `${kind}-${role}`;
  const faultTarget: FaultSpec['target'] = details.member === undefined ? { role, mode } : { role, mode, member: details.member };
  if (target.instance !== undefined) faultTarget.instance = r.str(target, 'instance', `${path}.target`, undefined);
  if (target.coordinator !== undefined) {
    faultTarget.coordinator = r.oneOf(target, 'coordinator', `${path}.target`, COORDINATOR_ROLES, undefined);
    if (role !== 'coordinator') r.fail(`${path}.target.coordinator`, `only applies to role 'coordinator', not '${role}'`, `remove ${path}.target.coordinator or set ${path}.target.role to 'coordinator'`);
  }
  return assembleFault({ name, target: faultTarget, at, duration }, kind, details.params);
}

function readMode(r: Reader, value: unknown, path: string): TargetMode {
  if (value === undefined || value === 'one' || value === 'all') return value ?? 'one';
  if (value && typeof value === 'object') {
    const o = value as Obj;
    if (typeof o.count === 'number' && Number.isInteger(o.count) && o.count >= 1) return { count: o.count };
    if (typeof o.percent === 'number' && o.percent > 0 && o.percent <= 100) return { percent: o.percent };
  }
  r.fail(path, `must be 'one', 'all', { count: N } or { percent: P }, got ${describe(value)}`, `set ${path} to 'one'`);
  return 'one';
}

function readSlo(r: Reader, value: unknown, path: string): SloSpec {
  const o = r.object(value, path);
  r.unknownKeys(o, path, ['name', 'kind', 'phase', 'percentile', 'op', 'threshold', 'abortOnBreach', 'window', 'min']);
  const kind = r.oneOf(o, 'kind', path, SLO_KINDS, undefined);
  const needsPhase = kind === 'recall' || kind === 'latency' || kind === 'errorRate';
  const phase = needsPhase ? r.str(o, 'phase', path, undefined) : null;
  const percentile = kind === 'latency' ? r.num(o, 'percentile', path, 99) : undefined;
  if (percentile !== undefined && !(SCORED_PERCENTILES as readonly number[]).includes(percentile)) {
    r.fail(`${path}.percentile`, `p${percentile} is not computed; the scorer computes ${SCORED_PERCENTILES.join(', ')}`, `set percentile to one of ${SCORED_PERCENTILES.join(', ')}`);
  }
  const window = readWindow(r, o, path, kind);
  const defaultOp = kind === 'recall' || kind === 'rollingAvailability' ? '>=' : '<=';
  const op = r.oneOf(o, 'op', path, ['<=', '>='] as const, defaultOp);
  if (window !== undefined && op !== '>=') r.fail(`${path}.op`, "a windowed recall SLO asks that the worst window stays at or above min, so its op is '>='", "remove op, or write op: '>='");
  const threshold = window !== undefined ? readThreshold(r, o, path, kind, 'min') : readThreshold(r, o, path, kind);
  if (kind === 'security' && o.abortOnBreach === true) r.fail(`${path}.abortOnBreach`, 'a security SLO is not watched during the run', "put a { gate: '<this SLO>' } step after a { action: 'security' } step to stop early (exit 4) when a probe got through");
  if (kind === 'security' && threshold !== 0) r.fail(`${path}.threshold`, `a security SLO allows no probe to get through, got ${describe(threshold)}`, 'write threshold: 0 or leave it out');
  if (kind === 'recall' && typeof threshold === 'number' && (threshold < 0 || threshold > 1)) {
    const key = window !== undefined ? 'min' : 'threshold';
    r.fail(`${path}.${key}`, `recall is a fraction between 0 and 1, got ${threshold}`, `write e.g. ${key}: 0.95 for 95%`);
  }
  const label = kind === 'latency' ? `p${percentile} latency` : window !== undefined ? `recall (worst ${window / 1000} s window)` : kind;
  const name = typeof o.name === 'string' ? o.name : phase ? `${phase} ${label}` : label;
  if (o.abortOnBreach !== undefined && typeof o.abortOnBreach !== 'boolean') {
    r.fail(`${path}.abortOnBreach`, `must be true or false, got ${describe(o.abortOnBreach)}`, 'write abortOnBreach: true to stop the run when this SLO is missed');
  }
  const slo: SloSpec = { name, kind, phase, op, threshold, abortOnBreach: o.abortOnBreach === true };
  if (percentile !== undefined) slo.percentile = percentile;
  if (window !== undefined) slo.window = window;
  return slo;
}

/**
 * A windowed recall SLO: `window` (at least 1 s) with `min`, the lowest mean recall any window may
 * have, instead of `threshold`. Returns the window, or undefined for an SLO without one.
 */
function readWindow(r: Reader, o: Obj, path: string, kind: SloSpec['kind']): number | undefined {
  if (o.window === undefined) {
    if (o.min !== undefined) r.fail(`${path}.min`, 'is the lowest recall a window may have, but the SLO has no window', kind === 'recall' ? "add window: '5s', or write threshold instead of min" : 'write threshold instead of min');
    return undefined;
  }
  if (kind !== 'recall') {
    r.fail(`${path}.window`, `only a recall SLO can be judged per window, not ${kind}`, `remove window, or set ${path}.kind to 'recall'`);
    return undefined;
  }
  if (o.threshold !== undefined) r.fail(`${path}.threshold`, 'a windowed recall SLO takes its threshold as min (the worst window must stay at or above it)', 'write min: 0.9 (or min: { phase: \'steady\', plus: -0.05 }) instead of threshold');
  if (o.abortOnBreach === true) r.fail(`${path}.abortOnBreach`, 'a windowed recall SLO is not watched during the run', "remove abortOnBreach, or add a { gate: '<this SLO>' } step after its phase");
  return r.duration(o, 'window', path, undefined, 1000);
}

function readThreshold(r: Reader, o: Obj, path: string, kind: SloSpec['kind'], key: 'threshold' | 'min' = 'threshold'): SloSpec['threshold'] {
  if (o[key] === null || typeof o[key] !== 'object') return r.num(o, key, path, kind === 'durability' || kind === 'security' || kind === 'upgrade' || kind === 'restore' ? 0 : undefined);
  const t = r.object(o[key], `${path}.${key}`);
  r.unknownKeys(t, `${path}.${key}`, ['phase', 'times', 'plus']);
  if (kind === 'durability' || kind === 'recoveryTime' || kind === 'security' || kind === 'downtime' || kind === 'upgrade' || kind === 'rebalanceTime' || kind === 'takeoverTime' || kind === 'rollingAvailability' || kind === 'rpoRows' || kind === 'rpoSeconds' || kind === 'rto' || kind === 'restore') {
    r.fail(`${path}.${key}`, `a ${kind} SLO has no phase to be relative to`, 'give a number');
  }
  return { phase: r.str(t, 'phase', `${path}.${key}`, undefined), times: r.num(t, 'times', `${path}.${key}`, 1), plus: r.num(t, 'plus', `${path}.${key}`, 0) };
}

function crossChecks(
  r: Reader,
  s: Pick<Scenario, 'collection' | 'dataset' | 'workload' | 'steps' | 'slos' | 'recovery' | 'stack' | 'expect'>,
): void {
  const pk = s.collection.partitionKey;
  if (pk && !s.collection.scalarFields.includes(pk.field)) {
    r.fail('collection.partitionKey.field', `'${pk.field}' is not among collection.scalarFields`, `add '${pk.field}' to collection.scalarFields`);
  }
  if (s.workload.search.topK > s.dataset.rows) {
    r.fail('workload.search.topK', `asks for ${s.workload.search.topK} results from ${s.dataset.rows} rows`, 'lower topK or raise dataset.rows');
  }
  const faults = scenarioFaults(s);
  const phases = phaseNames(s);
  const knownPhase = (phase: string, path: string): void => {
    if (!phases.includes(phase)) r.fail(path, `names phase '${phase}', which no step enters`, `use one of: ${phases.join(', ')}`);
  };
  const names = new Set<string>();
  s.slos.forEach((slo, i) => {
    if (names.has(slo.name)) r.fail(`slos[${i}].name`, `'${slo.name}' is used twice`, 'give each SLO its own name');
    names.add(slo.name);
    if (slo.kind === 'security' && !securityOn(s.stack.security)) {
      r.fail(`slos[${i}]`, 'a security SLO needs a stack with security on (nothing to probe)', "set stack.security.authorization: true and/or stack.security.tls: 'one-way' or 'mutual'");
    }
    if (slo.kind === 'recoveryTime' && faults.length === 0) {
      r.fail(`slos[${i}]`, 'a recoveryTime SLO needs at least one fault', 'declare a fault or remove this SLO');
    }
    if (slo.phase !== null) knownPhase(slo.phase, `slos[${i}].phase`);
    if (typeof slo.threshold === 'object') knownPhase(slo.threshold.phase, `slos[${i}].${slo.window === undefined ? 'threshold' : 'min'}.phase`);
    const every = s.workload.search.every;
    if (slo.window !== undefined && slo.window < 5 * every) {
      r.fail(`slos[${i}].window`, `${slo.window} ms holds fewer than 5 probe searches (one every ${every} ms), so a window could be empty by chance`, `set window to at least ${5 * every} ms ('${Math.ceil((5 * every) / 1000)}s'), or probe more often (workload.search.every)`);
    }
  });
  const queryNodes = QUERY_NODES[s.stack.topology];
  const replicas = s.collection.replicas ?? 1;
  if (replicas > queryNodes) {
    r.fail('collection.replicas', `asks for ${replicas} in-memory replicas, but the ${s.stack.topology} topology runs ${queryNodes} query node${queryNodes > 1 ? 's' : ''} and each replica needs one of its own`, s.stack.topology === 'standalone' ? "set collection.replicas to 1, or stack.topology to 'cluster' (2 query nodes)" : `set collection.replicas to at most ${queryNodes}`);
  }
  s.steps.forEach((st, i) => {
    if (st.step === 'gate') st.slos.forEach((n) => names.has(n) || r.fail(`steps[${i}].gate`, `names SLO '${n}', which slos does not declare`, `declare it in slos or use one of: ${[...names].join(', ')}`));
  });
  s.expect?.slos.forEach((n, i) => names.has(n) || n.startsWith('action:') || r.fail(`expect.slos[${i}]`, `names SLO '${n}', which slos does not declare`, `use one of: ${[...names].join(', ')}`));
  r.errors.push(...faultStackErrors(faults, s.stack), ...duplicateFaultNames(faults), ...versionPathErrors(s.stack.milvusVersion, s.steps));
  s.steps.forEach((st, i) => {
    if (st.step !== 'action' || st.spec.action !== 'scale') return;
    if (s.stack.topology !== 'cluster') r.fail(`steps[${i}].action`, "'scale' adds and removes query or data nodes, which only the cluster topology has (standalone is one process)", "set stack.topology to 'cluster', or remove this step");
    if (st.spec.target.role !== 'querynode' && st.spec.target.role !== 'datanode') r.fail(`steps[${i}].target.role`, `'${st.spec.target.role}' cannot be scaled; query nodes and data nodes can`, "set target.role to 'querynode' or 'datanode'");
    if (st.spec.replicas < 1) r.fail(`steps[${i}].replicas`, 'must be at least 1: a cluster with none of the role cannot serve', 'set replicas to 1 or more');
    else if (st.spec.target.role === 'querynode' && st.spec.replicas < replicas) {
      r.fail(`steps[${i}].replicas`, `${st.spec.replicas} query node${st.spec.replicas > 1 ? 's' : ''} cannot hold the collection's ${replicas} in-memory replicas (each needs a node of its own): a replica would be left with none`, `scale to at least ${replicas}, or lower collection.replicas`);
    }
  });
  r.errors.push(...coldSnapshotStepErrors(s.steps));
  s.steps.forEach((st, i) => {
    if (st.step === 'action' && st.spec.action === 'security' && !securityOn(s.stack.security)) {
      r.fail(`steps[${i}].action`, "'security' probes need a stack with security on", "set stack.security.authorization: true and/or stack.security.tls, or remove this step");
    }
  });
  s.slos.forEach((slo, i) => {
    const upgrades = s.steps.some((st) => st.step === 'action' && st.spec.action === 'upgrade');
    if ((slo.kind === 'downtime' || slo.kind === 'upgrade' || slo.kind === 'rollingAvailability') && !upgrades) r.fail(`slos[${i}]`, `a ${slo.kind} SLO needs an upgrade step`, "add a step { action: 'upgrade', version: '...' } or remove this SLO");
    const scales = s.steps.some((st) => st.step === 'action' && st.spec.action === 'scale' && st.spec.target.role === 'querynode');
    if (slo.kind === 'rebalanceTime' && !scales) r.fail(`slos[${i}]`, 'a rebalanceTime SLO needs a step that scales query nodes', "add a step { action: 'scale', target: { role: 'querynode' }, replicas: 4 } or remove this SLO");
    const restores = s.steps.some((st) => st.step === 'action' && st.spec.action === 'restore');
    if ((slo.kind === 'rpoRows' || slo.kind === 'rpoSeconds' || slo.kind === 'rto' || slo.kind === 'restore') && !restores) r.fail(`slos[${i}]`, `a ${slo.kind} SLO needs a restore step`, "add steps { action: 'backup' }, { action: 'destroy' }, { action: 'up' }, { action: 'restore' }, or remove this SLO");
  });
  const load = s.workload.load;
  const moves = s.steps.some((st) => st.step === 'action' && (st.spec.action === 'destroy' || st.spec.action === 'up'));
  if (load && moves) r.fail('workload.load', 'k6 load cannot follow a stack that a destroy or up step replaces', 'remove workload.load, or the destroy/up steps');
  if (load && load.writes.length > 0) {
    const durationMs = fixedLength(s) ?? longestLength(s);
    r.errors.push(...loadWriteProblems({ rows: s.dataset.rows, dim: s.dataset.dim, writes: load.writes, timeout: load.timeout, durationMs }));
  }
  if (s.stack.coordinators !== undefined && s.stack.coordinators !== 'mixture' && s.stack.topology !== 'cluster') {
    r.fail('stack.coordinators', `'${s.stack.coordinators}' needs the cluster topology (standalone runs every role in one process)`, "set stack.topology to 'cluster', or remove stack.coordinators");
  }
  if (s.stack.topology === 'cluster' && s.stack.messageQueue === 'rocksmq') {
    r.fail('stack.messageQueue', 'rocksmq cannot serve a cluster (Milvus needs a shared message queue)', "set stack.messageQueue to 'kafka' or 'pulsar'");
  }
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}


/** The known name within edit distance 2, for "did you mean" hints. */
function closest(word: string, options: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const option of options) {
    const d = editDistance(word.toLowerCase(), option.toLowerCase());
    if (d < bestDistance) {
      best = option;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}
