import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, linkSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, openSync, closeSync, readSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ImageComponent } from '../../core/types.ts';
import { drillHome, MissingToolError } from '../../supervise/home.ts';
import { KAFKA_VERSION } from '../local/kafka.ts';
import { GLOG_CONF } from '../local/roles.ts';
import { toYaml, type YamlValue } from '../local/yaml.ts';

/**
 * The images a container stack needs, built here from registry parts only: a Debian base rootfs
 * (mmdebstrap from this machine's own apt sources), Milvus from the PyPI server binary laid out
 * like the official image, etcd from Debian, MinIO from its Go module, Kafka from Maven Central.
 * Each image is tagged by a hash of everything that goes into it, so it is built only when an
 * input changes.
 */
export { IMAGE_COMPONENTS, type ImageComponent } from '../../core/types.ts';

/** Bump when a recipe changes in a way its inputs do not show. */
const RECIPE_VERSION = 1;
const REPOSITORY = 'localhost/milvus-drill';
const SUITE = 'bookworm';
/** etcd-server for the etcd image, a JRE for Kafka; one base so layers are shared. */
const BASE_PACKAGES = ['ca-certificates', 'etcd-server', 'openjdk-17-jre-headless', 'iproute2', 'procps'];

/** The ports our Milvus image listens on: the official image's defaults. */
export const MILVUS_PORTS = {
  'rootCoord.port': 53100,
  'proxy.port': 19530,
  'proxy.internalPort': 19529,
  'queryCoord.port': 19531,
  'queryNode.port': 21123,
  'indexCoord.port': 31000,
  'indexNode.port': 21121,
  'dataCoord.port': 13333,
  'dataNode.port': 21124,
} as const;
export const MILVUS_METRICS_PORT = 9091;

export type Cli = 'podman' | 'docker';

interface Recipe {
  component: ImageComponent | 'base';
  /** Hash of every input: recipe text, copied files, the base it builds on. */
  hash: string;
  build(cli: Cli, ref: string, log: (m: string) => void): Promise<void>;
}

export function imageRef(component: string, hash: string): string {
  return `${REPOSITORY}/${component}:${hash.slice(0, 16)}`;
}

/** The image of each component a run uses by default: the one `images build` makes for that version. */
export function defaultImage(component: ImageComponent, milvusVersion: string): string {
  const r = recipe(component, milvusVersion);
  return imageRef(r.component, r.hash);
}

function sha(...parts: (string | Buffer)[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex');
}

/**
 * Identity of a file for the hash: its size and a digest of its head and tail. Reading 400 MB of
 * binaries on every run would cost seconds; installs replace files whole, so size + ends is enough.
 */
function fileIdentity(path: string): string {
  const size = statSync(path).size;
  const fd = openSync(path, 'r');
  try {
    const chunk = Buffer.alloc(Math.min(size, 1 << 20));
    readSync(fd, chunk, 0, chunk.length, 0);
    const tail = Buffer.alloc(Math.min(size, 1 << 20));
    readSync(fd, tail, 0, tail.length, Math.max(0, size - tail.length));
    return sha(String(size), chunk, tail);
  } finally {
    closeSync(fd);
  }
}

function dirIdentity(dir: string): string {
  return sha(...readdirSync(dir).sort().filter((n) => !n.startsWith('.')).map((n) => `${n}:${fileIdentity(join(dir, n))}`));
}

function need(path: string, what: string): string {
  if (!existsSync(path)) throw new MissingToolError(`${what} not found at ${path}; run 'npm run setup' (scripts/setup.sh) to install it`);
  return path;
}

const baseHash = (): string => sha('base', String(RECIPE_VERSION), SUITE, 'minbase', ...BASE_PACKAGES);

/** The apt sources this machine uses; mmdebstrap takes the mirror from them, so no mirror is named here. */
export function aptSourcesFile(): string {
  const dir = '/etc/apt/sources.list.d';
  const deb822 = existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.sources')).map((n) => join(dir, n)) : [];
  const candidates = [...deb822, '/etc/apt/sources.list'].filter((p) => existsSync(p) && /^(deb |URIs:)/m.test(readFileSync(p, 'utf8')));
  if (candidates.length === 0) throw new MissingToolError('no apt sources on this machine (/etc/apt/sources.list or sources.list.d/*.sources); the Debian base image is built from them');
  return candidates[0]!;
}

function baseRecipe(): Recipe {
  return {
    component: 'base',
    hash: baseHash(),
    async build(cli, ref, log) {
      if (spawnSync('mmdebstrap', ['--version'], { stdio: 'ignore' }).status !== 0) {
        throw new MissingToolError("mmdebstrap is not installed; run 'npm run setup' (scripts/setup.d/60-containers.sh installs it)");
      }
      const work = mkdtempSync(join(tmpdir(), 'drill-base-'));
      try {
        const tar = join(work, 'rootfs.tar');
        log(`debian ${SUITE} rootfs (mmdebstrap, minbase + ${BASE_PACKAGES.join(', ')})`);
        await run('mmdebstrap', ['--quiet', '--variant=minbase', `--include=${BASE_PACKAGES.join(',')}`, '--format=tar', SUITE, tar, aptSourcesFile()]);
        await run(cli, ['import', '--change', 'CMD ["/bin/bash"]', '--change', `LABEL io.milvus-drill.image=base`, tar, ref]);
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    },
  };
}

interface ContextFile {
  /** Path inside the build context. */
  at: string;
  from?: string;
  content?: string;
  mode?: number;
}

function containerRecipe(component: ImageComponent, containerfile: (base: string) => string, files: ContextFile[]): Recipe {
  const base = imageRef('base', baseHash());
  const text = containerfile(base);
  const identities = files.map((f) => `${f.at}:${f.content !== undefined ? sha(f.content) : statSync(f.from!).isDirectory() ? dirIdentity(f.from!) : fileIdentity(f.from!)}`);
  return {
    component,
    hash: sha(component, String(RECIPE_VERSION), text, ...identities),
    async build(cli, ref) {
      const ctx = mkdtempSync(join(tmpdir(), `drill-image-${component}-`));
      try {
        for (const f of files) placeFile(ctx, f);
        writeFileSync(join(ctx, 'Containerfile'), text);
        await run(cli, ['build', '--label', `io.milvus-drill.image=${component}`, '-t', ref, '-f', join(ctx, 'Containerfile'), ctx]);
      } finally {
        rmSync(ctx, { recursive: true, force: true });
      }
    },
  };
}

/** Hard-links (or copies) a file or directory into the build context. */
function placeFile(ctx: string, f: ContextFile): void {
  const dest = join(ctx, f.at);
  mkdirSync(join(dest, '..'), { recursive: true });
  if (f.content !== undefined) {
    writeFileSync(dest, f.content, { mode: f.mode ?? 0o644 });
    return;
  }
  if (statSync(f.from!).isDirectory()) {
    mkdirSync(dest, { recursive: true });
    for (const n of readdirSync(f.from!)) if (!n.startsWith('.')) placeFile(ctx, { at: join(f.at, n), from: join(f.from!, n) });
    return;
  }
  try {
    linkSync(f.from!, dest);
  } catch {
    copyFileSync(f.from!, dest);
  }
}

/** The milvus.yaml our image ships: the official defaults for ports and paths; services come from env. */
export function renderImageMilvusConfig(): string {
  const config: Record<string, Record<string, YamlValue>> = {
    etcd: { endpoints: 'localhost:2379', rootPath: 'by-dev', use: { embed: false } },
    minio: { address: 'localhost', port: 9000, accessKeyID: 'minioadmin', secretAccessKey: 'minioadmin', useSSL: false, bucketName: 'a-bucket', rootPath: 'files' },
    common: { storageType: 'minio' },
    localStorage: { path: '/var/lib/milvus/data' },
    rocksmq: { path: '/var/lib/milvus/rdb_data' },
    log: { level: 'info', file: { rootPath: '' } },
  };
  for (const [key, port] of Object.entries(MILVUS_PORTS)) {
    const [section, field] = key.split('.') as [string, string];
    (config[section] ??= {})[field] = port;
  }
  return `${toYaml(config)}\n`;
}

function milvusRecipe(version: string): Recipe {
  const binDir = need(join(drillHome(), 'milvus', version, 'bin'), `Milvus ${version} server binary directory`);
  const libs = readdirSync(binDir).filter((n) => n !== 'milvus' && !n.startsWith('.'));
  return containerRecipe(
    'milvus',
    (base) =>
      [
        `FROM ${base}`,
        'COPY bin/milvus /milvus/bin/milvus',
        'COPY lib/ /milvus/lib/',
        'COPY configs/ /milvus/configs/',
        'ENV PATH=/milvus/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LD_LIBRARY_PATH=/milvus/lib MILVUSCONF=/milvus/configs/',
        'WORKDIR /milvus',
        `LABEL io.milvus-drill.milvus-version=${version}`,
        'CMD ["milvus", "run", "standalone"]',
        '',
      ].join('\n'),
    [
      { at: 'bin/milvus', from: join(binDir, 'milvus') },
      ...libs.map((n) => ({ at: `lib/${n}`, from: join(binDir, n) })),
      { at: 'configs/milvus.yaml', content: renderImageMilvusConfig() },
      { at: 'configs/glog.conf', content: GLOG_CONF },
    ],
  );
}

function etcdRecipe(): Recipe {
  return containerRecipe('etcd', (base) => [`FROM ${base}`, 'CMD ["etcd"]', ''].join('\n'), []);
}

function minioRecipe(): Recipe {
  const binary = need(join(drillHome(), 'bin', 'minio'), 'MinIO server');
  return containerRecipe('minio', (base) => [`FROM ${base}`, 'COPY minio /usr/bin/minio', 'CMD ["minio", "server", "/data"]', ''].join('\n'), [
    { at: 'minio', from: binary },
  ]);
}

function kafkaRecipe(): Recipe {
  const libs = need(join(drillHome(), 'kafka', KAFKA_VERSION, 'libs'), `Kafka ${KAFKA_VERSION} jars`);
  return containerRecipe(
    'kafka',
    (base) => [`FROM ${base}`, 'COPY libs/ /opt/kafka/libs/', `LABEL io.milvus-drill.kafka-version=${KAFKA_VERSION}`, 'WORKDIR /opt/kafka', ''].join('\n'),
    [{ at: 'libs', from: libs }],
  );
}

function recipe(component: ImageComponent | 'base', milvusVersion: string): Recipe {
  switch (component) {
    case 'base':
      return baseRecipe();
    case 'milvus':
      return milvusRecipe(milvusVersion);
    case 'etcd':
      return etcdRecipe();
    case 'minio':
      return minioRecipe();
    case 'kafka':
      return kafkaRecipe();
  }
}

export function imageExists(cli: Cli, ref: string): boolean {
  return spawnSync(cli, ['image', 'inspect', ref], { stdio: 'ignore' }).status === 0;
}

/** The CLI that builds and lists images: podman where installed (it needs no daemon), else docker. */
export function imageCli(): Cli {
  if (spawnSync('podman', ['--version'], { stdio: 'ignore' }).status === 0) return 'podman';
  if (spawnSync('docker', ['--version'], { stdio: 'ignore' }).status === 0) return 'docker';
  throw new MissingToolError("neither podman nor docker is installed; run 'npm run setup' (installs Debian's podman)");
}

export interface BuildResult {
  component: string;
  ref: string;
  built: boolean;
  seconds: number;
}

/** Builds what is missing of the base and the named images; an image whose inputs are unchanged is skipped. */
export async function buildImages(o: { components: readonly ImageComponent[]; milvusVersion: string; cli?: Cli; log?: (m: string) => void }): Promise<BuildResult[]> {
  const cli = o.cli ?? imageCli();
  const log = o.log ?? (() => undefined);
  const results: BuildResult[] = [];
  for (const component of ['base' as const, ...o.components]) {
    const r = recipe(component, o.milvusVersion);
    const ref = imageRef(r.component, r.hash);
    const started = Date.now();
    if (imageExists(cli, ref)) {
      results.push({ component, ref, built: false, seconds: 0 });
      log(`${component}: ${ref} (cached)`);
      continue;
    }
    log(`${component}: building ${ref}`);
    await r.build(cli, ref, (m) => log(`${component}: ${m}`));
    const seconds = (Date.now() - started) / 1000;
    results.push({ component, ref, built: true, seconds });
    log(`${component}: built ${ref} in ${seconds.toFixed(1)} s`);
  }
  return results;
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (d: Buffer): void => {
      output = (output + d.toString()).slice(-8000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.slice(0, 2).join(' ')} failed (exit ${code}):\n${output}`))));
  });
}
