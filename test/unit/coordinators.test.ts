import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { CoordinatorRole, FaultSpec, Role } from '../../src/core/types.ts';
import { pickTargets } from '../../src/platform/local/faults.ts';
import { activeProcess, activeSessionKey, clusterProcessSpecs, coordinatorRoles, portsNeeded, renderMilvusConfig, servedRows, type ClusterLayout } from '../../src/platform/local/roles.ts';
import { validateScenario } from '../../src/scenario/validate.ts';
import { scenarioFaults } from '../../src/scenario/steps.ts';

const layout = (over: Partial<ClusterLayout>): ClusterLayout => ({ coordinators: 'separate', proxies: 1, queryNodes: 2, dataNodes: 1, indexNodes: 1, ...over });
const specsOf = (l: ClusterLayout) =>
  clusterProcessSpecs({ layout: l, binDir: '/b', confDir: '/c', workDir: '/w', host: '127.0.0.1', ports: Array.from({ length: portsNeeded(l) }, (_, i) => 30_000 + i) });

describe('coordinator layouts', () => {
  it('runs each coordinator role twice in active-standby, in the rolling order, before the nodes', () => {
    const names = specsOf(layout({ coordinatorReplicas: 2 })).map((s) => s.name);
    assert.deepEqual(names.slice(0, 6), ['rootcoord-1', 'rootcoord-2', 'datacoord-1', 'datacoord-2', 'querycoord-1', 'querycoord-2']);
    assert.deepEqual(names.slice(6), ['datanode-1', 'indexnode-1', 'querynode-1', 'querynode-2', 'proxy-1']);
  });

  it('gives 2.2 its index coordinator, between the data and the query coordinator (Milvus Operator\'s order)', () => {
    assert.deepEqual(coordinatorRoles('2.2.16'), ['rootcoord', 'datacoord', 'indexcoord', 'querycoord']);
    assert.deepEqual(coordinatorRoles('2.3.0'), ['rootcoord', 'datacoord', 'querycoord']);
    const specs = specsOf(layout({ coordinatorRoles: coordinatorRoles('2.2.16') }));
    const indexcoord = specs.find((s) => s.name === 'indexcoord-1');
    assert.deepEqual(indexcoord?.args, ['run', 'indexcoord', '-alias=indexcoord-1']);
    assert.ok(indexcoord?.env.INDEXCOORD_PORT);
    const mixture = specsOf(layout({ coordinators: 'mixture', coordinatorRoles: coordinatorRoles('2.2.16') }))[0];
    assert.deepEqual(mixture?.args, ['run', 'mixture', '-rootcoord=true', '-datacoord=true', '-indexcoord=true', '-querycoord=true', '-alias=coordinators']);
  });

  it('switches active-standby on for every coordinator role in milvus.yaml, under the version\'s own keys', () => {
    const yaml = renderMilvusConfig({
      host: '127.0.0.1', etcdEndpoints: ['e:2379'], etcdRootPath: 'r', minio: { address: 'm', port: 9000, accessKey: 'a', secretKey: 's', bucket: 'b', rootPath: 'f' },
      kafkaBrokerList: 'k:9092', localStoragePath: '/l', activeStandby: true, versionConfig: { queryCoord: { autoHandoff: true }, common: { chanNamePrefix: { cluster: 'by-dev' } } },
    });
    for (const domain of ['rootCoord', 'dataCoord', 'queryCoord', 'indexCoord']) assert.match(yaml, new RegExp(`^${domain}:\\n(?: {2}\\w+: .*\\n)* {2}enableActiveStandby: true$`, 'm'));
    assert.match(yaml, /^queryCoord:\n {2}autoHandoff: true\n {2}ip: "127.0.0.1"\n {2}enableActiveStandby: true$/m);
    assert.match(yaml, /^common:\n {2}chanNamePrefix:\n {4}cluster: "by-dev"\n {2}storageType: "minio"$/m);
  });
});

describe('the active coordinator from its etcd session', () => {
  const specs = specsOf(layout({ coordinatorReplicas: 2 }));
  const qc2 = specs.find((s) => s.name === 'querycoord-2')!;

  it('names the process whose gRPC address the active session holds', () => {
    assert.equal(activeSessionKey('milvus-drill', 'querycoord'), 'milvus-drill/meta/session/querycoord');
    const session = JSON.stringify({ ServerID: 12, ServerName: 'querycoord', Address: `127.0.0.1:${qc2.ports.querycoord}`, TriggerKill: true });
    assert.equal(activeProcess(session, 'querycoord', specs)?.name, 'querycoord-2');
  });

  it('names none for an address of no process of ours, and refuses a session of another role or not JSON', () => {
    assert.equal(activeProcess(JSON.stringify({ ServerName: 'querycoord', Address: '10.0.0.1:1' }), 'querycoord', specs), null);
    assert.throws(() => activeProcess(JSON.stringify({ ServerName: 'rootcoord', Address: 'x' }), 'querycoord', specs), /names server 'rootcoord'/);
    assert.throws(() => activeProcess('{', 'querycoord', specs), /not JSON/);
  });
});

describe("the 'active' selector", () => {
  const stack = { topology: 'cluster', messageQueue: 'kafka', coordinators: 'active-standby' } as const;
  const fault = (target: Record<string, unknown>, s: Record<string, unknown> = stack): FaultSpec => {
    const result = validateScenario({ name: 'f', stack: s, phases: { fault: '1m' }, faults: [{ kind: 'pod-kill', target: { role: 'coordinator', ...target }, duration: '10s' }] });
    assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
    return scenarioFaults(result.scenario)[0]!;
  };
  const coordinators = (['rootcoord', 'querycoord'] as const).flatMap((r) => [1, 2].map((i) => ({ name: `${r}-${i}`, role: 'coordinator' as Role, coordinatorRoles: [r] as CoordinatorRole[] })));
  const ctx = (active: Record<string, string>) => ({ seed: 1, etcdLeader: () => Promise.reject(new Error('unused')), activeCoordinator: async (role: CoordinatorRole) => active[role]! });

  it('hits the instance the cluster says is active, among that role only', async () => {
    const picked = await pickTargets(coordinators, fault({ member: 'active', coordinator: 'querycoord' }), ctx({ querycoord: 'querycoord-2', rootcoord: 'rootcoord-1' }));
    assert.deepEqual(picked.map((c) => c.name), ['querycoord-2']);
  });

  it('draws among one role\'s instances with a coordinator and no member', async () => {
    const picked = await pickTargets(coordinators, fault({ coordinator: 'rootcoord', mode: 'all' }), ctx({}));
    assert.deepEqual(picked.map((c) => c.name), ['rootcoord-1', 'rootcoord-2']);
  });

  it('fails with the names when the active one is not among the candidates, or cannot be told', async () => {
    await assert.rejects(pickTargets(coordinators, fault({ member: 'active', coordinator: 'querycoord' }), ctx({ querycoord: 'querycoord-9' })), /active querycoord is 'querycoord-9', which is not among querycoord-1, querycoord-2/);
    await assert.rejects(pickTargets(coordinators, fault({ member: 'active', coordinator: 'querycoord' }), { seed: 1, etcdLeader: async () => '' }), /cannot tell which querycoord instance is active/);
  });

  it('is refused by validate without a coordinator role when several run, and for an index coordinator on 2.3', () => {
    const result = validateScenario({ name: 'f', stack, phases: { fault: '1m' }, faults: [{ kind: 'pod-kill', target: { role: 'coordinator', member: 'active' }, duration: '10s' }] });
    assert.ok(!result.ok && result.errors.some((e) => e.path === 'faults[0].target.coordinator' && /each coordinator role elects its own active instance/.test(e.message)));
    const index = validateScenario({ name: 'f', stack, phases: { fault: '1m' }, faults: [{ kind: 'pod-kill', target: { role: 'coordinator', coordinator: 'indexcoord' }, duration: '10s' }] });
    assert.ok(!index.ok && index.errors.some((e) => /has no index coordinator/.test(e.message)));
    const standalone = validateScenario({ name: 'f', stack: { coordinators: 'active-standby' }, phases: { steady: '1m' } });
    assert.ok(!standalone.ok && standalone.errors.some((e) => e.path === 'stack.coordinators'));
  });
});

describe('rows a query node serves', () => {
  it('sums milvus_querynode_entity_num over collections and segment states; null without it', () => {
    const text = [
      '# HELP milvus_querynode_entity_num number of entities which can be searched/queried',
      '# TYPE milvus_querynode_entity_num gauge',
      'milvus_querynode_entity_num{collection_id="1",node_id="4",segment_state="Sealed"} 1500',
      'milvus_querynode_entity_num{collection_id="1",node_id="4",segment_state="Growing"} 37',
      'milvus_querynode_flowgraph_num{node_id="4"} 2',
    ].join('\n');
    assert.equal(servedRows(text), 1537);
    assert.equal(servedRows('milvus_querynode_flowgraph_num{node_id="4"} 2\n'), null);
  });
});
