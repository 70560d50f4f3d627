import type { Metric } from '../core/types.ts';
import { BinWriter, binKindOf, createDataset, listProfiles, profileSpec, type Dataset } from '../dataset/index.ts';
import { UsageError, flag, intFlag, parseArgs, type ParsedArgs } from './args.ts';

export const GEN_USAGE = `usage: milvus-drill gen --profile P --rows N --out FILE [options]

Writes rows [offset, offset+N) of a generated dataset as a big-ann-benchmarks file
(.fbin float32, or .u8bin for integer profiles such as sift-128).

  --profile P        one of: ${listProfiles().join(', ')}
  --rows N           number of base rows to write
  --offset O         first row id (default 0)
  --queries Q        also write Q query vectors
  --queries-out F    where to write them (default: FILE with .queries before the extension)
  --seed S           dataset seed (default 0)
  --dim D            overrides the profile's dimension
  --metric M         l2, ip or cosine (default: the profile's)`;

const GEN_FLAGS = {
  profile: 'value', rows: 'value', offset: 'value', queries: 'value', 'queries-out': 'value',
  seed: 'value', dim: 'value', metric: 'value', out: 'value', help: 'boolean',
} as const;

const ROWS_PER_WRITE = 1 << 14;

export function parseMetric(value: string): Metric {
  const metric = ({ l2: 'L2', ip: 'IP', cosine: 'COSINE' } as const)[value.toLowerCase() as 'l2' | 'ip' | 'cosine'];
  if (!metric) throw new UsageError(`--metric must be l2, ip or cosine, got '${value}'`);
  return metric;
}

/** The dataset named by --profile, --seed, --dim and --metric. */
export function datasetFromFlags(args: ParsedArgs): Dataset {
  const profile = flag(args, 'profile');
  if (!profile) throw new UsageError('--profile is required');
  if (!listProfiles().includes(profile)) throw new UsageError(`unknown --profile '${profile}'; known: ${listProfiles().join(', ')}`);
  const spec = profileSpec(profile);
  const metricFlag = flag(args, 'metric');
  return createDataset({
    profile,
    dim: intFlag(args, 'dim') ?? spec.defaultDim,
    metric: metricFlag ? parseMetric(metricFlag) : spec.defaultMetric,
    seed: intFlag(args, 'seed') ?? 0,
  });
}

export function requiredInt(args: ParsedArgs, name: string): number {
  const value = intFlag(args, name);
  if (value === undefined) throw new UsageError(`--${name} is required`);
  return value;
}

function queriesPath(out: string): string {
  return out.replace(/(\.[^./]+)$/, '.queries$1');
}

function writeRows(path: string, count: number, dim: number, rowsAt: (start: number, n: number) => Float32Array): void {
  const writer = new BinWriter(path, count, dim);
  try {
    let lastReport = Date.now();
    for (let done = 0; done < count; done += ROWS_PER_WRITE) {
      writer.append(rowsAt(done, Math.min(ROWS_PER_WRITE, count - done)));
      if (Date.now() - lastReport > 5000) {
        console.error(`gen: ${path}: ${done + ROWS_PER_WRITE} of ${count} rows`);
        lastReport = Date.now();
      }
    }
    writer.close();
  } finally {
    writer[Symbol.dispose]();
  }
}

export async function genCommand(argv: string[]): Promise<number> {
  try {
    const args = parseArgs(argv, GEN_FLAGS);
    if (flag(args, 'help')) {
      console.log(GEN_USAGE);
      return 0;
    }
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument '${args.positionals[0]}'`);
    const dataset = datasetFromFlags(args);
    const rows = requiredInt(args, 'rows');
    const offset = intFlag(args, 'offset') ?? 0;
    const out = flag(args, 'out');
    if (!out) throw new UsageError('--out FILE is required');
    binKindOf(out);
    const started = Date.now();
    writeRows(out, rows, dataset.dim, (start, n) => dataset.vectors(offset + start, n));
    const queries = intFlag(args, 'queries');
    const qOut = flag(args, 'queries-out') ?? queriesPath(out);
    if (queries !== undefined) writeRows(qOut, queries, dataset.dim, (start, n) => dataset.queries(n, start));
    const seconds = (Date.now() - started) / 1000;
    console.error(`gen: wrote ${rows} rows of ${dataset.profile.name} (dim ${dataset.dim}, ids ${offset}..${offset + rows - 1}) to ${out}` +
      (queries !== undefined ? ` and ${queries} queries to ${qOut}` : '') + ` in ${seconds.toFixed(1)} s`);
    return 0;
  } catch (err) {
    const message = err instanceof UsageError ? `${err.message}\n\n${GEN_USAGE}` : err instanceof Error ? err.message : String(err);
    console.error(`milvus-drill gen: ${message}`);
    return 2;
  }
}
