// What `npm run setup:kind` builds for a kind cluster made on this machine, as plain data: the Go
// modules and versions, the go.mod that builds Kubernetes from its published module, the version
// linker flags kubeadm relies on, the control-plane images kubeadm expects and the cache keys that
// let a second run skip what is built. Pure: scripts/setup-kind.ts and build.ts run it.
import { createHash } from 'node:crypto';

/**
 * Pinned to 1.34: this host mounts cgroup v1 controllers, and kubelets from 1.35 on refuse
 * cgroup v1 unless told otherwise.
 */
export const KUBERNETES_VERSION = 'v1.34.2';
export const KIND_MODULE = 'sigs.k8s.io/kind';
export const KIND_VERSION = 'v0.33.0';
/** kind v0.33.0's pre-built node image of the same Kubernetes minor (its release notes), for kind-config.yaml where images can be pulled. */
export const UPSTREAM_NODE_IMAGE = 'kindest/node:v1.34.11@sha256:44e222ee2132dab25ff87301682f89eb82c7880ea3a1bf543bfe9708fd08d67d';

/**
 * The k8s.io/kubernetes module replaces these with its own ./staging copies, which a module
 * depending on it cannot see: each is replaced by its published v0.X.Y instead.
 */
export const STAGING_MODULES = [
  'api', 'apiextensions-apiserver', 'apimachinery', 'apiserver', 'cli-runtime', 'client-go',
  'cloud-provider', 'cluster-bootstrap', 'code-generator', 'component-base', 'component-helpers',
  'controller-manager', 'cri-api', 'cri-client', 'csi-translation-lib', 'dynamic-resource-allocation',
  'endpointslice', 'externaljwt', 'kms', 'kube-aggregator', 'kube-controller-manager', 'kube-proxy',
  'kube-scheduler', 'kubectl', 'kubelet', 'metrics', 'mount-utils', 'pod-security-admission',
  'sample-apiserver', 'sample-cli-plugin', 'sample-controller',
].map((m) => `k8s.io/${m}`);

/** The commands a kind node runs, each built from k8s.io/kubernetes/cmd/<name>. */
export const KUBE_COMMANDS = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kube-proxy', 'kubeadm', 'kubelet', 'kubectl'] as const;
export type KubeCommand = (typeof KUBE_COMMANDS)[number];

/** Non-main packages of each command, imported by a tools file so that `go mod tidy` keeps them. */
const COMMAND_LIBRARIES = [
  'k8s.io/kubectl/pkg/cmd',
  'k8s.io/kubernetes/cmd/kube-apiserver/app',
  'k8s.io/kubernetes/cmd/kube-controller-manager/app',
  'k8s.io/kubernetes/cmd/kube-proxy/app',
  'k8s.io/kubernetes/cmd/kube-scheduler/app',
  'k8s.io/kubernetes/cmd/kubeadm/app',
  'k8s.io/kubernetes/cmd/kubelet/app',
];

/** Build tags Kubernetes' own release build uses (hack/lib/golang.sh). */
export const KUBE_BUILD_TAGS = 'selinux,notest,grpcnotrace';

export interface KubeVersion {
  version: string;
  major: string;
  minor: string;
  patch: string;
}

/** Parses 'v1.34.2'; anything else is an error naming the expected form. */
export function parseKubeVersion(version: string): KubeVersion {
  const m = /^v1\.(\d+)\.(\d+)$/.exec(version);
  if (!m) throw new Error(`Kubernetes version '${version}' is not of the form v1.MINOR.PATCH (e.g. ${KUBERNETES_VERSION})`);
  return { version, major: '1', minor: m[1]!, patch: m[2]! };
}

/** The published version of the staging modules that go with a Kubernetes release: v1.34.2 -> v0.34.2. */
export function stagingVersion(version: string): string {
  const v = parseKubeVersion(version);
  return `v0.${v.minor}.${v.patch}`;
}

/** go.mod of the module that builds the Kubernetes commands from k8s.io/kubernetes at `version`. */
export function renderKubeGoMod(version: string): string {
  const staging = stagingVersion(version);
  const width = Math.max(...STAGING_MODULES.map((m) => m.length));
  return [
    'module drill.local/kubebuild',
    '',
    'go 1.24.0',
    '',
    `require k8s.io/kubernetes ${version}`,
    '',
    '// k8s.io/kubernetes points these at its ./staging tree; a dependent module takes the published ones.',
    'replace (',
    ...STAGING_MODULES.map((m) => `\t${m.padEnd(width)} => ${m} ${staging}`),
    ')',
    '',
  ].join('\n');
}

/** A file that only imports, so that `go mod tidy` keeps every dependency the commands need. */
export function renderKubeToolsGo(): string {
  return [
    '//go:build tools',
    '',
    '// Package kubebuild pins the Kubernetes commands\' dependencies so that go mod tidy keeps them.',
    'package kubebuild',
    '',
    'import (',
    ...COMMAND_LIBRARIES.map((p) => `\t_ "${p}"`),
    ')',
    '',
  ].join('\n');
}

/**
 * -X flags that set the version the binaries report (kubeadm compares it with the cluster's),
 * in both packages Kubernetes' release build sets (hack/lib/version.sh).
 */
export function versionLdflags(version: string, buildDate: string): string[] {
  const v = parseKubeVersion(version);
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(buildDate)) throw new Error(`build date '${buildDate}' is not of the form 2025-11-11T00:00:00Z`);
  const vars: [string, string][] = [
    ['gitVersion', v.version],
    ['gitMajor', v.major],
    ['gitMinor', v.minor],
    ['gitTreeState', 'clean'],
    ['buildDate', buildDate],
  ];
  return ['k8s.io/client-go/pkg/version', 'k8s.io/component-base/version'].flatMap((pkg) => vars.map(([k, val]) => `-X ${pkg}.${k}=${val}`));
}

/** A fixed build date, so that the same inputs give the same binaries (and cache key). */
export const KUBE_BUILD_DATE = '2025-11-11T00:00:00Z';

/** `go build` arguments for the Kubernetes commands, written into `outDir`. */
export function kubeBuildArgs(version: string, outDir: string, commands: readonly KubeCommand[] = KUBE_COMMANDS): string[] {
  const ldflags = ['-s', '-w', ...versionLdflags(version, KUBE_BUILD_DATE)].join(' ');
  return ['build', '-trimpath', `-tags=${KUBE_BUILD_TAGS}`, `-ldflags=${ldflags}`, '-o', `${outDir}/`, ...commands.map((c) => `k8s.io/kubernetes/cmd/${c}`)];
}

/** Environment every Go build of ours runs with: module mode that may update go.mod, static binaries. */
export const GO_BUILD_ENV = { GOFLAGS: '-mod=mod', CGO_ENABLED: '0' } as const;

/** A short, stable key for everything that decides a build's output. */
export function cacheKey(...parts: string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex').slice(0, 16);
}

/** One Go module command built with `go install module/path@version`. */
export interface GoTool {
  name: string;
  /** Package path of the command, e.g. sigs.k8s.io/kind or go.etcd.io/etcd/server/v3. */
  pkg: string;
  /** The module, when the command is not at its root. */
  module?: string;
  version: string;
  /** Extra -ldflags (version variables). */
  ldflags?: string[];
  tags?: string;
}

/** The kind command itself. */
export const KIND_TOOL: GoTool = { name: 'kind', pkg: KIND_MODULE, version: KIND_VERSION };

/** Where a build's output lives under the drill home: kind/<what>/<version>-<key>/. */
export function buildDir(home: string, what: string, version: string, key: string): string {
  return `${home}/kind/${what}/${version}-${key}`;
}

/** go.mod of a module that only exists to build `tool` (its own replace directives do not apply to us). */
export function renderWrapperGoMod(tool: GoTool): string {
  return [`module drill.local/${tool.name}build`, '', 'go 1.24.0', '', `require ${tool.module ?? tool.pkg} ${tool.version}`, ''].join('\n');
}

/** `go build` arguments for one tool, written to `out`. */
export function goToolBuildArgs(tool: GoTool, out: string): string[] {
  const ldflags = ['-s', '-w', ...(tool.ldflags ?? [])].join(' ');
  return ['build', '-trimpath', ...(tool.tags ? [`-tags=${tool.tags}`] : []), `-ldflags=${ldflags}`, '-o', out, tool.pkg];
}

/**
 * The images kubeadm (or kind's manifests) pull, and what we build for each. The tags are the
 * ones kubeadm v1.34.2 asks for (`kubeadm config images list`); setup checks them against the
 * built kubeadm and stops when they differ.
 */
export const ETCD_TOOL: GoTool = { name: 'etcd', pkg: 'go.etcd.io/etcd/server/v3', version: 'v3.6.5' };
export const COREDNS_TOOL: GoTool = { name: 'coredns', pkg: 'github.com/coredns/coredns', version: 'v1.12.1' };
export const CRICTL_TOOL: GoTool = { name: 'crictl', pkg: 'sigs.k8s.io/cri-tools/cmd/crictl', module: 'sigs.k8s.io/cri-tools', version: 'v1.34.0' };
export const LOCAL_PATH_TOOL: GoTool = { name: 'local-path-provisioner', pkg: 'github.com/rancher/local-path-provisioner', version: 'v0.0.30' };
export const PAUSE_VERSION = '3.10.1';

/**
 * Chaos Mesh, from its Go module. The main module's go.mod replaces its API module with ./api, a
 * nested module its zip leaves out, and the API pseudo-version of the same commit is not served:
 * the build folder is the main module with the nearest served API module copied into ./api.
 */
export const CHAOS_MESH_MODULE = 'github.com/chaos-mesh/chaos-mesh';
export const CHAOS_MESH_VERSION = 'v0.9.1-0.20260902003049-47411975a8cb';
export const CHAOS_MESH_API_MODULE = 'github.com/chaos-mesh/chaos-mesh/api';
/** Four days newer than the main module's commit: the nearest one the module proxy serves. */
export const CHAOS_MESH_API_VERSION = 'v0.0.0-20260906172039-d70b66ad97ac';

/**
 * The CRD generator Chaos Mesh's own `make config` runs (images/dev-env/Dockerfile pins v0.18.0).
 * The CRDs are generated from the API module that is compiled in, not taken from the main module's
 * config/crd/bases: that API module is newer, and a field it defaults that the older CRDs lack
 * (NetworkChaos partitionBehavior) is pruned by the API server, after which the validating webhook
 * refuses the controller's every update ("Cannot update chaos spec").
 */
export const CONTROLLER_GEN_TOOL: GoTool = { name: 'controller-gen', pkg: 'sigs.k8s.io/controller-tools/cmd/controller-gen', module: 'sigs.k8s.io/controller-tools', version: 'v0.18.0' };
export const CHAOS_MESH_CRD_GEN_ARGS = ['crd:ignoreUnexportedFields=true,crdVersions=v1', 'paths=./...'] as const;

/**
 * -X flags for Chaos Mesh's pkg/version (hack/version.sh sets them from git, which a module zip
 * has not). A fixed build date keeps the binaries (and the cache key) the same for the same inputs.
 */
export function chaosMeshLdflags(version = CHAOS_MESH_VERSION): string[] {
  const commit = version.split('-').pop()!;
  return [['gitVersion', version], ['gitCommit', commit], ['buildDate', KUBE_BUILD_DATE]].map(([k, v]) => `-X github.com/chaos-mesh/chaos-mesh/pkg/version.${k}=${v}`);
}

/**
 * The Chaos Mesh commands and how each is built. The controller is static; chaos-daemon needs cgo
 * (github.com/chaos-mesh/chaos-driver/pkg/client has only cgo files). No -trimpath: the same flags
 * as a hand build let the two share Go's build cache.
 */
export const CHAOS_MESH_COMMANDS = [
  { name: 'chaos-controller-manager', cgo: false },
  { name: 'chaos-daemon', cgo: true },
] as const;

export function chaosMeshBuildArgs(command: string, outDir: string): string[] {
  return ['build', `-ldflags=${['-s', '-w', ...chaosMeshLdflags()].join(' ')}`, '-o', `${outDir}/`, `./cmd/${command}`];
}

/** What `kubeadm config images list` must print for the images we build. */
export function expectedKubeadmImages(version: string): string[] {
  return [
    ...['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kube-proxy'].map((c) => `registry.k8s.io/${c}:${version}`),
    `registry.k8s.io/coredns/coredns:${COREDNS_TOOL.version}`,
    `registry.k8s.io/pause:${PAUSE_VERSION}`,
    `registry.k8s.io/etcd:${ETCD_TOOL.version.slice(1)}-0`,
  ];
}

/** Differences between what kubeadm asks for and what we build: empty when they agree. */
export function kubeadmImageMismatch(kubeadmList: string, version: string): string[] {
  const wanted = kubeadmList.split('\n').map((l) => l.trim()).filter(Boolean);
  const built = expectedKubeadmImages(version);
  return [
    ...wanted.filter((w) => !built.includes(w)).map((w) => `kubeadm wants ${w}, which is not built here`),
    ...built.filter((b) => !wanted.includes(b)).map((b) => `${b} is built but kubeadm does not ask for it`),
  ];
}
