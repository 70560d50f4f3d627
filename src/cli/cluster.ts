import { EXIT } from '../core/types.ts';
import { buildImages, IMAGE_COMPONENTS } from '../platform/containers/images.ts';
import { drillHome } from '../supervise/home.ts';
import { deleteCluster, listClusters, requireKindBuild } from '../platform/kind/cluster.ts';
import { DRILL_CLUSTER_NAME } from '../platform/kind/cluster-plan.ts';
import { ensureProjectCluster, loadImages } from '../platform/kind/project-cluster.ts';
import { ensureChaosMesh } from '../platform/kind/chaos-mesh-setup.ts';
import { Kube } from '../platform/kind/kube.ts';
import { SETUP_KIND_COMMAND } from '../platform/kind/build.ts';
import { flag, parseArgs, UsageError } from './args.ts';

/**
 * `cluster up|down|images`: the project's kind cluster without a scenario. `up` creates it (or
 * reuses it), imports the stack's images and installs Chaos Mesh; `images` builds the images and
 * imports them into it; `down` deletes it. Each long step says how long it took.
 */
export async function clusterCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { 'milvus-version': 'value' });
  const [action] = args.positionals;
  const home = drillHome();
  const log = (m: string): void => console.error(`[cluster] ${m}`);
  const started = Date.now();
  const version = flag(args, 'milvus-version') ?? '2.3.5';
  switch (action) {
    case 'up': {
      const cluster = await ensureProjectCluster({ home, log });
      await importImages(cluster.name, version, log);
      const kube = new Kube({ kubeconfig: cluster.kubeconfig, context: cluster.context });
      const chaosMesh = await ensureChaosMesh(kube, { cluster, build: requireKindBuild(home), log });
      if (chaosMesh === 'absent') log(`Chaos Mesh is not built here: faults will fail; run '${SETUP_KIND_COMMAND}'`);
      log(`cluster ${cluster.name} ready in ${seconds(started)}; context ${cluster.context}, kubeconfig ${cluster.kubeconfig}`);
      console.log(cluster.kubeconfig);
      return EXIT.pass;
    }
    case 'images': {
      const results = await buildImages({ components: [...IMAGE_COMPONENTS], milvusVersion: version, log });
      for (const r of results) log(`${r.component} ${r.ref}${r.built ? ` built in ${r.seconds.toFixed(1)} s` : ' cached'}`);
      if (listClusters(requireKindBuild(home)).includes(DRILL_CLUSTER_NAME)) await importImages(DRILL_CLUSTER_NAME, version, log);
      else log(`cluster ${DRILL_CLUSTER_NAME} is not running: images are imported by 'cluster up' or by the first run`);
      return EXIT.pass;
    }
    case 'down': {
      if (!listClusters(requireKindBuild(home)).includes(DRILL_CLUSTER_NAME)) {
        log(`cluster ${DRILL_CLUSTER_NAME} is not running`);
        return EXIT.pass;
      }
      await deleteCluster({ home, name: DRILL_CLUSTER_NAME, log });
      log(`cluster ${DRILL_CLUSTER_NAME} deleted in ${seconds(started)}`);
      return EXIT.pass;
    }
    default:
      throw new UsageError(`cluster takes up, down or images, got '${action ?? ''}'; e.g. milvus-drill cluster up`);
  }
}

async function importImages(cluster: string, milvusVersion: string, log: (m: string) => void): Promise<void> {
  const started = Date.now();
  const refs = (await buildImages({ components: [...IMAGE_COMPONENTS], milvusVersion, log })).map((r) => r.ref);
  await loadImages({ name: cluster }, refs, log);
  log(`images in cluster ${cluster} (${seconds(started)})`);
}

function seconds(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}
