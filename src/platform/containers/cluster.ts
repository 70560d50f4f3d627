import type { RunContext } from '../../core/platform.ts';
import type { ImageComponent, StackSpec } from '../../core/types.ts';
import type { ContainerRun } from './runtime.ts';

export interface ContainerCluster {
  milvusAddress: string;
  metricsUrl: string;
}

export async function startContainerCluster(_run: ContainerRun, _spec: StackSpec, _image: (c: ImageComponent) => string, _ctx: RunContext): Promise<ContainerCluster> {
  throw new Error('the container cluster topology is not implemented yet');
}
