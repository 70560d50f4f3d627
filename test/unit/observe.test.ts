import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detect, serverErrorClass } from '../../src/checks/detectors.ts';
import { histogramBuckets, parsePrometheus, quantileBetween } from '../../src/checks/prometheus.ts';
import { serverView } from '../../src/checks/server.ts';
import { history, search } from '../support/history.ts';

test('detectors: empty results, missing and unloaded collections, a failing tail', () => {
  const ops = [
    search(0, 'ok', { ids: [1, 2], phase: 'steady' }),
    search(100, 'ok', { ids: [], phase: 'recovered' }),
    search(150, 'ok', { ids: [], phase: 'recovered', filter: { category: 2 } }), // a filter may match nothing
    search(200, 'fail', { phase: 'recovered', errorClass: 'collection-not-loaded', error: 'collection not loaded' }),
    search(300, 'fail', { phase: 'recovered', errorClass: 'collection-missing', error: "can't find collection" }),
    search(9_000, 'unknown', { phase: 'recovered' }),
    search(12_000, 'fail', { phase: 'recovered' }),
  ];
  const found = detect(history(ops), { expectedRows: 100, failingTailMs: 5000 });
  assert.deepEqual(found.map((f) => [f.detector, f.count]), [
    ['empty-results', 1],
    ['collection-not-loaded', 1],
    ['collection-missing', 1],
    ['failing-after-heal', 2],
  ]);
  assert.deepEqual(detect(history([search(0, 'ok', { ids: [1] })]), { expectedRows: 100, failingTailMs: 5000 }), []);
});

test('server error classes', () => {
  assert.equal(serverErrorClass('UnexpectedError: failed to search: collection not loaded[collection=4]'), 'collection-not-loaded');
  assert.equal(serverErrorClass("can't find collection: drill_smoke"), 'collection-missing');
  assert.equal(serverErrorClass('proxy TaskCondition context Done'), 'server-timeout');
  assert.equal(serverErrorClass('something else'), 'server-error');
});

const scrape = (searchCount: number, buckets: [string, number][]): string =>
  [
    '# HELP milvus_proxy_sq_latency latency',
    ...buckets.map(([le, n]) => `milvus_proxy_sq_latency_bucket{node_id="1",query_type="search",le="${le}"} ${n}`),
    `milvus_proxy_sq_latency_bucket{node_id="1",query_type="query",le="+Inf"} 99`,
    `milvus_proxy_req_count{function_name="Search",node_id="1",status="total"} ${searchCount}`,
    `milvus_proxy_req_count{function_name="Search",node_id="1",status="fail"} 1`,
    'milvus_datacoord_stored_rows_count 5000',
  ].join('\n');

test('Prometheus text: histogram quantiles between two scrapes, as histogram_quantile', () => {
  const a = parsePrometheus(scrape(10, [['1', 10], ['2', 10], ['4', 10], ['+Inf', 10]]));
  const b = parsePrometheus(scrape(110, [['1', 10], ['2', 60], ['4', 110], ['+Inf', 110]]));
  const before = histogramBuckets(a, 'milvus_proxy_sq_latency', (l) => l.query_type === 'search');
  const after = histogramBuckets(b, 'milvus_proxy_sq_latency', (l) => l.query_type === 'search');
  assert.deepEqual(quantileBetween(before, after, 0.5), { value: 2, count: 100 });
  assert.equal(quantileBetween(before, after, 0.99).value, 3.96);
  assert.deepEqual(quantileBetween(before, before, 0.99), { value: null, count: 0 });
});

test('server view per phase, across a restart that reset the counters', () => {
  const s = (at: number, ok: boolean, count: number, b: [string, number][]) => ({ at, ok, samples: ok ? parsePrometheus(scrape(count, b)) : [] });
  const scrapes = [
    s(0, true, 10, [['2', 10], ['+Inf', 10]]),
    s(5, true, 60, [['2', 60], ['+Inf', 60]]),
    s(10, false, 0, []),
    s(15, true, 5, [['2', 5], ['+Inf', 5]]), // restarted: counters from zero
    s(20, true, 25, [['2', 20], ['+Inf', 25]]),
  ];
  const [steady, fault] = serverView(scrapes, [
    { phase: 'steady', start: 0, end: 6 },
    { phase: 'fault', start: 7, end: 21 },
  ]);
  assert.deepEqual([steady!.searches, steady!.scrapes, steady!.failedScrapes, steady!.storedRows], [50, 2, 0, 5000]);
  assert.deepEqual([fault!.searches, fault!.scrapes, fault!.failedScrapes], [20, 3, 1]);
  assert.equal(fault!.p50, 4 / 3, '15 of 20 searches in (0, 2] ms: the 10th at 2·10/15');
});
