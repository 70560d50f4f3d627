// The kind cluster made from the node image built here: its config (rendered, since the image is
// named by its build key) and the environment kind runs with. Pure.
export const DRILL_CLUSTER_NAME = 'drill-kind';

export interface LocalClusterOptions {
  name: string;
  nodeImage: string;
  /** Worker nodes beside the control plane; 0 until pods can reach each other across nodes (see node-plan.ts). */
  workers: number;
}

/** A kind config for the built node image. */
export function renderLocalKindConfig(o: LocalClusterOptions): string {
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(o.name)) throw new Error(`cluster name '${o.name}' must be lower-case letters, digits and dashes`);
  if (!Number.isInteger(o.workers) || o.workers < 0) throw new Error(`workers must be a whole number ≥ 0, not ${o.workers}`);
  const roles = ['control-plane', ...Array.from({ length: o.workers }, () => 'worker')];
  return [
    '# rendered by milvus-drill for the node image that npm run setup:kind built',
    'kind: Cluster',
    'apiVersion: kind.x-k8s.io/v1alpha4',
    `name: ${o.name}`,
    'networking:',
    '  podSubnet: 10.244.0.0/16',
    'nodes:',
    ...roles.flatMap((role) => [`  - role: ${role}`, `    image: ${o.nodeImage}`]),
    '',
  ].join('\n');
}

/** kind's environment: the Podman provider, which is what this machine has. */
export function kindEnv(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...base, KIND_EXPERIMENTAL_PROVIDER: 'podman' };
}

/** The kubeconfig context kind gives a cluster. */
export function kindContext(name: string): string {
  return `kind-${name}`;
}
