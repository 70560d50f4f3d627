// The Kubernetes objects that install Chaos Mesh on a kind cluster built here, as typed plain
// objects: our own rendering of what upstream's Helm chart installs (controller-manager, chaos-daemon,
// RBAC, services, the admission webhooks with a certificate made at install time), with the images
// `npm run setup:kind` built and the values this platform needs. The CRDs are the built module's own,
// read from the JSON files setup wrote (readChaosMeshCrds). Pure apart from that read.
import { readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { PAUSE_VERSION } from './build-plan.ts';

export const CHAOS_MESH_NAMESPACE = 'chaos-mesh';
export const CHAOS_MESH_LABELS = { 'app.kubernetes.io/managed-by': 'milvus-drill', 'app.kubernetes.io/part-of': 'chaos-mesh' } as const;

/** Names the controller and daemon find each other and the webhooks by (upstream's, kept: the controller looks for `chaos-daemon-*` endpoint slices). */
export const CHAOS_CONTROLLER_NAME = 'chaos-controller-manager';
export const CHAOS_DAEMON_NAME = 'chaos-daemon';
export const CHAOS_WEBHOOK_SERVICE = 'chaos-mesh-controller-manager';
export const CHAOS_WEBHOOK_SECRET = 'chaos-mesh-webhook-certs';
export const CHAOS_MUTATION_WEBHOOK = 'chaos-mesh-mutation';
export const CHAOS_VALIDATION_WEBHOOK = 'chaos-mesh-validation';
export const CHAOS_DAEMON_GRPC_PORT = 31767;
export const CHAOS_DAEMON_HTTP_PORT = 31766;
const WEBHOOK_PORT = 10250;
const METRICS_PORT = 10080;

/**
 * The resources upstream's chart registers admission webhooks for (values.yaml webhook.CRDS), each
 * served at /mutate-chaos-mesh-org-v1alpha1-<name> and /validate-…; the resource is its plural.
 * Left out: remotecluster, whose rule upstream names `remotecluster` (the plural is remoteclusters),
 * so it never matches there either.
 */
export const CHAOS_WEBHOOK_KINDS: readonly { name: string; resource: string }[] = [
  'podchaos', 'iochaos', 'timechaos', 'networkchaos', 'kernelchaos', 'stresschaos', 'awschaos', 'azurechaos', 'gcpchaos',
  'dnschaos', 'jvmchaos', 'httpchaos', 'blockchaos', 'physicalmachinechaos',
].map((name) => ({ name, resource: name }))
  .concat(['schedule', 'workflow', 'physicalmachine', 'statuscheck'].map((name) => ({ name, resource: `${name}s` })));

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels: Record<string, string>;
  annotations?: Record<string, string>;
}

import type { KubeObject } from './manifests.ts';

export type { KubeObject };

/** PEM text of the webhook server's certificate, its key and the CA that signed it (makeWebhookTls). */
export interface ChaosMeshTls {
  caCert: string;
  cert: string;
  key: string;
}

export interface ChaosMeshInstallOptions {
  /** Default chaos-mesh (one of the namespaces drills never run in). */
  namespace?: string;
  controllerImage: string;
  daemonImage: string;
  runtime: 'containerd';
  /** The runtime's socket on the node: /run/containerd/containerd.sock on kind nodes. */
  socketPath: string;
  /**
   * The controller always serves its admission webhooks (it exits without a certificate), and the
   * webhooks are what fill in Chaos Mesh's defaults: both need this.
   */
  tls: ChaosMeshTls;
  /** The image PodChaos pod-failure swaps in: the pause image every kind node here holds. */
  podFailurePauseImage?: string;
}

export const KIND_CONTAINERD_SOCKET = '/run/containerd/containerd.sock';

/** DNS names the webhook certificate must carry: the service the API server calls. */
export function webhookDnsNames(namespace = CHAOS_MESH_NAMESPACE): string[] {
  return [CHAOS_WEBHOOK_SERVICE, `${CHAOS_WEBHOOK_SERVICE}.${namespace}`, `${CHAOS_WEBHOOK_SERVICE}.${namespace}.svc`, `${CHAOS_WEBHOOK_SERVICE}.${namespace}.svc.cluster.local`];
}

function meta(name: string, component: string, namespace?: string): ObjectMeta {
  return { name, ...(namespace ? { namespace } : {}), labels: { ...CHAOS_MESH_LABELS, 'app.kubernetes.io/component': component } };
}

function selector(component: string): Record<string, string> {
  return { 'app.kubernetes.io/part-of': 'chaos-mesh', 'app.kubernetes.io/component': component };
}

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

/**
 * Everything but the CRDs, in the order to apply them (apply the CRDs first: readChaosMeshCrds).
 * Then wait for Deployment chaos-controller-manager Available and DaemonSet chaos-daemon ready on
 * every node before creating chaos objects (the webhooks fail closed while the controller is down).
 */
export function renderChaosMeshInstall(o: ChaosMeshInstallOptions): KubeObject[] {
  const ns = o.namespace ?? CHAOS_MESH_NAMESPACE;
  const ctl = 'controller-manager';
  const daemon = 'chaos-daemon';
  const socketDir = posix.dirname(o.socketPath);
  const socketName = posix.basename(o.socketPath);
  const saSubject = [{ kind: 'ServiceAccount', name: CHAOS_CONTROLLER_NAME, namespace: ns }];
  const webhookClient = (path: string): Record<string, unknown> => ({ caBundle: b64(o.tls.caCert), service: { name: CHAOS_WEBHOOK_SERVICE, namespace: ns, path } });
  const webhookRules = (resource: string): unknown[] => [{ apiGroups: ['chaos-mesh.org'], apiVersions: ['v1alpha1'], operations: ['CREATE', 'UPDATE'], resources: [resource] }];
  const webhook = (prefix: 'm' | 'v', kind: { name: string; resource: string }): Record<string, unknown> => ({
    name: `${prefix}${kind.name}.kb.io`,
    clientConfig: webhookClient(`/${prefix === 'm' ? 'mutate' : 'validate'}-chaos-mesh-org-v1alpha1-${kind.name}`),
    rules: webhookRules(kind.resource),
    failurePolicy: 'Fail',
    sideEffects: 'None',
    admissionReviewVersions: ['v1', 'v1beta1'],
    timeoutSeconds: 5,
  });
  const env = (pairs: Record<string, string>): { name: string; value: string }[] => Object.entries(pairs).map(([name, value]) => ({ name, value }));
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: meta(ns, 'namespace') },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(CHAOS_CONTROLLER_NAME, ctl, ns) },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(CHAOS_DAEMON_NAME, daemon, ns) },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: meta('chaos-mesh-chaos-controller-manager-target-namespace', ctl),
      rules: [
        { apiGroups: [''], resources: ['pods', 'configmaps', 'secrets'], verbs: ['get', 'list', 'watch', 'delete', 'update', 'patch'] },
        { apiGroups: [''], resources: ['pods'], verbs: ['create'] },
        { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
        { apiGroups: [''], resources: ['events'], verbs: ['patch', 'create', 'watch', 'list', 'get'] },
        { apiGroups: ['chaos-mesh.org'], resources: ['*'], verbs: ['*'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: meta('chaos-mesh-chaos-controller-manager-cluster-level', ctl),
      rules: [
        { apiGroups: [''], resources: ['nodes', 'persistentvolumes', 'persistentvolumeclaims', 'namespaces', 'services'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'], verbs: ['create'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: meta('chaos-mesh-chaos-controller-manager-cluster-level', ctl),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'chaos-mesh-chaos-controller-manager-cluster-level' },
      subjects: saSubject,
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: meta('chaos-mesh-chaos-controller-manager-target-namespace', ctl),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'chaos-mesh-chaos-controller-manager-target-namespace' },
      subjects: saSubject,
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: meta('chaos-mesh-chaos-controller-manager-control-plane', ctl, ns),
      rules: [
        { apiGroups: [''], resources: ['services', 'secrets'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'], verbs: ['create'] },
        { apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] },
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['*'] },
        { apiGroups: [''], resources: ['configmaps'], verbs: ['*'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: meta('chaos-mesh-chaos-controller-manager-control-plane', ctl, ns),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'chaos-mesh-chaos-controller-manager-control-plane' },
      subjects: saSubject,
    },
    {
      apiVersion: 'v1', kind: 'Secret', metadata: meta(CHAOS_WEBHOOK_SECRET, 'webhook-secret', ns), type: 'Opaque',
      data: { 'ca.crt': b64(o.tls.caCert), 'tls.crt': b64(o.tls.cert), 'tls.key': b64(o.tls.key) },
    },
    {
      apiVersion: 'v1', kind: 'Service', metadata: meta(CHAOS_WEBHOOK_SERVICE, ctl, ns),
      spec: {
        type: 'ClusterIP',
        selector: selector(ctl),
        ports: [
          { name: 'webhook', port: 443, targetPort: 'webhook', protocol: 'TCP' },
          { name: 'http', port: METRICS_PORT, targetPort: 'http', protocol: 'TCP' },
        ],
      },
    },
    {
      apiVersion: 'v1', kind: 'Service', metadata: meta(CHAOS_DAEMON_NAME, daemon, ns),
      spec: {
        clusterIP: 'None',
        selector: selector(daemon),
        ports: [
          { name: 'grpc', port: CHAOS_DAEMON_GRPC_PORT, targetPort: 'grpc', protocol: 'TCP' },
          { name: 'http', port: CHAOS_DAEMON_HTTP_PORT, targetPort: 'http', protocol: 'TCP' },
        ],
      },
    },
    {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta(CHAOS_CONTROLLER_NAME, ctl, ns),
      spec: {
        // One replica without leader election: a drill cluster has one controller to wait for.
        replicas: 1,
        selector: { matchLabels: selector(ctl) },
        template: {
          metadata: { labels: { ...CHAOS_MESH_LABELS, 'app.kubernetes.io/component': ctl } },
          spec: {
            serviceAccountName: CHAOS_CONTROLLER_NAME,
            containers: [{
              name: 'chaos-mesh',
              image: o.controllerImage,
              imagePullPolicy: 'IfNotPresent',
              command: ['/usr/local/bin/chaos-controller-manager'],
              env: [
                { name: 'NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                { name: 'TEMPLATE_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                ...env({
                  WEBHOOK_PORT: String(WEBHOOK_PORT),
                  METRICS_PORT: String(METRICS_PORT),
                  ALLOW_HOST_NETWORK_TESTING: 'false',
                  TARGET_NAMESPACE: ns,
                  CLUSTER_SCOPED: 'true',
                  TZ: 'UTC',
                  CHAOS_DAEMON_SERVICE_PORT: String(CHAOS_DAEMON_GRPC_PORT),
                  ENABLED_CONTROLLERS: '*',
                  ENABLED_WEBHOOKS: '*',
                  TEMPLATE_LABELS: 'app.kubernetes.io/component:template',
                  CONFIGMAP_LABELS: 'app.kubernetes.io/component:webhook',
                  ENABLE_FILTER_NAMESPACE: 'false',
                  // No dashboard and no chaosd: their authorisation checks are off.
                  SECURITY_MODE: 'false',
                  CHAOSD_SECURITY_MODE: 'false',
                  POD_FAILURE_PAUSE_IMAGE: o.podFailurePauseImage ?? `registry.k8s.io/pause:${PAUSE_VERSION}`,
                  ENABLE_LEADER_ELECTION: 'false',
                }),
              ],
              ports: [{ name: 'webhook', containerPort: WEBHOOK_PORT }, { name: 'http', containerPort: METRICS_PORT }],
              readinessProbe: { tcpSocket: { port: 'webhook' }, periodSeconds: 2 },
              resources: { requests: { cpu: '25m', memory: '128Mi' } },
              volumeMounts: [{ name: 'webhook-certs', mountPath: '/etc/webhook/certs', readOnly: true }],
            }],
            volumes: [{ name: 'webhook-certs', secret: { secretName: CHAOS_WEBHOOK_SECRET } }],
          },
        },
      },
    },
    {
      apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: meta(CHAOS_DAEMON_NAME, daemon, ns),
      spec: {
        selector: { matchLabels: selector(daemon) },
        template: {
          metadata: { labels: { ...CHAOS_MESH_LABELS, 'app.kubernetes.io/component': daemon } },
          spec: {
            serviceAccountName: CHAOS_DAEMON_NAME,
            hostPID: true,
            tolerations: [{ operator: 'Exists' }],
            containers: [{
              name: 'chaos-daemon',
              image: o.daemonImage,
              imagePullPolicy: 'IfNotPresent',
              // No --ca/--cert/--key: the controller talks to it without mTLS (no CHAOS_MESH_CA_CERT).
              command: [
                '/usr/local/bin/chaos-daemon', '--runtime', o.runtime, '--http-port', String(CHAOS_DAEMON_HTTP_PORT), '--grpc-port', String(CHAOS_DAEMON_GRPC_PORT),
                '--runtime-socket-path', `/host-run/${socketName}`,
              ],
              env: [{ name: 'TZ', value: 'UTC' }],
              securityContext: { privileged: true, capabilities: { add: ['SYS_PTRACE'] } },
              ports: [{ name: 'grpc', containerPort: CHAOS_DAEMON_GRPC_PORT }, { name: 'http', containerPort: CHAOS_DAEMON_HTTP_PORT }],
              readinessProbe: { tcpSocket: { port: 'grpc' }, periodSeconds: 2 },
              volumeMounts: [
                { name: 'socket-path', mountPath: '/host-run' },
                { name: 'sys-path', mountPath: '/host-sys' },
                { name: 'lib-modules', mountPath: '/lib/modules' },
              ],
            }],
            volumes: [
              { name: 'socket-path', hostPath: { path: socketDir } },
              { name: 'sys-path', hostPath: { path: '/sys' } },
              { name: 'lib-modules', hostPath: { path: '/lib/modules' } },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: meta(CHAOS_MUTATION_WEBHOOK, 'admission-webhook'),
      webhooks: CHAOS_WEBHOOK_KINDS.map((k) => webhook('m', k)),
    },
    {
      apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: meta(CHAOS_VALIDATION_WEBHOOK, 'admission-webhook'),
      webhooks: CHAOS_WEBHOOK_KINDS.map((k) => webhook('v', k)),
    },
  ];
}

/** The built module's CRDs (JSON files setup:kind wrote into crdDir), labelled as ours; apply them first. */
export function readChaosMeshCrds(crdDir: string): KubeObject[] {
  const files = readdirSync(crdDir).filter((n) => n.endsWith('.json')).sort();
  if (files.length === 0) throw new Error(`no Chaos Mesh CRDs in ${crdDir}; run 'npm run setup:kind'`);
  return files.map((f) => {
    const crd = JSON.parse(readFileSync(join(crdDir, f), 'utf8')) as KubeObject;
    if (crd.kind !== 'CustomResourceDefinition') throw new Error(`${join(crdDir, f)} is not a CustomResourceDefinition`);
    const { annotations, labels } = crd.metadata as Partial<ObjectMeta>;
    return { ...crd, metadata: { ...crd.metadata, labels: { ...labels, ...CHAOS_MESH_LABELS }, ...(annotations ? { annotations } : {}) } };
  });
}

/** What to wait for after applying: the controller's Deployment and the daemons' DaemonSet. */
export function chaosMeshReadiness(namespace = CHAOS_MESH_NAMESPACE): { deployment: { namespace: string; name: string }; daemonSet: { namespace: string; name: string } } {
  return { deployment: { namespace, name: CHAOS_CONTROLLER_NAME }, daemonSet: { namespace, name: CHAOS_DAEMON_NAME } };
}
