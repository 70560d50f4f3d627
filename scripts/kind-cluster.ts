// `npm run kind:cluster -- up|down [--name N] [--workers N] [--retain]`: a kind cluster on the
// node image `npm run setup:kind` built (Podman provider), its kubeconfig kept in the drill home.
import { drillHome } from '../src/supervise/home.ts';
import { createCluster, deleteCluster } from '../src/platform/kind/cluster.ts';
import { DRILL_CLUSTER_NAME } from '../src/platform/kind/cluster-plan.ts';

const [action, ...rest] = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = rest.indexOf(`--${name}`);
  return i >= 0 ? rest[i + 1] : undefined;
};
const name = flag('name') ?? DRILL_CLUSTER_NAME;
const log = (line: string): void => console.error(`[kind] ${line}`);
const started = Date.now();
try {
  if (action === 'up') {
    const c = await createCluster({ home: drillHome(), name, workers: Number(flag('workers') ?? 0), retain: rest.includes('--retain'), log });
    log(`cluster ${c.name} up in ${((Date.now() - started) / 1000).toFixed(0)} s; kubectl --kubeconfig ${c.kubeconfig} --context ${c.context} get nodes`);
  } else if (action === 'down') {
    await deleteCluster({ home: drillHome(), name, log });
    log(`cluster ${name} deleted in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  } else {
    console.error('usage: npm run kind:cluster -- up|down [--name drill-kind] [--workers 0] [--retain]');
    process.exitCode = 2;
  }
} catch (e) {
  log(e instanceof Error ? e.message : String(e));
  process.exitCode = 1;
}
