import { randomBytes, randomUUID } from 'node:crypto';
import type { FaultSpec } from '../../core/types.ts';
import type { DisposalStack } from '../../util/disposal.ts';
import { netemQueueBinary } from '../local/capabilities.ts';
import { networkAction } from '../local/faults.ts';
import { applyNetworkFault, type NetworkView } from '../local/netfault.ts';
import { runCommand, runUndo, type NetnsMember } from '../local/netns.ts';
import type { ContainerFaultContext } from './faults.ts';
import type { ContainerComponent } from './runtime.ts';

type NetworkFault = Extract<FaultSpec, { kind: `network-${string}` }>;

/**
 * Network faults inside a container's own network namespace, with the local platform's tools
 * (iptables, tc, and netem-queue over NFQUEUE, because this kernel has no netem qdisc). The
 * container's namespace gets a name (`ip netns attach`) for the fault's life; rules never touch
 * the host's namespace. Needs root on the engine's host (Podman here, or Docker on Linux).
 */
export async function applyContainerNetworkFault(ctx: ContainerFaultContext, fault: NetworkFault, targets: ContainerComponent[], undo: DisposalStack): Promise<void> {
  const view = await networkView(ctx);
  const peers = ctx.run.components.filter((c) => fault.params.peers.includes(c.role));
  for (const source of targets) {
    const namespace = `${ctx.run.prefix}-${source.name}-${randomBytes(2).toString('hex')}`;
    const detach = [['ip', 'netns', 'del', namespace]];
    const journalId = randomUUID();
    ctx.journal.add({ id: journalId, kind: 'netns', name: `netns of container ${source.name}`, undo: detach });
    await runCommand(['ip', 'netns', 'attach', namespace, String(await source.pid())]);
    undo.defer(async () => {
      const failures = await runUndo(detach);
      if (failures.length > 0) throw new AggregateError(failures, `could not detach ${namespace}`);
      ctx.journal.remove(journalId);
    });
    view.namespaces.set(source.name, namespace);
    const others = peers.filter((p) => p.name !== source.name).map((p) => p.name);
    if (fault.params.peers.length > 0 && others.length === 0) throw new Error(`no peer of ${source.name} has role ${fault.params.peers.join(' or ')}`);
    undo.use(
      await applyNetworkFault(
        { network: view.view, journal: ctx.journal, netemQueueBinary: netemQueueBinary(), logDir: ctx.logDir },
        { ...networkAction(fault), source: source.name, direction: fault.params.direction, ...(others.length > 0 ? { targets: others } : {}) },
      ),
    );
  }
}

/** The run's containers as a network of namespaces: each container's address on the run's network; the harness is the gateway. */
async function networkView(ctx: ContainerFaultContext): Promise<{ view: NetworkView; namespaces: Map<string, string> }> {
  const network = await ctx.run.docker.getNetwork(ctx.run.networkName).inspect();
  const gateway = (network.IPAM?.Config ?? []).map((c: { Gateway?: string }) => c.Gateway).find((g: string | undefined) => g && g.includes('.')) ?? null;
  const ips = new Map<string, string>();
  for (const c of ctx.run.components) {
    const info = await ctx.run.docker.getContainer(c.containerId).inspect();
    const ip = info.NetworkSettings.Networks[ctx.run.networkName]?.IPAddress;
    if (ip) ips.set(c.name, ip);
  }
  const namespaces = new Map<string, string>();
  const view: NetworkView = {
    components: [...ips.keys()],
    hostIp: gateway,
    member(component: string): NetnsMember {
      const ip = ips.get(component);
      if (!ip) throw new Error(`container ${component} has no address on ${ctx.run.networkName} (is it running?)`);
      return { component, namespace: namespaces.get(component) ?? `(${component} not attached)`, ip, device: 'eth0' };
    },
  };
  return { view, namespaces };
}
