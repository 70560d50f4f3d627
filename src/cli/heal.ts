import { existsSync, lstatSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT } from '../core/types.ts';
import { isRunWorkDir, ownerAlive, processStartTicks, readLeftoverJournals, WORK_DIR_PREFIX, type JournalEntry, type LeftoverJournal } from '../supervise/journal.ts';
import { stateDir } from '../supervise/home.ts';
import { removeStaleReservations } from '../util/ports.ts';
import { parseArgs } from './args.ts';
import { removeLeftovers } from '../platform/containers/labels.ts';
import { healKube } from '../platform/kind/heal.ts';

/**
 * Stops what crashed runs left behind: processes (pid and start time must match) and faults from
 * the journals, then their work directories, once nothing of any crashed run can still write into
 * them; then containers, volumes and networks labelled by a run whose harness is gone.
 */
export async function healCommand(argv: string[]): Promise<number> {
  // --platform is accepted for symmetry with run; heal always looks at every platform's leftovers.
  parseArgs(argv, { platform: 'value' });
  const stalePorts = removeStaleReservations();
  if (stalePorts > 0) console.log(`released ${stalePorts} port reservations of harnesses that were killed`);
  const journals = await healJournals();
  const containers = removeLeftovers();
  for (const line of containers.lines) console.log(line);
  if (journals.healed === 0 && containers.lines.length === 0) console.log('nothing to heal: no run left anything behind');
  return journals.failures + containers.failures === 0 ? EXIT.pass : EXIT.harness;
}

async function healJournals(): Promise<{ healed: number; failures: number }> {
  const all = readLeftoverJournals(stateDir());
  for (const j of all.filter(ownerAlive)) console.log(`run ${j.runId} is still in progress (pid ${j.owner!.pid}): left alone`);
  const journals = all.filter((j) => !ownerAlive(j));
  let failures = 0;
  for (const j of journals) failures += await stopEntries(j);
  for (const j of journals) {
    for (const e of j.entries) if (e.kind === 'workdir') failures += removeWorkDir(j.runId, e);
    rmSync(j.file, { force: true });
  }
  return { healed: journals.length, failures };
}

/** Kills a journal's processes and undoes its faults, newest first; returns how many undo steps failed. */
async function stopEntries(j: LeftoverJournal): Promise<number> {
  let failures = 0;
  console.log(`run ${j.runId}:`);
  for (const e of [...j.entries].reverse()) {
    if (e.kind === 'kube' && e.kube) failures += await healKube(e.kube, (line) => console.log(`  ${line}`));
    if (e.kind === 'process' && e.pid !== undefined) {
      if (processStartTicks(e.pid) !== e.startTicks) {
        console.log(`  ${e.name} (pid ${e.pid}) already gone`);
        continue;
      }
      try {
        process.kill(-e.pid, 'SIGKILL');
      } catch {
        process.kill(e.pid, 'SIGKILL');
      }
      console.log(`  killed ${e.name} (pid ${e.pid})`);
    }
    for (const cmd of e.undo ?? []) {
      if (alreadyUndone(cmd)) {
        console.log(`  already gone: ${cmd.join(' ')}`);
        continue;
      }
      const r = spawnSync(cmd[0]!, cmd.slice(1), { stdio: 'ignore' });
      if (r.status !== 0) failures++;
      console.log(`  ${r.status === 0 ? 'undone' : 'FAILED'}: ${cmd.join(' ')}`);
    }
  }
  return failures;
}

/** An undo whose target is gone already: deleting a network namespace that no longer exists. */
function alreadyUndone(cmd: readonly string[]): boolean {
  const [ip, netns, verb, name] = cmd;
  return ip === 'ip' && netns === 'netns' && verb === 'del' && cmd.length === 4 && !existsSync(join('/run/netns', name!));
}

/** Removes a run's work directory, and nothing but one (the safety check); returns 1 if it refused or failed. */
function removeWorkDir(runId: string, e: JournalEntry): number {
  const path = e.path ?? '';
  if (!isRunWorkDir(path)) {
    console.log(`run ${runId}: REFUSED to remove ${JSON.stringify(path)}: not a run's work directory (${join(tmpdir(), WORK_DIR_PREFIX)}*); remove it by hand if it is one`);
    return 1;
  }
  let isDirectory: boolean;
  try {
    isDirectory = lstatSync(path).isDirectory();
  } catch {
    console.log(`run ${runId}: work directory ${path} already gone`);
    return 0;
  }
  if (!isDirectory) {
    console.log(`run ${runId}: REFUSED to remove ${path}: not a directory`);
    return 1;
  }
  try {
    // Retries: a process killed a moment ago may still be finishing a write into it.
    rmSync(path, { recursive: true, force: true, maxRetries: 5 });
  } catch (err) {
    console.log(`run ${runId}: FAILED to remove work directory ${path}: ${(err as Error).message}`);
    return 1;
  }
  console.log(`run ${runId}: removed work directory ${path}`);
  return 0;
}
