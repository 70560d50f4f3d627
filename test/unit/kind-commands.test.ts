import { test } from 'node:test';
import assert from 'node:assert/strict';
import { etcdLeaderLookup, optInErrors, parseEtcdLeader, planDown, planInject, planHeal, planReap, planUp, portForwardArgv, type KubeOptIn, type Step } from '../../src/platform/kind/commands.ts';
import { compileFault, type ChaosObject } from '../../src/platform/kind/chaos.ts';
import type { FaultSpec, StackSpec } from '../../src/core/types.ts';

const optIn: KubeOptIn = { context: 'kind-milvus-drill', namespace: 'drill-ns', allowNonKindContext: false };

test('a cluster is touched only when context and namespace were named and the context is current', () => {
  assert.deepEqual(optInErrors(optIn, 'kind-milvus-drill'), []);
  const paths = (o: Partial<KubeOptIn>, current: string | null) => optInErrors(o, current).map((e) => e.path);
  assert.deepEqual(paths({}, 'kind-milvus-drill'), ['kube.context', 'kube.namespace']);
  assert.deepEqual(paths(optIn, 'kind-other'), ['kube.context']);
  assert.deepEqual(paths(optIn, null), ['kube.context']);
  assert.match(optInErrors(optIn, 'kind-other')[0]!.fix, /use-context kind-milvus-drill/);
});

test('a context that is not kind needs an extra flag; system namespaces are refused', () => {
  const prod = { context: 'prod-eu', namespace: 'drill-ns', allowNonKindContext: false };
  assert.match(optInErrors(prod, 'prod-eu')[0]!.fix, /--allow-non-kind-context/);
  assert.deepEqual(optInErrors({ ...prod, allowNonKindContext: true }, 'prod-eu'), []);
  for (const ns of ['kube-system', 'default', 'chaos-mesh', 'Bad_Name']) {
    assert.deepEqual(optInErrors({ ...optIn, namespace: ns }, optIn.context).map((e) => e.path), ['kube.namespace'], ns);
  }
});

const stack: StackSpec = { milvusVersion: '2.6.15', topology: 'cluster', etcd: { members: 3 }, messageQueue: 'pulsar', objectStore: 'minio' };
const podKill = { name: 'kill qn', kind: 'pod-kill', target: { role: 'querynode', mode: 'one' }, at: 0, duration: 30_000, params: {} } as FaultSpec;

function chaosObjects(): ChaosObject[] {
  const result = compileFault(podKill, 0, { deployment: { method: 'helm', name: 'drill' }, namespace: optIn.namespace, runId: 'run-7', stack });
  assert.ok(result.ok);
  return result.objects;
}

function allSteps(): Step[] {
  const deployments = [{ method: 'helm', name: 'drill' }, { method: 'operator', name: 'drill' }] as const;
  return deployments.flatMap((deployment) => [
    ...planUp(optIn, { deployment, manifestFile: '/tmp/m.json', chart: 'milvus/milvus', createCluster: { name: 'milvus-drill', configFile: 'kind-config.yaml' }, timeoutMinutes: 20 }),
    ...planInject(optIn, chaosObjects()),
    ...planHeal(optIn, chaosObjects()),
    ...planDown(optIn, { deployment, runId: 'run-7', keepVolumes: false, deleteCluster: 'milvus-drill' }),
    etcdLeaderLookup(optIn, deployment),
    { argv: portForwardArgv(optIn, deployment, 40123), purpose: 'port-forward' },
  ]);
}

test('every kubectl and helm command names the opted-in context, and all but namespace creation the namespace', () => {
  const steps = allSteps();
  for (const { argv } of steps) {
    if (argv[0] === 'kubectl') assert.deepEqual(argv.slice(1, 3), ['--context', optIn.context], argv.join(' '));
    if (argv[0] === 'helm') assert.deepEqual(argv.slice(1, 5), ['--kube-context', optIn.context, '--namespace', optIn.namespace], argv.join(' '));
    if (argv[0] === 'kubectl' && argv[3] !== 'create') assert.deepEqual(argv.slice(3, 5), ['--namespace', optIn.namespace], argv.join(' '));
    assert.ok(['kubectl', 'helm', 'kind'].includes(argv[0]!), argv[0]);
  }
  assert.ok(steps.length > 20);
});

test('injection applies each object strictly then waits for AllInjected; healing deletes it', () => {
  const [apply, wait] = planInject(optIn, chaosObjects());
  const name = chaosObjects()[0]!.metadata.name;
  assert.deepEqual(apply!.argv.slice(5), ['apply', '--validate=strict', '-f', '-']);
  assert.equal(JSON.parse(apply!.stdin!).metadata.name, name);
  assert.deepEqual(wait!.argv.slice(5, 7), ['wait', '--for=condition=AllInjected=true']);
  assert.ok(wait!.argv.includes(`podchaos/${name}`));
  assert.deepEqual(planHeal(optIn, chaosObjects())[0]!.argv.slice(5), ['delete', `podchaos/${name}`, '--ignore-not-found', '--wait=true']);
});

test('teardown reaps chaos objects by label first, then uninstalls and removes volumes', () => {
  const down = planDown(optIn, { deployment: { method: 'helm', name: 'drill' }, runId: 'run-7', keepVolumes: false, deleteCluster: null });
  assert.deepEqual(down[0]!.argv.slice(5), ['delete', 'podchaos,networkchaos,stresschaos,iochaos', '--selector', 'app.kubernetes.io/managed-by=milvus-drill,milvus-drill/run-id=run-7', '--ignore-not-found', '--wait=true']);
  assert.deepEqual(down[1]!.argv.slice(5, 7), ['uninstall', 'drill']);
  assert.deepEqual(down.slice(2).map((s) => s.argv.at(-3)), ['app.kubernetes.io/instance=drill', 'release=drill']);
  const kept = planDown(optIn, { deployment: { method: 'helm', name: 'drill' }, runId: 'run-7', keepVolumes: true, deleteCluster: 'milvus-drill' });
  assert.deepEqual(kept.map((s) => s.argv[0]), ['kubectl', 'helm', 'kind']);
  assert.ok(planReap(optIn, null).argv.includes('app.kubernetes.io/managed-by=milvus-drill'));
});

test('the etcd leader is found from etcdctl endpoint status, 64-bit ids intact', () => {
  const lookup = etcdLeaderLookup(optIn, { method: 'operator', name: 'drill' });
  assert.ok(lookup.argv.includes('drill-etcd-0'));
  // Two ids that differ only past 2^53 would look equal after a plain JSON.parse.
  const status = (pod: string, id: string) => `{"Endpoint":"http://${pod}.drill-etcd-headless.drill-ns.svc.cluster.local:2379","Status":{"header":{"cluster_id":1,"member_id":${id},"revision":9,"raft_term":4},"leader":9263980815451146241}}`;
  const stdout = `[${status('drill-etcd-0', '9263980815451146240')},${status('drill-etcd-1', '9263980815451146241')},${status('drill-etcd-2', '17')}]`;
  assert.equal(parseEtcdLeader(stdout), 'drill-etcd-1');
  assert.equal(parseEtcdLeader('Error: context deadline exceeded'), null);
  assert.equal(parseEtcdLeader('[]'), null);
});
