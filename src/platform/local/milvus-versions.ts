import { serverLine } from '../../core/sdk-versions.ts';

/**
 * Channel names, spelled out for every line as Milvus's own milvus.yaml spells them. 2.2 has no
 * built-in default for them (it panics 'invalid keys'); 2.3 has none for some (its DML channels
 * come out as 'by-dev-_0'), so without these a 2.2 → 2.3 upgrade finds the collection on channels
 * the new version never ticks, and every search waits for a time tick that never comes.
 */
export const CHANNEL_CONFIG = {
  common: {
    chanNamePrefix: {
      cluster: 'by-dev',
      rootCoordTimeTick: 'rootcoord-timetick',
      rootCoordStatistics: 'rootcoord-statistics',
      rootCoordDml: 'rootcoord-dml',
      rootCoordDelta: 'rootcoord-delta',
      search: 'search',
      searchResult: 'searchResult',
      queryTimeTick: 'queryTimeTick',
      dataCoordStatistic: 'datacoord-statistics-channel',
      dataCoordTimeTick: 'datacoord-timetick-channel',
      dataCoordSegmentInfo: 'segment-info-channel',
    },
    subNamePrefix: {
      proxySubNamePrefix: 'proxy',
      rootCoordSubNamePrefix: 'rootCoord',
      queryNodeSubNamePrefix: 'queryNode',
      dataCoordSubNamePrefix: 'dataCoord',
      dataNodeSubNamePrefix: 'dataNode',
    },
  },
};

/**
 * What each Milvus line's milvus.yaml needs beyond the keys every line shares (milvus.ts). 2.2
 * has no built-in defaults for these and panics or crashes at start; they were found by starting
 * 2.2.16 on our minimal config until it ran.
 */
const LINE_CONFIG: Record<string, Record<string, unknown>> = {
  '2.2': {
    queryCoord: { autoHandoff: true },
    // 2.2 reads these even with storageType local (the harness's MinIO settings replace them when
    // it has MinIO); address and port point at nothing on loopback.
    minio: {
      address: '127.0.0.1', port: 9, accessKeyID: 'unused', secretAccessKey: 'unused', useSSL: false, bucketName: 'milvus-drill', rootPath: 'files',
      useIAM: false, cloudProvider: 'aws', iamEndpoint: '', logLevel: 'error', region: '', useVirtualHost: false,
    },
  },
};

/**
 * `common.session.ttl` as each version's own milvus.yaml sets it (the config template in its PyPI
 * package), where it differs from the built-in default (60 s in 2.3) that a milvus.yaml without
 * the key gets. It decides how long a restarted process waits for the killed one's etcd session,
 * so a stack rendered without it recovers up to 30 s slower than the same version deployed with
 * its own milvus.yaml.
 */
const SHIPPED_SESSION_TTL_SECONDS: Record<string, number> = { '2.2.16': 20, '2.3.0': 60, '2.3.3': 30, '2.3.5': 30 };

/** The session TTL this version ships with, where known. */
export function shippedSessionTtl(version: string): number | undefined {
  return SHIPPED_SESSION_TTL_SECONDS[version];
}

/** The milvus.yaml keys a server version needs or ships with besides the shared ones (which win over these). */
export function versionConfig(version: string): Record<string, unknown> {
  const line = LINE_CONFIG[serverLine(version) ?? ''] ?? {};
  const ttl = shippedSessionTtl(version);
  return ttl === undefined ? line : { ...line, common: { session: { ttl } } };
}
