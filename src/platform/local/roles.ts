import { join } from 'node:path';

/**
 * Milvus 2.3 cluster roles as local processes of one `milvus` binary (`milvus run <role>`).
 * Pure: renders the shared milvus.yaml and lists the processes; starting them is the platform's job.
 * See docs/local-stack.md for which roles run from the 2.3.5-lite binary.
 */
export type MilvusRole =
  | 'rootcoord'
  | 'datacoord'
  | 'querycoord'
  | 'indexcoord'
  | 'proxy'
  | 'querynode'
  | 'datanode'
  | 'indexnode';

/** The config domain (milvus.yaml section) of each role; its env override is DOMAIN_PORT, upper-cased. */
const DOMAIN: Record<MilvusRole, string> = {
  rootcoord: 'rootCoord',
  datacoord: 'dataCoord',
  querycoord: 'queryCoord',
  indexcoord: 'indexCoord',
  proxy: 'proxy',
  querynode: 'queryNode',
  datanode: 'dataNode',
  indexnode: 'indexNode',
};

/**
 * The coordinator roles a Milvus line runs, in the order Milvus Operator rolls them (its
 * dependency graph: root, data, index, query coordinator; 2.3 folded the index coordinator into
 * the data coordinator).
 */
export function coordinatorRoles(version: string): MilvusRole[] {
  return /^2\.[0-2]\./.test(version) ? ['rootcoord', 'datacoord', 'indexcoord', 'querycoord'] : ['rootcoord', 'datacoord', 'querycoord'];
}

const COORDINATOR_SET: ReadonlySet<MilvusRole> = new Set(['rootcoord', 'datacoord', 'querycoord', 'indexcoord']);

export function isCoordinator(role: MilvusRole): boolean {
  return COORDINATOR_SET.has(role);
}

export interface MilvusClusterConfig {
  /** Address every process binds and registers in etcd (127.0.0.1 on loopback). */
  host: string;
  etcdEndpoints: readonly string[];
  /** Prefix of every key Milvus writes to etcd; one per cluster so clusters can share an etcd. */
  etcdRootPath: string;
  minio: { address: string; port: number; accessKey: string; secretKey: string; bucket: string; rootPath: string };
  /** The message queue: Kafka's broker list, or Pulsar's broker (binary and web ports). */
  kafkaBrokerList?: string;
  pulsar?: { host: string; port: number; webPort: number };
  /** Local scratch space (segment caches, index build files). */
  localStoragePath: string;
  /** How long a process drains on SIGTERM before it exits anyway (Milvus's default is 30 s). */
  gracefulStopSeconds?: number;
  /** The scenario's milvus.yaml overrides (nested objects), merged over everything above. */
  overrides?: Record<string, unknown>;
  /** `<coordinator>.enableActiveStandby` for every coordinator role: each elects its active instance. */
  activeStandby?: boolean;
  /** Keys the version needs besides these (channel names, 2.2's missing defaults); these win. */
  versionConfig?: Record<string, unknown>;
}

type YamlValue = string | number | boolean | readonly (string | number)[] | { [key: string]: YamlValue };

/** The shared milvus.yaml of a cluster: external services only; each process gets its ports from env. */
export function renderMilvusConfig(c: MilvusClusterConfig): string {
  const gracefulStopTimeout = c.gracefulStopSeconds ?? 30;
  const roleSections: Record<string, YamlValue> = Object.fromEntries(Object.values(DOMAIN).map((domain) => [domain, { ip: c.host }]));
  roleSections.queryNode = { ip: c.host, gracefulStopTimeout };
  if (c.activeStandby) for (const domain of ['rootCoord', 'dataCoord', 'queryCoord', 'indexCoord']) roleSections[domain] = { ip: c.host, enableActiveStandby: true };
  const config: Record<string, YamlValue> = {
    etcd: {
      endpoints: c.etcdEndpoints,
      rootPath: c.etcdRootPath,
      metaSubPath: 'meta',
      kvSubPath: 'kv',
      use: { embed: false },
    },
    metastore: { type: 'etcd' },
    minio: {
      address: c.minio.address,
      port: c.minio.port,
      accessKeyID: c.minio.accessKey,
      secretAccessKey: c.minio.secretKey,
      useSSL: false,
      bucketName: c.minio.bucket,
      rootPath: c.minio.rootPath,
      useIAM: false,
      cloudProvider: 'aws',
    },
    ...messageQueueConfig(c),
    common: { storageType: 'minio', gracefulStopTimeout, security: { authorizationEnabled: false } },
    localStorage: { path: c.localStoragePath },
    log: { level: 'info', format: 'text', stdout: true, file: { rootPath: '' } },
    ...roleSections,
  };
  // The version's keys under ours, the scenario's overrides over everything.
  return toYaml(mergeInto(mergeInto(c.versionConfig ?? {}, config), (c.overrides ?? {}) as Record<string, YamlValue>), 0);
}

/** base deep-merged with over (over wins; maps merge, everything else replaces). */
function mergeInto(base: Record<string, unknown>, over: Record<string, YamlValue>): Record<string, YamlValue> {
  const out: Record<string, YamlValue> = { ...(base as Record<string, YamlValue>) };
  const isMap = (v: unknown): v is Record<string, YamlValue> => typeof v === 'object' && v !== null && !Array.isArray(v);
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] = isMap(value) && isMap(current) ? mergeInto(current, value) : value;
  }
  return out;
}

function messageQueueConfig(c: MilvusClusterConfig): Record<string, YamlValue> {
  if (c.pulsar) return { mq: { type: 'pulsar' }, pulsar: pulsarSection(c.pulsar) };
  if (c.kafkaBrokerList === undefined) throw new Error('renderMilvusConfig: set kafkaBrokerList or pulsar');
  return { mq: { type: 'kafka' }, kafka: { brokerList: c.kafkaBrokerList } };
}

/** Milvus 2.3's `pulsar` section: it builds pulsar://address:port and http://address:webport itself. */
export function pulsarSection(p: { host: string; port: number; webPort: number }): Record<string, YamlValue> {
  return { address: p.host, port: p.port, webport: p.webPort, maxMessageSize: 5 * 1024 * 1024, tenant: 'public', namespace: 'default' };
}

function toYaml(value: Record<string, YamlValue>, depth: number): string {
  const indent = '  '.repeat(depth);
  return Object.entries(value)
    .map(([key, v]) => {
      if (Array.isArray(v)) return `${indent}${key}:\n${v.map((item) => `${indent}  - ${scalar(item)}`).join('\n')}\n`;
      if (typeof v === 'object') return `${indent}${key}:\n${toYaml(v as Record<string, YamlValue>, depth + 1)}`;
      return `${indent}${key}: ${scalar(v as string | number | boolean)}\n`;
    })
    .join('');
}

function scalar(v: string | number | boolean): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

export const GLOG_CONF = '--logtostderr=true\n--minloglevel=1\n';

export interface ClusterLayout {
  /** 'mixture': one process runs all coordinators; 'separate': one process per coordinator. */
  coordinators: 'mixture' | 'separate';
  /** Instances of each coordinator process (2: active-standby); default 1. */
  coordinatorReplicas?: number;
  /** The coordinator roles to run (coordinatorRoles(version)); default 2.3's three. */
  coordinatorRoles?: readonly MilvusRole[];
  proxies: number;
  queryNodes: number;
  dataNodes: number;
  indexNodes: number;
}

export interface MilvusProcess {
  /** Unique within the cluster, e.g. 'querynode-2'; also the -alias Milvus uses for its pid file. */
  name: string;
  roles: MilvusRole[];
  args: string[];
  env: Record<string, string>;
  /** gRPC port per role the process serves. */
  ports: Partial<Record<MilvusRole, number>>;
  /** For proxies: the port the SDK connects to. */
  sdkPort?: number;
  metricsPort: number;
  /** The address the process binds and registers. */
  host: string;
  healthUrl: string;
  runDir: string;
}

interface Instance {
  name: string;
  serverType: string;
  flags: string[];
  roles: MilvusRole[];
}

function instances(layout: ClusterLayout): Instance[] {
  const replicas = (role: MilvusRole, count: number): Instance[] =>
    Array.from({ length: count }, (_, i) => ({ name: `${role}-${i + 1}`, serverType: role, flags: [], roles: [role] }));
  const roles = [...(layout.coordinatorRoles ?? coordinatorRoles('2.3'))];
  const copies = layout.coordinatorReplicas ?? 1;
  const coordinators: Instance[] =
    layout.coordinators === 'mixture'
      ? Array.from({ length: copies }, (_, i) => ({ name: copies === 1 ? 'coordinators' : `coordinators-${i + 1}`, serverType: 'mixture', flags: roles.map((r) => `-${r}=true`), roles }))
      : roles.flatMap((role) => replicas(role, copies));
  return [
    ...coordinators,
    ...replicas('datanode', layout.dataNodes),
    ...replicas('indexnode', layout.indexNodes),
    ...replicas('querynode', layout.queryNodes),
    ...replicas('proxy', layout.proxies),
  ];
}

/** The process names of a layout, in start order (known before ports are chosen). */
export function clusterProcessNames(layout: ClusterLayout): string[] {
  return instances(layout).map((inst) => inst.name);
}

/** How many distinct ports clusterProcessSpecs needs for a layout. */
export function portsNeeded(layout: ClusterLayout): number {
  // One metrics port per process, one gRPC port per role it serves, and the proxy's internal port.
  return instances(layout).reduce((n, inst) => n + 1 + inst.roles.length + (inst.roles.includes('proxy') ? 1 : 0), 0);
}

export interface ClusterProcessOptions {
  layout: ClusterLayout;
  /** The unpacked Milvus bin directory (milvus + its shared libraries). */
  binDir: string;
  /** Holds milvus.yaml and glog.conf. */
  confDir: string;
  /** Each process gets a run dir under it. */
  workDir: string;
  host: string;
  /**
   * Per-process address, when processes live in network namespaces of their own; it goes to
   * `<DOMAIN>_IP` (e.g. QUERYNODE_IP), which overrides `<role>.ip` from milvus.yaml. Default: host.
   */
  hostOf?: (processName: string) => string;
  /** Per-process local storage (LOCALSTORAGE_PATH overrides localStorage.path). Default: shared. */
  localStorageOf?: (processName: string) => string;
  /** portsNeeded(layout) distinct free ports. */
  ports: readonly number[];
}

/**
 * Every process of a cluster, in start order: coordinators, worker nodes, proxies last.
 * Ports go through environment variables, which Milvus's config reads above milvus.yaml
 * (QUERYNODE_PORT overrides queryNode.port), so replicas of a role share one config file.
 */
export function clusterProcessSpecs(o: ClusterProcessOptions): MilvusProcess[] {
  const needed = portsNeeded(o.layout);
  if (new Set(o.ports).size < needed) throw new Error(`clusterProcessSpecs: need ${needed} distinct ports, got ${new Set(o.ports).size}`);
  const pool = [...o.ports];
  const take = (): number => pool.shift() as number;
  return instances(o.layout).map((inst) => {
    const metricsPort = take();
    const ports = Object.fromEntries(inst.roles.map((role) => [role, take()])) as Partial<Record<MilvusRole, number>>;
    const runDir = join(o.workDir, `run-${inst.name}`);
    const host = o.hostOf?.(inst.name) ?? o.host;
    const env: Record<string, string> = {
      LD_LIBRARY_PATH: o.binDir,
      MILVUSCONF: o.confDir.endsWith('/') ? o.confDir : `${o.confDir}/`,
      MILVUS_RUN_DIR: runDir,
      DEPLOY_MODE: 'CLUSTER',
      METRICS_PORT: String(metricsPort),
    };
    for (const role of inst.roles) env[`${DOMAIN[role].toUpperCase()}_PORT`] = String(ports[role]);
    if (o.hostOf) for (const role of inst.roles) env[`${DOMAIN[role].toUpperCase()}_IP`] = host;
    const localStorage = o.localStorageOf?.(inst.name);
    if (localStorage !== undefined) env.LOCALSTORAGE_PATH = localStorage;
    const sdkPort = ports.proxy;
    if (sdkPort !== undefined) env.PROXY_INTERNALPORT = String(take());
    return {
      name: inst.name,
      roles: inst.roles,
      args: ['run', inst.serverType, ...inst.flags, `-alias=${inst.name}`],
      env,
      ports,
      ...(sdkPort !== undefined ? { sdkPort } : {}),
      metricsPort,
      host,
      healthUrl: `http://${host}:${metricsPort}/healthz`,
      runDir,
    };
  });
}

/** The etcd key where Milvus keeps the session of a coordinator role's active instance. */
export function activeSessionKey(etcdRootPath: string, role: MilvusRole): string {
  return `${etcdRootPath}/meta/session/${role}`;
}

/**
 * The process whose session a coordinator role's active key holds: Milvus writes the active
 * instance's session (its ServerName and its gRPC Address) there, whether or not it runs
 * active-standby. Null when the key names no process of ours (e.g. a stale session).
 */
export function activeProcess(sessionJson: string, role: MilvusRole, processes: readonly MilvusProcess[]): MilvusProcess | null {
  let session: { ServerName?: string; Address?: string };
  try {
    session = JSON.parse(sessionJson) as typeof session;
  } catch {
    throw new Error(`the ${role} session in etcd is not JSON: ${sessionJson.slice(0, 200)}`);
  }
  if (session.ServerName !== undefined && session.ServerName !== role) throw new Error(`the ${role} session in etcd names server '${session.ServerName}'`);
  return processes.find((p) => p.ports[role] !== undefined && `${p.host}:${p.ports[role]}` === session.Address) ?? null;
}

/**
 * The order a rolling upgrade replaces processes in: Milvus Operator's dependency graph for
 * 2.2/2.3 (root, data, index, query coordinator; then index, query and data nodes, which it rolls
 * side by side and we roll one process at a time; the proxy last). A mixture process stands where
 * the coordinators do, as Operator's mixcoord graph has it. Within a role, name order (the caller
 * puts a standby before its active instance).
 */
export function rollOrder(processes: readonly MilvusProcess[]): MilvusProcess[] {
  const rank = (p: MilvusProcess): number => {
    if (p.roles.length > 1) return 0;
    return ROLL_RANK[p.roles[0]!];
  };
  return [...processes].sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name, 'en', { numeric: true }));
}

const ROLL_RANK: Record<MilvusRole, number> = { rootcoord: 0, datacoord: 1, indexcoord: 2, querycoord: 3, indexnode: 4, querynode: 5, datanode: 6, proxy: 7 };

/**
 * Rows a query node serves, from its Prometheus text: the sum of `milvus_querynode_entity_num`
 * (every collection, partition and segment state); null when the metric is not there.
 */
export function servedRows(metricsText: string): number | null {
  let total: number | null = null;
  for (const line of metricsText.split('\n')) {
    if (!line.startsWith('milvus_querynode_entity_num')) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) total = (total ?? 0) + value;
  }
  return total;
}
