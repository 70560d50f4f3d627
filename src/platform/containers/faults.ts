import { randomUUID } from 'node:crypto';
import type { ActiveFault } from '../../core/platform.ts';
import type { FaultSpec } from '../../core/types.ts';
import type { Journal } from '../../supervise/journal.ts';
import { DisposalStack } from '../../util/disposal.ts';
import { applyAndHold, pickTargets } from '../local/faults.ts';
import type { ContainerComponent, ContainerRun } from './runtime.ts';
import { applyContainerNetworkFault } from './netfault.ts';

export interface ContainerFaultContext {
  run: ContainerRun;
  journal: Journal;
  /** Where helper processes (netem-queue) write their logs. */
  logDir: string;
  etcdLeader(): Promise<string>;
  /** The run's seed: 'one', count and percent draw their targets from it. */
  seed: number;
}

/** The containers a fault hits: by role and mode, or for etcd the current leader or a quorum. */
export function containerTargets(ctx: ContainerFaultContext, fault: FaultSpec): Promise<ContainerComponent[]> {
  return pickTargets(ctx.run.components, fault, ctx);
}

/** Applies a fault now; it heals after fault.duration, when the run's signal aborts, or when disposed. */
export async function startContainerFault(ctx: ContainerFaultContext, fault: FaultSpec, signal: AbortSignal): Promise<ActiveFault> {
  const targets = await containerTargets(ctx, fault);
  return applyAndHold(fault, targets, (undo) => apply(ctx, fault, targets, undo), signal);
}

/** The CLI command that would undo a fault on a container after a crash (`heal` runs it before removing the run's containers). */
function cliUndo(ctx: ContainerFaultContext, verb: string, id: string): string[] {
  const engine = ctx.run.engine;
  return engine.cli === 'podman' ? ['podman', verb, id] : ['docker', '-H', engine.dockerHost, verb, id];
}

async function apply(ctx: ContainerFaultContext, fault: FaultSpec, targets: ContainerComponent[], undo: DisposalStack): Promise<void> {
  switch (fault.kind) {
    case 'pod-kill':
    case 'pod-failure':
    case 'container-kill':
      // The container is killed (SIGKILL) and started again on its volume after the duration.
      await Promise.all(targets.map((t) => t.kill()));
      undo.defer(async () => {
        for (const t of targets) if (!(await t.running())) await t.start();
      });
      return;
    case 'pause':
      for (const t of targets) {
        const id = randomUUID();
        ctx.journal.add({ id, kind: 'fault', name: `pause ${t.name}`, undo: [cliUndo(ctx, 'unpause', t.containerId)] });
        await t.pause();
        undo.defer(async () => {
          await t.unpause();
          ctx.journal.remove(id);
        });
      }
      return;
    case 'network-delay':
    case 'network-loss':
    case 'network-duplicate':
    case 'network-corrupt':
    case 'network-bandwidth':
    case 'network-partition':
      await applyContainerNetworkFault(ctx, fault, targets, undo);
      return;
    case 'disk-fill':
      for (const t of targets) {
        if (!t.dataVolume) throw new Error(`${t.name} has no size-bounded data volume to fill`);
        undo.use(await t.dataVolume.fill(ctx.journal));
      }
      return;
    default:
      throw new Error(`'${fault.kind}' is not implemented on the containers platform`);
  }
}
