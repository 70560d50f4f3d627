import { survivesSdkRetryOnClosedChannel } from './sdk-guard.ts';
import { EXIT } from '../core/types.ts';
import { UsageError } from './args.ts';
import { platformSummaries } from '../platform/registry.ts';

type Command = (argv: string[]) => Promise<number>;

/** Each command lives in its own module, loaded only when used so `validate` stays fast. */
const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  run: { summary: 'run a scenario and write its reports', load: async () => (await import('./run.ts')).runCommand },
  validate: { summary: 'check a scenario and list every error', load: async () => (await import('./run.ts')).validateCommand },
  plan: { summary: 'print what a run would start and when, with no side effects', load: async () => (await import('./run.ts')).planCommand },
  analyze: { summary: 'score a report directory\'s history again (e.g. with edited SLOs) and rewrite its reports', load: async () => (await import('./analyze.ts')).analyzeCommand },
  report: { summary: 'the DR drill report as a PDF with a trend over earlier drills: report --pdf <report-dir>... [--out FILE] [--browser PATH]', load: async () => (await import('./report.ts')).reportCommand },
  gen: { summary: 'write generated vectors as .fbin/.u8bin', load: async () => (await import('./gen.ts')).genCommand },
  truth: { summary: 'exact top-k ground truth as .ibin', load: async () => (await import('./truth.ts')).truthCommand },
  certify: { summary: 'upgrade Milvus --from A --to B under load and certify it (several --to: a matrix; --chain: in order)', load: async () => (await import('./certify.ts')).certifyCommand },
  images: { summary: 'build the container images (`images build [--only milvus,etcd,minio,kafka]`), skipped when unchanged', load: async () => (await import('./images.ts')).imagesCommand },
  cluster: { summary: "the project's kind cluster without a scenario: cluster up (create or reuse, import images, install Chaos Mesh) | images (build and import) | down", load: async () => (await import('./cluster.ts')).clusterCommand },
  heal: { summary: 'stop processes and heal faults that a crashed run left behind', load: async () => (await import('./heal.ts')).healCommand },
};

export function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return [
    'usage: milvus-drill <command> [options]',
    '',
    'commands:',
    ...lines,
    '',
    'run, validate and plan take a scenario file and these options:',
    '  --platform NAME      where to stand the stack up:',
    ...platformSummaries().map((p) => `                         ${p}`),
    '  --out DIR            report directory (default reports/<run-id>)',
    '  --seed N             overrides the scenario seed',
    '  --rows N             overrides dataset.rows',
    '  --set path=value     overrides any scenario field, e.g. --set phases.steady=10s',
    '  --image c=ref        container image of a component (containers platform), e.g. --image milvus=milvusdb/milvus:v2.5.4',
    '  --kube-context CTX   (kind) a context of your kubeconfig, named explicitly; default: the project\'s own kind cluster',
    '  --namespace NS       (kind) the namespace to deploy into (default milvus-drill; created and deleted by the run if absent)',
    '  --allow-non-kind-context  (kind) allow a --kube-context that is not kind-*',
    '  --keep-cluster       (kind) leave the project cluster running when the run created it',
    "  --milvus-backup PATH the milvus-backup binary for backup steps with method 'milvus-backup' (else $MILVUS_BACKUP, else PATH)",
    '',
    'certify takes --from A --to B [--to C ...] [--chain] [--topology standalone|cluster] [--rows N]',
    '  [--coordinators mixture|separate|active-standby] (cluster; default active-standby)',
    '  [--object-store minio|local] [--recall-tolerance 0.01] [--max-downtime SECONDS] [--min-availability 0.99]',
    '  [--rollback] [--platform NAME] [--out DIR]',
    '',
    'exit codes: 0 all SLOs met, 1 an SLO missed, 2 harness or environment error,',
    '            3 invalid scenario, 4 stopped early (an abortOnBreach SLO or a gate missed),',
    '            130 interrupted',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  survivesSdkRetryOnClosedChannel();
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name ? EXIT.pass : EXIT.harness;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`milvus-drill: unknown command '${name}'\n\n${usage()}`);
    return EXIT.harness;
  }
  try {
    return await (await command.load())(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`milvus-drill ${name}: ${err.message}`);
      return EXIT.harness;
    }
    console.error(`milvus-drill ${name}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return EXIT.harness;
  }
}
