// The kubectl, helm and kind commands the kind platform runs, as plain argv lists, and the opt-in
// rules that decide whether it may touch a cluster at all. Pure: the executor only runs these.
import type { ValidationError } from '../../scenario/validate.ts';
import { CHAOS_RESOURCES, MANAGED_BY, RUN_ID_LABEL, type ChaosObject } from './chaos.ts';
import { etcdPodName, milvusService, type KindDeployment } from './deployment.ts';
import { MILVUS_CHART_VERSION } from './stack.ts';

/** What the user named explicitly (CLI or scenario): nothing else is ever touched. */
export interface KubeOptIn {
  context: string;
  namespace: string;
  /** Required for a context that is not a kind cluster ('kind-*'): the user means a real cluster. */
  allowNonKindContext: boolean;
}

export interface Step {
  argv: string[];
  /** What the step is for, shown in progress and in errors. */
  purpose: string;
  /** Data piped to the command's stdin (manifests for `kubectl apply -f -`). */
  stdin?: string;
  /** Exit codes other than 0 are failures, unless stderr matches this (e.g. AlreadyExists). */
  tolerate?: RegExp;
}

const PROTECTED_NAMESPACES = /^(kube-.*|default|chaos-mesh|chaos-testing)$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Checks the opt-in before anything runs; `currentContext` is what kubectl reports now. */
export function optInErrors(optIn: Partial<KubeOptIn>, currentContext: string | null): ValidationError[] {
  const errors: ValidationError[] = [];
  if (!optIn.context) {
    errors.push({ path: 'kube.context', message: 'no Kubernetes context was named', fix: 'pass --kube-context kind-milvus-drill (the context to use, named explicitly)' });
  } else {
    if (currentContext !== optIn.context) {
      errors.push({ path: 'kube.context', message: `kubectl's current context is '${currentContext ?? 'unset'}', not the named '${optIn.context}'`, fix: `run 'kubectl config use-context ${optIn.context}' if that is the cluster you mean` });
    }
    if (!optIn.context.startsWith('kind-') && !optIn.allowNonKindContext) {
      errors.push({ path: 'kube.context', message: `'${optIn.context}' is not a kind cluster`, fix: 'pass --allow-non-kind-context as well if you really mean to inject faults into this cluster' });
    }
  }
  if (!optIn.namespace) {
    errors.push({ path: 'kube.namespace', message: 'no namespace was named', fix: 'pass --namespace milvus-drill (a namespace used only for drills)' });
  } else if (!DNS_LABEL.test(optIn.namespace) || optIn.namespace.length > 63) {
    errors.push({ path: 'kube.namespace', message: `'${optIn.namespace}' is not a valid namespace name`, fix: 'use lower-case letters, digits and dashes, e.g. milvus-drill' });
  } else if (PROTECTED_NAMESPACES.test(optIn.namespace)) {
    errors.push({ path: 'kube.namespace', message: `'${optIn.namespace}' is a shared or system namespace`, fix: 'use a namespace of its own for drills, e.g. milvus-drill' });
  }
  return errors;
}

export const currentContextStep: Step = { argv: ['kubectl', 'config', 'current-context'], purpose: 'read the current kubectl context' };

function kubectl(optIn: KubeOptIn, ...args: string[]): string[] {
  return ['kubectl', '--context', optIn.context, '--namespace', optIn.namespace, ...args];
}

function helm(optIn: KubeOptIn, ...args: string[]): string[] {
  return ['helm', '--kube-context', optIn.context, '--namespace', optIn.namespace, ...args];
}

export interface UpOptions {
  deployment: KindDeployment;
  /** Path of the rendered Helm values (JSON) or Milvus resource (JSON). */
  manifestFile: string;
  /** Helm chart reference, e.g. 'milvus/milvus' after `helm repo add milvus <repo URL>`. */
  chart: string;
  /** Create the kind cluster from kind-config.yaml first; null when it exists already. */
  createCluster: { name: string; configFile: string } | null;
  timeoutMinutes: number;
}

/** Stands the stack up: optional cluster, namespace, prerequisites, Milvus, readiness. */
export function planUp(optIn: KubeOptIn, o: UpOptions): Step[] {
  const steps: Step[] = [];
  if (o.createCluster) {
    steps.push({ argv: ['kind', 'create', 'cluster', '--name', o.createCluster.name, '--config', o.createCluster.configFile], purpose: 'create the kind cluster', tolerate: /already exist/ });
  }
  steps.push(
    { argv: ['kubectl', '--context', optIn.context, 'create', 'namespace', optIn.namespace], purpose: 'create the drill namespace', tolerate: /AlreadyExists/ },
    { argv: kubectl(optIn, 'get', 'crd', ...Object.values(CHAOS_RESOURCES).map((r) => `${r}.chaos-mesh.org`)), purpose: 'check that Chaos Mesh is installed (see docs/faults.md to install it)' },
  );
  const timeout = `${o.timeoutMinutes}m`;
  if (o.deployment.method === 'helm') {
    steps.push({
      argv: helm(optIn, 'upgrade', '--install', o.deployment.name, o.chart, '--version', MILVUS_CHART_VERSION, '--values', o.manifestFile, '--wait', '--timeout', timeout),
      purpose: `install Milvus (chart ${MILVUS_CHART_VERSION}) and wait for it`,
    });
  } else {
    steps.push(
      { argv: kubectl(optIn, 'get', 'crd', 'milvuses.milvus.io'), purpose: 'check that the Milvus Operator is installed' },
      { argv: kubectl(optIn, 'apply', '--validate=strict', '-f', o.manifestFile), purpose: 'create the Milvus resource' },
      { argv: kubectl(optIn, 'wait', '--for=condition=MilvusReady', `milvus/${o.deployment.name}`, `--timeout=${timeout}`), purpose: 'wait for the operator to report Milvus ready' },
    );
  }
  return steps;
}

/** A long-running port-forward to Milvus' gRPC port; the executor owns and stops the process. */
export function portForwardArgv(optIn: KubeOptIn, deployment: KindDeployment, localPort: number): string[] {
  return kubectl(optIn, 'port-forward', `svc/${milvusService(deployment)}`, `${localPort}:19530`, '--address', '127.0.0.1');
}

/** Injects: apply the objects, then wait until Chaos Mesh reports every one injected. */
export function planInject(optIn: KubeOptIn, objects: readonly ChaosObject[], timeoutSeconds = 60): Step[] {
  return objects.flatMap((obj) => [
    { argv: kubectl(optIn, 'apply', '--validate=strict', '-f', '-'), stdin: JSON.stringify(obj), purpose: `create ${obj.kind} ${obj.metadata.name}` },
    {
      argv: kubectl(optIn, 'wait', '--for=condition=AllInjected=true', `${CHAOS_RESOURCES[obj.kind]}/${obj.metadata.name}`, `--timeout=${timeoutSeconds}s`),
      purpose: `wait until ${obj.metadata.name} is injected`,
    },
  ]);
}

/** Heals: deleting a Chaos Mesh object recovers its fault; wait for the deletion to finish. */
export function planHeal(optIn: KubeOptIn, objects: readonly ChaosObject[]): Step[] {
  return objects.map((obj) => ({
    argv: kubectl(optIn, 'delete', `${CHAOS_RESOURCES[obj.kind]}/${obj.metadata.name}`, '--ignore-not-found', '--wait=true'),
    purpose: `heal ${obj.metadata.name}`,
  }));
}

/** Removes chaos objects left by a run (or by every run when runId is null), by label. */
export function planReap(optIn: KubeOptIn, runId: string | null): Step {
  const labels = Object.entries({ ...MANAGED_BY, ...(runId ? { [RUN_ID_LABEL]: runId } : {}) }).map(([k, v]) => `${k}=${v}`);
  return {
    argv: kubectl(optIn, 'delete', Object.values(CHAOS_RESOURCES).join(','), '--selector', labels.join(','), '--ignore-not-found', '--wait=true'),
    purpose: runId ? `delete the chaos objects of run ${runId}` : 'delete chaos objects left by any milvus-drill run',
  };
}

export interface DownOptions {
  deployment: KindDeployment;
  runId: string;
  keepVolumes: boolean;
  /** Delete the kind cluster too (only one the platform created). */
  deleteCluster: string | null;
}

/** Tears everything down, faults first so that nothing is left injected into a dying stack. */
export function planDown(optIn: KubeOptIn, o: DownOptions): Step[] {
  const steps: Step[] = [planReap(optIn, o.runId)];
  if (o.deployment.method === 'helm') {
    steps.push({ argv: helm(optIn, 'uninstall', o.deployment.name, '--wait'), purpose: 'uninstall Milvus', tolerate: /not found/ });
    if (!o.keepVolumes) {
      // The chart leaves its StatefulSets' volumes behind; they carry either label style.
      for (const selector of [`app.kubernetes.io/instance=${o.deployment.name}`, `release=${o.deployment.name}`]) {
        steps.push({ argv: kubectl(optIn, 'delete', 'pvc', '--selector', selector, '--ignore-not-found', '--wait=true'), purpose: `delete volumes labelled ${selector}` });
      }
    }
  } else {
    // The resource's dependency deletion policy (rendered from keepVolumes) decides about volumes.
    steps.push({ argv: kubectl(optIn, 'delete', `milvus/${o.deployment.name}`, '--ignore-not-found', '--wait=true'), purpose: 'delete the Milvus resource' });
  }
  if (o.deleteCluster) steps.push({ argv: ['kind', 'delete', 'cluster', '--name', o.deleteCluster], purpose: 'delete the kind cluster' });
  return steps;
}

/** Asks member 0 for the status of every member; parseEtcdLeader reads the answer. */
export function etcdLeaderLookup(optIn: KubeOptIn, deployment: KindDeployment): Step {
  return {
    argv: kubectl(optIn, 'exec', etcdPodName(deployment, 0), '--container', 'etcd', '--', 'etcdctl', 'endpoint', 'status', '--cluster', '--write-out', 'json'),
    purpose: 'find the etcd leader',
  };
}

interface EtcdEndpointStatus {
  Endpoint: string;
  Status: { header: { member_id: number | string }; leader: number | string };
}

/**
 * The pod of the leader, from `etcdctl endpoint status --cluster -w json`: the endpoint whose
 * member id equals the leader id (the bitnami chart's endpoints are http://<pod>.<service>:2379).
 */
export function parseEtcdLeader(stdout: string): string | null {
  let statuses: EtcdEndpointStatus[];
  try {
    // Member ids are 64-bit: quote them before JSON.parse rounds them to doubles.
    statuses = JSON.parse(stdout.replace(/("(?:member_id|leader)":\s*)(\d+)/g, '$1"$2"')) as EtcdEndpointStatus[];
  } catch {
    return null;
  }
  if (!Array.isArray(statuses)) return null;
  const leader = statuses.find((s) => String(s.Status?.header?.member_id) === String(s.Status?.leader));
  if (!leader) return null;
  const host = /^\w+:\/\/([^:/]+)/.exec(leader.Endpoint)?.[1];
  return host ? (host.split('.')[0] ?? null) : null;
}
