import type { Platform } from '../core/platform.ts';

/** Every platform a run can stand a stack up on, loaded only when chosen. */
const PLATFORMS: Record<string, { summary: string; load: () => Promise<Platform> }> = {
  local: {
    summary: 'every component a real process on this machine (the default)',
    load: async () => new (await import('./local/platform.ts')).LocalPlatform(),
  },
  containers: {
    summary: 'each component in its own container (Docker, or Podman here), through testcontainers',
    load: async () => new (await import('./containers/platform.ts')).ContainersPlatform(),
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
export async function loadPlatform(name: string): Promise<Platform | undefined> {
  return PLATFORMS[name]?.load();
}
