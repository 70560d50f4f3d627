import type { Metric } from '../core/types.ts';

/**
 * A dataset profile: a small declarative description of an embedding distribution. Vectors are
 * a Zipf-popular mixture of axis-anisotropic Gaussian clusters: cluster c has a random centre and
 * per-axis spreads spread·(rank+1)^-spectrumDecay over a random permutation of the axes (like the
 * decaying PCA spectrum of real embeddings).
 */
export interface ProfileSpec {
  name: string;
  description: string;
  defaultDim: number;
  defaultMetric: Metric;
  clusters: number;
  /** Zipf exponent of cluster popularity (0 = uniform). */
  clusterSkew: number;
  /** Constant added to every coordinate of every centre. */
  offset: number;
  /** Standard deviation of centre coordinates around the offset. */
  centerSpread: number;
  /** Standard deviation along a cluster's widest axis. */
  spread: number;
  spectrumDecay: number;
  /** Round to integers clamped to [0, 255] (SIFT-like; lets the data be written as .u8bin). */
  quantizeUint8: boolean;
  /** Scale every vector to unit L2 norm (text-embedding-like, for COSINE and IP). */
  normalize: boolean;
  /** Extra per-axis noise on queries, relative to `spread`. */
  queryNoise: number;
  /** Fraction of queries drawn far from every cluster. */
  outOfDistributionShare: number;
  tenants: number;
  tenantSkew: number;
}

const PROFILES: readonly ProfileSpec[] = [
  {
    name: 'sift-128',
    description: '128-d SIFT-like: non-negative integer coordinates in [0, 255], many zeros, L2',
    defaultDim: 128,
    defaultMetric: 'L2',
    clusters: 256,
    clusterSkew: 0.8,
    offset: 12,
    centerSpread: 28,
    spread: 22,
    spectrumDecay: 0.5,
    quantizeUint8: true,
    normalize: false,
    queryNoise: 0.3,
    outOfDistributionShare: 0.05,
    tenants: 64,
    tenantSkew: 1.1,
  },
  {
    name: 'text-768',
    description: '768-d unit-norm text-embedding-like (BERT/MiniLM family shape), COSINE',
    defaultDim: 768,
    defaultMetric: 'COSINE',
    clusters: 512,
    clusterSkew: 1.0,
    offset: 0,
    centerSpread: 1,
    spread: 1.6,
    spectrumDecay: 0.6,
    quantizeUint8: false,
    normalize: true,
    queryNoise: 0.5,
    outOfDistributionShare: 0.05,
    tenants: 64,
    tenantSkew: 1.1,
  },
  {
    name: 'text-1536',
    description: '1536-d unit-norm text-embedding-like (OpenAI ada-002 shape), IP on unit vectors',
    defaultDim: 1536,
    defaultMetric: 'IP',
    clusters: 512,
    clusterSkew: 1.0,
    offset: 0,
    centerSpread: 1,
    spread: 1.4,
    spectrumDecay: 0.7,
    quantizeUint8: false,
    normalize: true,
    queryNoise: 0.5,
    outOfDistributionShare: 0.05,
    tenants: 64,
    tenantSkew: 1.1,
  },
];

export const MIN_DIM = 2;
export const MAX_DIM = 32768;

export function listProfiles(): string[] {
  return PROFILES.map((p) => p.name);
}

export function profileSpec(name: string): ProfileSpec {
  const spec = PROFILES.find((p) => p.name === name);
  if (!spec) throw new Error(`unknown dataset profile '${name}'; known profiles: ${listProfiles().join(', ')}`);
  return spec;
}
