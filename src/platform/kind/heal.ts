// `heal` for the kind platform: deletes what a crashed run left in Kubernetes (its chaos objects
// first, so faults recover, then its stack, then its namespace if the run created it), by label.
import type { KubeJournal } from '../../supervise/journal.ts';
import { Kube } from './kube.ts';
import { deleteRun } from './platform.ts';

/** Returns 1 if the objects could not be deleted (the cluster is unreachable counts as gone). */
export async function healKube(entry: KubeJournal, log: (line: string) => void): Promise<number> {
  let kube: Kube;
  try {
    kube = new Kube({ kubeconfig: entry.kubeconfig, context: entry.context });
  } catch (err) {
    log(`kube objects of run ${entry.runId}: context gone (${(err as Error).message}); nothing to delete`);
    return 0;
  }
  try {
    await deleteRun(kube, entry.namespace, entry.runId, entry.ownsNamespace, (line) => log(`undone: ${line}`));
    return 0;
  } catch (err) {
    const message = (err as Error).message;
    if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH/.test(message + String((err as Error).cause ?? ''))) {
      log(`kube objects of run ${entry.runId}: the cluster ${entry.context} is not running; nothing left there`);
      return 0;
    }
    log(`FAILED to delete the objects of run ${entry.runId} in ${entry.context}/${entry.namespace}: ${message}`);
    return 1;
  }
}
