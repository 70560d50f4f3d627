import { EXIT } from '../core/types.ts';
import { buildImages, IMAGE_COMPONENTS, type ImageComponent } from '../platform/containers/images.ts';
import { flag, parseArgs, UsageError } from './args.ts';

/** `images build`: the container images the scenarios need, built here, skipped when their inputs are unchanged. */
export async function imagesCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { only: 'value', 'milvus-version': 'value' });
  const [action] = args.positionals;
  if (action !== 'build') throw new UsageError(`images takes 'build', got '${action ?? ''}'; e.g. milvus-drill images build --only milvus,etcd,minio`);
  const only = flag(args, 'only');
  const components = only ? only.split(',').map((c) => c.trim()) : [...IMAGE_COMPONENTS];
  const unknown = components.filter((c) => !(IMAGE_COMPONENTS as readonly string[]).includes(c));
  if (unknown.length > 0) throw new UsageError(`--only: unknown image ${unknown.join(', ')}; choose from ${IMAGE_COMPONENTS.join(', ')}`);
  const started = Date.now();
  const results = await buildImages({
    components: components as ImageComponent[],
    milvusVersion: flag(args, 'milvus-version') ?? '2.3.5',
    log: (m) => console.error(`[images] ${m}`),
  });
  for (const r of results) console.log(`${r.component.padEnd(7)} ${r.ref}${r.built ? `  built in ${r.seconds.toFixed(1)} s` : '  cached'}`);
  console.error(`[images] done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return EXIT.pass;
}
