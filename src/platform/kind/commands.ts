// The opt-in rules that decide whether the kind platform may touch a cluster at all, and the etcd
// leader read from `etcdctl endpoint status`. Pure. (The platform talks to the API server through
// @kubernetes/client-node: kube.ts.)
import type { ValidationError } from '../../scenario/validate.ts';

/** What the user named explicitly (CLI or scenario): nothing else is ever touched. */
export interface KubeOptIn {
  context: string;
  namespace: string;
  /** Required for a context that is not a kind cluster ('kind-*'): the user means a real cluster. */
  allowNonKindContext: boolean;
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
  errors.push(...namespaceErrors(optIn.namespace));
  return errors;
}

/** A namespace drills may use: named, valid, and not shared or system. */
export function namespaceErrors(namespace: string | undefined): ValidationError[] {
  if (!namespace) return [{ path: 'kube.namespace', message: 'no namespace was named', fix: 'pass --namespace milvus-drill (a namespace used only for drills)' }];
  if (!DNS_LABEL.test(namespace) || namespace.length > 63) {
    return [{ path: 'kube.namespace', message: `'${namespace}' is not a valid namespace name`, fix: 'use lower-case letters, digits and dashes, e.g. milvus-drill' }];
  }
  if (PROTECTED_NAMESPACES.test(namespace)) {
    return [{ path: 'kube.namespace', message: `'${namespace}' is a shared or system namespace`, fix: 'use a namespace of its own for drills, e.g. milvus-drill' }];
  }
  return [];
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
