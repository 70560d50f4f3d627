import type { Platform } from '../core/platform.ts';

/** What the command line says about the cluster a kind run may touch. */
export interface PlatformOptions {
  kubeContext?: string;
  namespace?: string;
  allowNonKindContext?: boolean;
  keepCluster?: boolean;
}

/** Every platform a run can stand a stack up on, loaded only when chosen. */
const PLATFORMS: Record<string, { summary: string; load: (o: PlatformOptions) => Promise<Platform> }> = {
  local: {
    summary: 'every component a real process on this machine (the default)',
    load: async () => new (await import('./local/platform.ts')).LocalPlatform(),
  },
  containers: {
    summary: 'each component in its own container (Docker, or Podman here), through testcontainers',
    load: async () => new (await import('./containers/platform.ts')).ContainersPlatform(),
  },
  kind: {
    summary: 'Kubernetes in Podman (the project\'s own kind cluster, or --kube-context), faults as Chaos Mesh objects',
    load: async (o) => {
      const kind = await import('./kind/platform.ts');
      return new kind.KindPlatform({
        ...(o.kubeContext ? { kubeContext: o.kubeContext } : {}),
        namespace: o.namespace ?? kind.DEFAULT_NAMESPACE,
        allowNonKindContext: o.allowNonKindContext ?? false,
        keepCluster: o.keepCluster ?? false,
      });
    },
  },
};

export const DEFAULT_PLATFORM = 'local';

export function platformNames(): string[] {
  return Object.keys(PLATFORMS);
}

export function platformSummaries(): string[] {
  return Object.entries(PLATFORMS).map(([name, p]) => `${name}: ${p.summary}`);
}

/** The named platform, or undefined when there is no such platform. */
export async function loadPlatform(name: string, options: PlatformOptions = {}): Promise<Platform | undefined> {
  return PLATFORMS[name]?.load(options);
}
