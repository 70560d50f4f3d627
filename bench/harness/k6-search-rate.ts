// How fast can the k6 driver push searches at a local Milvus? Steps the open-model arrival rate up
// until k6 drops more than 1% of iterations (or a search is not ok), and reports the highest rate
// it sustained as a ratio against a baseline measured in the same run on the same server: the
// rate a closed loop of Node SDK clients reaches. Run: node --import tsx bench/harness/k6-search-rate.ts
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MilvusClient } from '@zilliz/milvus2-sdk-node';
import { Journal } from '../../src/supervise/journal.ts';
import { percentile } from '../../src/checks/percentile.ts';
import { runK6 } from '../../src/workload/k6/run.ts';
import type { K6WorkloadSpec } from '../../src/workload/k6/spec.ts';
import { createFlatCollection, startTestMilvus, testVectors, writeFbin } from '../../test/integration/support/k6-milvus.ts';

const DIM = 16;
const ROWS = 2_000;
const QUERIES = 100;
const TOP_K = 10;
const COLLECTION = 'bench_search';
const STEP_MS = 3_000;
const MAX_STEPS = 8;
const FIRST_RATE = 50;
const GROWTH = 1.5;
const MAX_DROPPED_FRACTION = 0.01;
const SDK_CONCURRENCY = 8;

interface Step {
  rate: number;
  ran: number;
  dropped: number;
  notOk: number;
  p99Ms: number | null;
}

/** Searches per second a closed loop of SDK clients completes (each starts when its last ends). */
async function sdkClosedLoopRate(address: string, queries: Float32Array): Promise<number> {
  const clients = Array.from({ length: SDK_CONCURRENCY }, () => new MilvusClient({ address }));
  const deadline = Date.now() + STEP_MS;
  let done = 0;
  const started = Date.now();
  await Promise.all(
    clients.map(async (client, c) => {
      for (let i = c; Date.now() < deadline; i += SDK_CONCURRENCY) {
        const q = i % QUERIES;
        const res = await client.search({
          collection_name: COLLECTION,
          vector: Array.from(queries.subarray(q * DIM, (q + 1) * DIM)),
          limit: TOP_K,
          metric_type: 'L2',
        });
        if (res.status.error_code !== 'Success') throw new Error(`SDK search failed: ${res.status.reason}`);
        done++;
      }
    }),
  );
  const rate = done / ((Date.now() - started) / 1000);
  await Promise.all(clients.map((c) => c.closeConnection()));
  return rate;
}

async function k6Step(rate: number, address: string, dir: string, journal: Journal): Promise<Step> {
  const spec: K6WorkloadSpec = {
    collection: COLLECTION,
    idField: 'id',
    vectorField: 'vector',
    dim: DIM,
    metric: 'L2',
    topK: TOP_K,
    searchParams: {},
    consistency: null,
    // Every VU parses milvus.proto when k6 creates it; pre-allocating keeps that out of the measured window.
    search: { arrival: { kind: 'constant', rate, duration: STEP_MS }, vus: { preAllocated: 32, max: 64 } },
    writes: [],
    timeout: 5_000,
    queryVectorsFile: join(dir, 'queries.fbin'),
    phases: [],
    recordSearchResults: false,
  };
  const result = await runK6({ spec, slos: [], address, runDir: join(dir, `k6-${rate}`), journal, epochMs: Date.now() });
  const searches = result.ops.filter((o) => o.op === 'search');
  return {
    rate,
    ran: searches.length,
    dropped: result.dropped.byScenario.search ?? 0,
    notOk: searches.filter((o) => o.outcome !== 'ok').length,
    p99Ms: percentile(searches.map((o) => o.latencyMs), 99),
  };
}

function sustained(step: Step): boolean {
  return step.notOk === 0 && step.dropped <= MAX_DROPPED_FRACTION * (step.ran + step.dropped);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'k6-bench-'));
  const journal = new Journal(join(dir, 'state'), 'k6-bench');
  const milvus = await startTestMilvus(join(dir, 'milvus'));
  try {
    const sdk = new MilvusClient({ address: milvus.address });
    await createFlatCollection(sdk, COLLECTION, testVectors(ROWS, DIM, 1), DIM);
    await sdk.closeConnection();
    const queries = testVectors(QUERIES, DIM, 2);
    writeFbin(join(dir, 'queries.fbin'), queries, DIM);

    const baseline = await sdkClosedLoopRate(milvus.address, queries);
    const steps: Step[] = [];
    for (let rate = FIRST_RATE, i = 0; i < MAX_STEPS; i++, rate = Math.round(rate * GROWTH)) {
      const step = await k6Step(rate, milvus.address, dir, journal);
      steps.push(step);
      process.stderr.write(`k6 at ${rate}/s: ran ${step.ran}, dropped ${step.dropped}, not ok ${step.notOk}, p99 ${step.p99Ms?.toFixed(1)} ms\n`);
      if (!sustained(step)) break;
    }
    const best = steps.filter(sustained).at(-1)?.rate ?? 0;
    const hitCeiling = steps.length === MAX_STEPS && sustained(steps.at(-1)!);
    console.log(JSON.stringify({
      sdkClosedLoopSearchesPerSecond: Math.round(baseline),
      k6SustainedSearchesPerSecond: best,
      k6SustainedIsLowerBound: hitCeiling,
      ratioK6ToSdk: Number((best / baseline).toFixed(2)),
      steps,
    }, null, 2));
  } finally {
    await milvus[Symbol.asyncDispose]();
    journal.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
