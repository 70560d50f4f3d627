/**
 * Which Node SDK serves which Milvus server: the one table the harness and the upgrade path use.
 * From the SDK's own compatibility table (its README): Milvus 2.2.x and 2.3.x → SDK 2.3.5; each
 * later server line → the SDK of the same line. SDKs other than the main dependency are installed
 * side by side under npm aliases (package.json). A server line missing here is refused.
 */
export interface SdkLine {
  /** Server major.minor lines this SDK serves, e.g. ['2.2', '2.3']. */
  servers: readonly string[];
  /** The package (or npm alias) to load. */
  package: string;
  /** The SDK version that package pins, as package.json has it. */
  version: string;
}

export const SDK_FOR_SERVER: readonly SdkLine[] = [
  { servers: ['2.2', '2.3'], package: '@zilliz/milvus2-sdk-node', version: '2.3.5' },
  { servers: ['2.4'], package: 'milvus2-sdk-node-2.4', version: '2.4.9' },
  { servers: ['2.5'], package: 'milvus2-sdk-node-2.5', version: '2.5.12' },
  { servers: ['2.6'], package: 'milvus2-sdk-node-2.6', version: '2.6.17' },
];

/** '2.3.5', 'v2.3.5-lite', 'v2.5.4', 'v2.2-testing-…' (what the 2.3.0 PyPI build reports) → '2.3', '2.3', '2.5', '2.2'; null when it is not a version. */
export function serverLine(version: string): string | null {
  const m = /^v?(\d+)\.(\d+)([.-]|$)/.exec(version.trim());
  return m ? `${m[1]}.${m[2]}` : null;
}

/** The SDK that serves a server version, or undefined when the table has no line for it. */
export function sdkForServer(version: string): SdkLine | undefined {
  const line = serverLine(version);
  return line === null ? undefined : SDK_FOR_SERVER.find((s) => s.servers.includes(line));
}

export function supportedServerLines(): string[] {
  return SDK_FOR_SERVER.flatMap((s) => s.servers.map((l) => `${l}.x`));
}
