import { binKindOf, readBinHeader, readBinRows, writeGroundTruth, type Dataset } from '../dataset/index.ts';
import { exactTopK, type TruthRequest } from '../truth/index.ts';
import { UsageError, flag, intFlag, parseArgs, type ParsedArgs } from './args.ts';
import { datasetFromFlags, parseMetric, requiredInt } from './gen.ts';

export const TRUTH_USAGE = `usage: milvus-drill truth (--base FILE | --profile P --rows N) --queries FILE --k K --metric M --out gt.ibin

Computes exact top-k ground truth and writes it in the big-ann-benchmarks format
(uint32 queries, uint32 k, int32 ids, float32 distances). Ids are row numbers.

  --base FILE        base vectors, .fbin (streamed from disk) or .u8bin
  --profile P        ... or stream the base from the generator (with --seed, --dim, --offset)
  --rows N           number of base rows (default: all rows of --base)
  --queries FILE     query vectors (.fbin or .u8bin); with --profile, a number Q takes the
                     profile's first Q queries
  --k K              neighbours per query (1..16384)
  --metric M         l2 (squared), ip or cosine
  --threads T        worker threads (default: all cores)
  --out FILE         where to write the ground truth`;

const TRUTH_FLAGS = {
  base: 'value', profile: 'value', rows: 'value', offset: 'value', seed: 'value', dim: 'value', queries: 'value',
  k: 'value', metric: 'value', threads: 'value', out: 'value', help: 'boolean',
} as const;

function loadQueries(args: ParsedArgs, dataset: Dataset | null): Float32Array {
  const queries = flag(args, 'queries');
  if (!queries) throw new UsageError('--queries is required');
  if (dataset && /^\d+$/.test(queries)) return dataset.queries(Number(queries));
  binKindOf(queries);
  return Float32Array.from(readBinRows(queries).values);
}

function baseFromFlags(args: ParsedArgs, dataset: Dataset | null): { base: TruthRequest['base']; dim: number; rows: number } {
  const file = flag(args, 'base');
  if (dataset) {
    if (file) throw new UsageError('give either --base or --profile, not both');
    const rows = requiredInt(args, 'rows');
    return { base: { dataset, rows, startId: intFlag(args, 'offset') ?? 0 }, dim: dataset.dim, rows };
  }
  if (!file) throw new UsageError('one of --base FILE or --profile P is required');
  const kind = binKindOf(file);
  const header = readBinHeader(file, kind);
  const rows = intFlag(args, 'rows') ?? header.rows;
  if (rows > header.rows) throw new UsageError(`--rows ${rows} is more than the ${header.rows} rows in ${file}`);
  if (kind === 'fbin') return { base: { fbin: file, rows }, dim: header.dim, rows };
  return { base: Float32Array.from(readBinRows(file, 0, rows).values), dim: header.dim, rows };
}

export async function truthCommand(argv: string[]): Promise<number> {
  try {
    const args = parseArgs(argv, TRUTH_FLAGS);
    if (flag(args, 'help')) {
      console.log(TRUTH_USAGE);
      return 0;
    }
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument '${args.positionals[0]}'`);
    const dataset = flag(args, 'profile') ? datasetFromFlags(args) : null;
    const { base, dim, rows } = baseFromFlags(args, dataset);
    const queries = loadQueries(args, dataset);
    if (queries.length % dim !== 0) throw new UsageError(`the queries are not dim ${dim} vectors like the base`);
    const metricFlag = flag(args, 'metric');
    const metric = metricFlag ? parseMetric(metricFlag) : dataset?.metric;
    if (!metric) throw new UsageError('--metric is required');
    const k = requiredInt(args, 'k');
    const out = flag(args, 'out');
    if (!out) throw new UsageError('--out FILE is required');
    const started = Date.now();
    const onProgress = (done: number, total: number): void =>
      console.error(`truth: ${done} of ${total} rows (${((100 * done) / total).toFixed(1)}%) in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    const truth = await exactTopK({ dim, metric, k, queries, base, threads: intFlag(args, 'threads'), onProgress });
    const nq = queries.length / dim;
    writeGroundTruth(out, { queries: nq, k, ids: truth.ids, distances: truth.distances });
    console.error(`truth: exact top-${k} (${metric}) of ${nq} queries over ${rows} rows in ${((Date.now() - started) / 1000).toFixed(1)} s -> ${out}`);
    return 0;
  } catch (err) {
    const message = err instanceof UsageError ? `${err.message}\n\n${TRUTH_USAGE}` : err instanceof Error ? err.message : String(err);
    console.error(`milvus-drill truth: ${message}`);
    return 2;
  }
}
