// The dataset generator's row formula (src/dataset/generator.ts, fillRow and finish) in
// WebAssembly SIMD, bit for bit: the truth engine streams generated rows straight into the kNN
// kernel's block without a JavaScript copy. Only integer ops and single float32 roundings are
// used, which JavaScript reproduces exactly with Math.imul and Math.fround.
#include <wasm_simd128.h>
#include "knn.h"

static inline uint32_t mix32(uint32_t x) {
  x ^= x >> 16; x *= 0x7feb352du; x ^= x >> 15; x *= 0x846ca68bu; x ^= x >> 16;
  return x;
}

static inline v128_t mix32x4(v128_t x) {
  x = wasm_v128_xor(x, wasm_u32x4_shr(x, 16));
  x = wasm_i32x4_mul(x, wasm_i32x4_splat(0x7feb352d));
  x = wasm_v128_xor(x, wasm_u32x4_shr(x, 15));
  x = wasm_i32x4_mul(x, wasm_i32x4_splat((int32_t)0x846ca68bu));
  return wasm_v128_xor(x, wasm_u32x4_shr(x, 16));
}

// Sum of a word's four bytes minus 510, as float32 (exact: small integers).
static inline v128_t centred_byte_sum(v128_t w) {
  v128_t low = wasm_i32x4_splat(0x00ff00ff);
  v128_t pairs = wasm_i32x4_add(wasm_v128_and(w, low), wasm_v128_and(wasm_u32x4_shr(w, 8), low));
  v128_t sum = wasm_i32x4_add(wasm_v128_and(pairs, wasm_i32x4_splat(0xffff)), wasm_u32x4_shr(pairs, 16));
  return wasm_f32x4_convert_i32x4(wasm_i32x4_sub(sum, wasm_i32x4_splat(510)));
}

static inline int32_t scalar_byte_sum(uint32_t w) {
  uint32_t pairs = (w & 0x00ff00ffu) + ((w >> 8) & 0x00ff00ffu);
  return (int32_t)((pairs & 0xffffu) + (pairs >> 16)) - 510;
}

static int pick_rank(const uint32_t *thresholds, int n, uint32_t w) {
  int lo = 0, hi = n - 1;
  while (lo < hi) {
    int mid = (int)((unsigned)(lo + hi) >> 1);
    if (w < thresholds[mid]) hi = mid; else lo = mid + 1;
  }
  return lo;
}

enum { QUANTIZE_UINT8 = 1, NORMALIZE = 2 };

static inline int cluster_of(const struct State *s, uint32_t lo) {
  return pick_rank(s->thresholds, s->clusters, mix32(lo ^ s->keys[s->genDim]));
}

/** Row lo (low 32 bits of the id; the high word is folded into the keys) of cluster c into row[0..s->dim). */
static void generate_row_of(const struct State *s, uint32_t lo, int c, float *row) {
  const int dim = s->genDim;
  const float *centers = s->centers, *scales = s->scales;
  const uint32_t *keys = s->keys;
  long base = (long)c * dim;
  v128_t lov = wasm_i32x4_splat((int32_t)lo);
  int j = 0;
  for (; j + 4 <= dim; j += 4) {
    v128_t g = centred_byte_sum(mix32x4(wasm_v128_xor(lov, wasm_v128_load(keys + j))));
    v128_t v = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(scales + base + j), g), wasm_v128_load(centers + base + j));
    if (s->genFlags & QUANTIZE_UINT8) {
      v = wasm_f32x4_floor(wasm_f32x4_add(v, wasm_f32x4_splat(0.5f)));
      v = wasm_f32x4_min(wasm_f32x4_max(v, wasm_f32x4_splat(0.0f)), wasm_f32x4_splat(255.0f));
    }
    wasm_v128_store(row + j, v);
  }
  for (; j < dim; j++) {
    float v = scales[base + j] * (float)scalar_byte_sum(mix32(lo ^ keys[j])) + centers[base + j];
    if (s->genFlags & QUANTIZE_UINT8) {
      v = __builtin_floorf(v + 0.5f);
      v = v < 0.0f ? 0.0f : v > 255.0f ? 255.0f : v;
    }
    row[j] = v;
  }
  for (; j < s->dim; j++) row[j] = 0.0f;  // padding
  if (s->genFlags & NORMALIZE) {
    float sum_squares = 0.0f;
    for (j = 0; j < dim; j++) sum_squares += row[j] * row[j];  // sequential, as in JavaScript
    if (sum_squares != 0.0f) {
      float inverse = 1.0f / __builtin_sqrtf(sum_squares);
      for (j = 0; j < dim; j++) row[j] *= inverse;
    }
  }
}

static void generate_row(const struct State *s, uint32_t lo, float *row) { generate_row_of(s, lo, cluster_of(s, lo), row); }

/** Generates rows lo..lo+count-1 into s->block, row-major (a test checks them against the generator). */
EXPORT(generate_rows)
void generate_rows(struct State *s, uint32_t lo, int count) {
  for (int i = 0; i < count; i++) generate_row(s, lo + (uint32_t)i, s->block + (long)i * s->dim);
}

static void search_consecutive(struct State *s, uint32_t lo, int count, int32_t firstId, const uint8_t *mask) {
  for (int start = 0; start < count; start += s->blockRows) {
    int n = count - start < s->blockRows ? count - start : s->blockRows;
    for (int i = 0; i < n; i++)
      if (!mask || mask[start + i]) generate_row(s, lo + (uint32_t)(start + i), s->block + (long)i * s->dim);
    int packed = pack_block(s, n, 0, firstId + start, mask ? mask + start : 0);
    search_packed(s, packed, 0, s->nq);
  }
}

/** Buckets the task's rows by cluster (a counting sort): ids in s->rowOrder, cluster c's at clusterStart[c].. */
static void bucket_by_cluster(struct State *s, uint32_t lo, int count, int32_t firstId, const uint8_t *mask) {
  int32_t *start = s->clusterStart;
  for (int c = 0; c <= s->clusters; c++) start[c] = 0;
  for (int i = 0; i < count; i++) {
    int c = mask && !mask[i] ? -1 : cluster_of(s, lo + (uint32_t)i);
    s->rowCluster[i] = c;
    if (c >= 0) start[c + 1]++;
  }
  for (int c = 0; c < s->clusters; c++) start[c + 1] += start[c];
  for (int i = 0; i < count; i++) {
    int c = s->rowCluster[i];
    if (c >= 0) s->rowOrder[start[c]++] = (uint32_t)(firstId + i);
  }
  for (int c = s->clusters; c > 0; c--) start[c] = start[c - 1];  // each cursor ended at the next start
  start[0] = 0;
}

/*
 * Rows of clusters that every query still needs, gathered into full blocks: where bounds prune
 * nothing (a profile whose queries are far from every cluster), searching each cluster's few rows
 * as a block of their own would cost more than the search. Their ids wait in s->rowCluster, free
 * once the task is bucketed.
 */
struct Pending { int rows; int32_t *ids; };

static void flush_pending(struct State *s, struct Pending *p) {
  if (p->rows > 0) search_packed(s, pack_block(s, p->rows, p->ids, 0, 0), 0, s->nq);
  p->rows = 0;
}

static void add_pending(struct State *s, struct Pending *p, uint32_t lo, int32_t firstId, int c, const int32_t *ids, int n) {
  for (int i = 0; i < n; i++) {
    generate_row_of(s, lo + (uint32_t)(ids[i] - firstId), c, s->block + (long)p->rows * s->dim);
    p->ids[p->rows++] = ids[i];
    if (p->rows == s->blockRows) flush_pending(s, p);
  }
}

/*
 * Offers generated rows lo..lo+count-1 (ids firstId..; rows whose mask byte is 0 skipped) to every
 * query. With lower bounds, rows are visited cluster by cluster, and a cluster's rows are generated
 * and scanned only for the queries whose k-th badness its bound does not exceed: exact pruning.
 */
EXPORT(search_generated)
void search_generated(struct State *s, uint32_t lo, int count, int32_t firstId, const uint8_t *mask) {
  if (!s->lowerBounds) {
    search_consecutive(s, lo, count, firstId, mask);
    return;
  }
  bucket_by_cluster(s, lo, count, firstId, mask);
  struct Pending pending = {0, s->rowCluster};
  for (int o = 0; o < s->clusters; o++) {
    int c = s->clusterOrder[o];
    for (int at = s->clusterStart[c], end = s->clusterStart[c + 1]; at < end; at += s->blockRows) {
      int nql = queries_needing(s, c);
      if (nql == 0) break;
      const int32_t *ids = (const int32_t *)s->rowOrder + at;
      if (nql == s->nq) {  // scanning more rows than the bounds need later is still exact
        add_pending(s, &pending, lo, firstId, c, ids, end - at);
        break;
      }
      flush_pending(s, &pending);  // the block is about to be reused
      int n = end - at < s->blockRows ? end - at : s->blockRows;
      for (int i = 0; i < n; i++) generate_row_of(s, lo + (uint32_t)(ids[i] - firstId), c, s->block + (long)i * s->dim);
      search_packed(s, pack_block(s, n, ids, 0, 0), s->qlist, nql);
    }
  }
  flush_pending(s, &pending);
}
