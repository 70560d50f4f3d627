import { test } from 'node:test';
import assert from 'node:assert/strict';
import { optInErrors, parseEtcdLeader, type KubeOptIn } from '../../src/platform/kind/commands.ts';

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

test('the etcd leader is found from etcdctl endpoint status, 64-bit ids intact', () => {
  // Two ids that differ only past 2^53 would look equal after a plain JSON.parse.
  const status = (pod: string, id: string) => `{"Endpoint":"http://${pod}.drill-etcd-headless.drill-ns.svc.cluster.local:2379","Status":{"header":{"cluster_id":1,"member_id":${id},"revision":9,"raft_term":4},"leader":9263980815451146241}}`;
  const stdout = `[${status('drill-etcd-0', '9263980815451146240')},${status('drill-etcd-1', '9263980815451146241')},${status('drill-etcd-2', '17')}]`;
  assert.equal(parseEtcdLeader(stdout), 'drill-etcd-1');
  assert.equal(parseEtcdLeader('Error: context deadline exceeded'), null);
  assert.equal(parseEtcdLeader('[]'), null);
});
