import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { overlaps } from '../../src/platform/local/netns.ts';
import { describe as describeFault, validateNetworkFault } from '../../src/platform/local/netfault.ts';

const components = ['proxy', 'querynode-1', 'etcd'];

describe('validateNetworkFault', () => {
  it('accepts a Chaos Mesh shaped delay towards one target', () => {
    assert.deepEqual(validateNetworkFault({ action: 'delay', latency: 100, jitter: 10, correlation: 25, source: 'proxy', targets: ['querynode-1'] }, components), []);
  });

  it('reports every problem at once, naming the field', () => {
    const problems = validateNetworkFault({ action: 'loss', loss: 150, source: 'nope', targets: ['ghost', 'nope'] }, components);
    assert.equal(problems.length, 5);
    assert.match(problems.join('\n'), /^source: no component 'nope'/m);
    assert.match(problems.join('\n'), /^targets: no component 'ghost'/m);
    assert.match(problems.join('\n'), /^targets: 'nope' is the source itself/m);
    assert.match(problems.join('\n'), /^loss: must be a percentage/m);
  });

  it('refuses directions and targets the mechanism cannot honour', () => {
    assert.match(validateNetworkFault({ action: 'duplicate', duplicate: 10, source: 'proxy', direction: 'both' }, components).join(), /duplicate supports only 'to'/);
    const bandwidth = validateNetworkFault({ action: 'bandwidth', rate: 'fast', limit: 0, buffer: 1, source: 'proxy', targets: ['etcd'], direction: 'from' }, components);
    assert.deepEqual(bandwidth.map((p) => p.split(':')[0]), ['rate', 'limit', 'direction', 'targets']);
  });

  it('accepts the host as a target and rejects an empty target list', () => {
    assert.deepEqual(validateNetworkFault({ action: 'partition', source: 'etcd', targets: ['host'] }, components), []);
    assert.match(validateNetworkFault({ action: 'partition', source: 'etcd', targets: [] }, components).join(), /targets: empty list/);
  });

  it('describes a fault in one line', () => {
    assert.equal(describeFault({ action: 'delay', latency: 100, jitter: 10, source: 'proxy', targets: ['etcd'] }), 'network delay 100ms±10ms proxy to etcd');
    assert.equal(describeFault({ action: 'partition', source: 'etcd', direction: 'both' }), 'network partition etcd both *');
  });
});

describe('overlaps', () => {
  it('detects CIDR overlap in both directions', () => {
    assert.equal(overlaps('10.0.0.0/8', '10.120.3.0/24'), true);
    assert.equal(overlaps('10.120.3.0/24', '10.0.0.0/8'), true);
    assert.equal(overlaps('10.120.4.0/24', '10.120.3.0/24'), false);
    assert.equal(overlaps('0.0.0.0/0', '10.1.2.0/24'), true);
    assert.equal(overlaps('192.0.2.2', '192.0.2.0/24'), true);
  });
});
