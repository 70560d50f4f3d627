import { rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { EXIT } from '../core/types.ts';
import { ownerAlive, processStartTicks, readLeftoverJournals } from '../supervise/journal.ts';
import { stateDir } from '../supervise/home.ts';
import { parseArgs } from './args.ts';
import { removeLeftovers } from '../platform/containers/labels.ts';

/**
 * Stops what crashed runs left behind: processes (pid and start time must match) and faults from
 * the journals, then containers, volumes and networks labelled by a run whose harness is gone.
 */
export async function healCommand(argv: string[]): Promise<number> {
  parseArgs(argv, {});
  const journals = healJournals();
  const containers = removeLeftovers();
  for (const line of containers.lines) console.log(line);
  if (journals.healed === 0 && containers.lines.length === 0) console.log('nothing to heal: no run left anything behind');
  const journalFailures = journals.failures;
  return journalFailures + containers.failures === 0 ? EXIT.pass : EXIT.harness;
}

function healJournals(): { healed: number; failures: number } {
  const all = readLeftoverJournals(stateDir());
  for (const j of all.filter(ownerAlive)) console.log(`run ${j.runId} is still in progress (pid ${j.owner!.pid}): left alone`);
  const journals = all.filter((j) => !ownerAlive(j));
  if (journals.length === 0) return { healed: 0, failures: 0 };
  let failures = 0;
  for (const j of journals) {
    console.log(`run ${j.runId}:`);
    for (const e of [...j.entries].reverse()) {
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
        const r = spawnSync(cmd[0]!, cmd.slice(1), { stdio: 'ignore' });
        if (r.status !== 0) failures++;
        console.log(`  ${r.status === 0 ? 'undone' : 'FAILED'}: ${cmd.join(' ')}`);
      }
    }
    rmSync(j.file, { force: true });
  }
  return { healed: journals.length, failures };
}
