import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { processStartTicks } from '../../supervise/journal.ts';

/**
 * Every container, network and volume a run creates carries these labels. testcontainers' reaper
 * (Ryuk) is an image from a public registry, which cannot be pulled here, so it is disabled:
 * teardown removes what the run made, and `milvus-drill heal` removes by label what a crashed
 * run left (its owner, the harness process, is gone).
 */
export const LABEL_MANAGED = 'io.milvus-drill.managed';
export const LABEL_RUN = 'io.milvus-drill.run-id';
/** pid:startTicks of the harness that made it; heal leaves things of a live harness alone. */
export const LABEL_OWNER = 'io.milvus-drill.owner';
export const LABEL_COMPONENT = 'io.milvus-drill.component';

export function runLabels(runId: string): Record<string, string> {
  return { [LABEL_MANAGED]: 'true', [LABEL_RUN]: runId, [LABEL_OWNER]: `${process.pid}:${processStartTicks(process.pid) ?? 0}` };
}

/** A short, name-safe prefix for a run's containers, networks and volumes. */
export function runPrefix(runId: string): string {
  return `drill-${createHash('sha256').update(runId).digest('hex').slice(0, 10)}`;
}

export function ownerAliveFromLabel(owner: string | undefined): boolean {
  if (!owner) return false;
  const [pid, ticks] = owner.split(':').map(Number);
  return pid !== undefined && pid !== process.pid && processStartTicks(pid) === ticks;
}

export interface LabelledObject {
  kind: 'container' | 'network' | 'volume';
  name: string;
  runId: string;
  owner: string | undefined;
}

type Cli = 'podman' | 'docker';

function cliWorks(cli: Cli): boolean {
  return spawnSync(cli, cli === 'docker' ? ['info', '--format', '{{.ID}}'] : ['--version'], { stdio: 'ignore', timeout: 15_000 }).status === 0;
}

function listJson(cli: Cli, args: string[]): Record<string, unknown>[] {
  const r = spawnSync(cli, args, { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`${cli} ${args.join(' ')} failed: ${r.stderr.trim()}`);
  const out = r.stdout.trim();
  if (!out) return [];
  // podman prints a JSON array; docker one JSON object per line.
  return out.startsWith('[') ? (JSON.parse(out) as Record<string, unknown>[]) : out.split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
}

function labelsOf(item: Record<string, unknown>): Record<string, string> {
  const labels = item.Labels ?? item.labels;
  if (typeof labels === 'string') return Object.fromEntries(labels.split(',').filter(Boolean).map((kv) => kv.split('=', 2) as [string, string]));
  return (labels as Record<string, string> | null) ?? {};
}

/** Everything labelled by milvus-drill in the engine that `cli` drives. */
export function listLabelled(cli: Cli): LabelledObject[] {
  const filter = `label=${LABEL_MANAGED}=true`;
  const objects: LabelledObject[] = [];
  const add = (kind: LabelledObject['kind'], items: Record<string, unknown>[], nameOf: (i: Record<string, unknown>) => string): void => {
    for (const item of items) {
      const labels = labelsOf(item);
      if (labels[LABEL_MANAGED] !== 'true') continue;
      objects.push({ kind, name: nameOf(item), runId: labels[LABEL_RUN] ?? '?', owner: labels[LABEL_OWNER] });
    }
  };
  const names = (i: Record<string, unknown>): string => {
    const n = i.Names ?? i.Name ?? i.name;
    return Array.isArray(n) ? String(n[0]) : String(n);
  };
  add('container', listJson(cli, ['ps', '-a', '--filter', filter, '--format', cli === 'podman' ? 'json' : '{{json .}}']), names);
  add('network', listJson(cli, ['network', 'ls', '--filter', filter, '--format', cli === 'podman' ? 'json' : '{{json .}}']), names);
  add('volume', listJson(cli, ['volume', 'ls', '--filter', filter, '--format', cli === 'podman' ? 'json' : '{{json .}}']), names);
  return objects;
}

/**
 * Removes every labelled container, then volume, then network whose harness is gone, in each
 * engine reachable by CLI. Returns a line per object and the number of failures.
 */
export function removeLeftovers(): { lines: string[]; failures: number } {
  const lines: string[] = [];
  let failures = 0;
  for (const cli of ['podman', 'docker'] as const) {
    if (!cliWorks(cli)) continue;
    let objects: LabelledObject[];
    try {
      objects = listLabelled(cli);
    } catch (err) {
      lines.push(`  ${cli}: cannot list labelled objects: ${(err as Error).message}`);
      failures++;
      continue;
    }
    const live = objects.filter((o) => ownerAliveFromLabel(o.owner));
    for (const runId of new Set(live.map((o) => o.runId))) lines.push(`  ${cli}: run ${runId} is still in progress: its containers are left alone`);
    const dead = objects.filter((o) => !ownerAliveFromLabel(o.owner));
    for (const kind of ['container', 'volume', 'network'] as const) {
      for (const o of dead.filter((d) => d.kind === kind)) {
        const args = kind === 'container' ? ['rm', '-f', '-v', o.name] : [kind, 'rm', ...(kind === 'volume' ? ['-f'] : []), o.name];
        const r = spawnSync(cli, args, { encoding: 'utf8', timeout: 120_000 });
        if (r.status !== 0) failures++;
        lines.push(`  ${r.status === 0 ? 'removed' : 'FAILED to remove'} ${kind} ${o.name} (run ${o.runId}, ${cli})${r.status === 0 ? '' : `: ${r.stderr.trim()}`}`);
      }
    }
  }
  return { lines, failures };
}
