// Exact k-nearest-neighbour kernel, compiled to WebAssembly SIMD128 (see src/truth/wasm-build.ts),
// once with plain SIMD128 and once with relaxed-SIMD fused multiply-add (-DRELAXED_FMA).
//
// Everything is "badness": smaller is nearer. L2 is the squared Euclidean distance; IP and COSINE
// are negated similarities, so one max-heap per query keeps the k best (badness, id) pairs, ties
// broken by the smaller id.
//
// The hot loop is a register-blocked tile, like a BLAS micro-kernel: 4 queries × 8 rows of dot
// products stay in 8 registers while the axes stream past, so every loaded value is used 4 or 8
// times. The tile's float32 dot products only screen pairs: a pair that may enter a heap is measured
// again in double precision, so every reported distance is the exact one rounded once to float32,
// whatever the summation order, fused or not (and so identical across threads and pruning).
#include <wasm_simd128.h>
#include "knn.h"
#include "topk.h"

// Queries per register tile: 4 queries × 8 rows = 8 accumulators, within x64's 16 vector registers.
#ifndef QUERY_TILE
#define QUERY_TILE 4
#endif

static inline v128_t madd(v128_t a, v128_t b, v128_t acc) {
#ifdef RELAXED_FMA
  return wasm_f32x4_relaxed_madd(a, b, acc);
#else
  return wasm_f32x4_add(wasm_f32x4_mul(a, b), acc);
#endif
}

static inline float hsum(v128_t v) {
  return wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1) +
         wasm_f32x4_extract_lane(v, 2) + wasm_f32x4_extract_lane(v, 3);
}

EXPORT(norms_squared)
void norms_squared(const float *v, int rows, int dim, float *out) {
  for (int r = 0; r < rows; r++) {
    v128_t acc = wasm_f32x4_splat(0);
    for (int j = 0; j < dim; j += 4) { v128_t x = wasm_v128_load(v + (long)r * dim + j); acc = wasm_f32x4_add(acc, wasm_f32x4_mul(x, x)); }
    out[r] = hsum(acc);
  }
}

// ---- per-query top-k: topk.h ----

static void offer(struct State *s, int q, float bad, int32_t rowId) {
  if (bad > s->threshold[q]) return;  // ties are settled by id in heap_offer
  long at = (long)q * s->k;
  heap_offer(s->heapD + at, s->heapId + at, s->heapSize + q, s->k, bad, rowId);
  if (s->heapSize[q] == s->k) s->threshold[q] = s->heapD[at];
}

/** The exact badness of query q and lane `lane` of a quad (stride 8 floats per axis), in double precision, rounded once. */
static float exact_badness(int metric, const float *q, const float *panel, int lane, int dim) {
  double acc = 0, qq = 0, bb = 0;
  for (int j = 0; j < dim; j++) {
    double x = q[j], y = panel[j * 8 + lane];
    if (metric == METRIC_L2) { double d = x - y; acc += d * d; }
    else { acc += x * y; qq += x * x; bb += y * y; }
  }
  if (metric == METRIC_L2) return (float)acc;
  if (metric == METRIC_IP) return (float)-acc;
  return qq == 0 || bb == 0 ? -0.0f : (float)-(acc / __builtin_sqrt(qq * bb));
}

/** Rare path: lanes of a quad (4 rows of a panel) that passed the screen are measured exactly and offered. */
__attribute__((noinline)) static void offer_lanes(struct State *s, int q, int quad, int lanes, int count) {
  const float *qv = s->queries + (long)q * s->dim;
  const float *pv = s->panels + (long)(quad >> 1) * s->dim * 8 + (quad & 1) * 4;
  for (int lane = 0; lane < 4; lane++) {
    int r = quad * 4 + lane;
    if (!(lanes & (1 << lane)) || r >= count) continue;
    offer(s, q, exact_badness(s->metric, qv, pv, lane, s->dim), s->pids[r]);
  }
}

/*
 * Screens 4 rows (a quad: half a panel) for query q from their float32 dot products: a lane passes when its
 * badness, less a bound on the float32 rounding error of dot and norms, could reach the heap.
 * margin = (2·dim + 16)·2^-24 bounds the relative error of a dim-term float32 sum of products.
 */
static inline void screen(struct State *s, const int metric, int q, int quad, v128_t dot, int count, float margin) {
  v128_t bn = wasm_v128_load(s->pnorms + quad * 4);
  v128_t qn = wasm_f32x4_splat(s->qnorms[q]);
  v128_t m = wasm_f32x4_splat(margin);
  v128_t bad;
  if (metric == METRIC_L2) {
    v128_t sum = wasm_f32x4_add(qn, bn);
    bad = wasm_f32x4_sub(wasm_f32x4_sub(sum, wasm_f32x4_add(dot, dot)), wasm_f32x4_mul(m, sum));
  } else if (metric == METRIC_IP) {
    bad = wasm_f32x4_sub(wasm_f32x4_neg(dot), wasm_f32x4_mul(m, wasm_f32x4_add(qn, bn)));
  } else {
    v128_t n = wasm_f32x4_mul(qn, bn);
    v128_t cosine = wasm_f32x4_div(dot, wasm_f32x4_sqrt(n));
    cosine = wasm_v128_bitselect(cosine, wasm_f32x4_splat(0), wasm_f32x4_gt(n, wasm_f32x4_splat(0)));
    bad = wasm_f32x4_sub(wasm_f32x4_neg(cosine), m);
  }
  v128_t pass = wasm_f32x4_le(bad, wasm_f32x4_splat(s->threshold[q]));
  if (wasm_v128_any_true(pass)) offer_lanes(s, q, quad, wasm_i32x4_bitmask(pass), count);
}

/*
 * The screen for a whole tile: NQ queries × one panel (2 quads). L2 and IP are rearranged so the
 * per-row and per-query terms are computed once and one test rejects the whole tile (the usual case
 * once the heaps are full): L2 passes where (1−m)·|b|² − 2·dot ≤ threshold − (1−m)·|q|², IP where
 * −dot − m·|b|² ≤ threshold + m·|q|², each the screen above (margin m) rewritten.
 */
static inline void screen_tile(struct State *s, const int metric, const int *q, int nq, int panel, const v128_t *dots, int count, float margin) {
  if (metric == METRIC_COSINE) {
    for (int a = 0; a < nq; a++)
      for (int b = 0; b < 2; b++) screen(s, metric, q[a], 2 * panel + b, dots[2 * a + b], count, margin);
    return;
  }
  const float rowScale = metric == METRIC_L2 ? 1.0f - margin : margin;
  v128_t row[2], pass[2 * QUERY_TILE], any = wasm_i32x4_splat(0);
  for (int b = 0; b < 2; b++) row[b] = wasm_f32x4_mul(wasm_v128_load(s->pnorms + panel * 8 + b * 4), wasm_f32x4_splat(rowScale));
  for (int a = 0; a < nq; a++) {
    float qn = s->qnorms[q[a]], threshold = s->threshold[q[a]];
    v128_t limit = wasm_f32x4_splat(metric == METRIC_L2 ? threshold - (1.0f - margin) * qn : threshold + margin * qn);
    for (int b = 0; b < 2; b++) {
      v128_t dot = dots[2 * a + b];
      v128_t t = metric == METRIC_L2 ? wasm_f32x4_sub(row[b], wasm_f32x4_add(dot, dot)) : wasm_f32x4_neg(wasm_f32x4_add(dot, row[b]));
      pass[2 * a + b] = wasm_f32x4_le(t, limit);
      any = wasm_v128_or(any, pass[2 * a + b]);
    }
  }
  if (!wasm_v128_any_true(any)) return;
  for (int a = 0; a < nq; a++)
    for (int b = 0; b < 2; b++)
      if (wasm_v128_any_true(pass[2 * a + b])) offer_lanes(s, q[a], 2 * panel + b, wasm_i32x4_bitmask(pass[2 * a + b]), count);
}

// Dot products of NQ queries with one panel of 8 rows over `dim` axes, added to acc:
// acc[2a + b] lane l += q_a · row(4b + l). qt: the NQ queries interleaved axis by axis (qt[j·NQ + a]).
#define TILE(NAME, NQ)                                                                          \
  static inline void NAME(const float *qt, const float *pan, int dim, v128_t *io) {             \
    v128_t acc[NQ][2];                                                                          \
    for (int a = 0; a < NQ; a++) { acc[a][0] = io[2 * a]; acc[a][1] = io[2 * a + 1]; }          \
    _Pragma("clang loop unroll(disable)") for (int j = 0; j < dim; j++, qt += NQ, pan += 8) {   \
      v128_t p0 = wasm_v128_load(pan), p1 = wasm_v128_load(pan + 4);                            \
      for (int a = 0; a < NQ; a++) {                                                            \
        v128_t x = wasm_v128_load32_splat(qt + a);                                              \
        acc[a][0] = madd(x, p0, acc[a][0]);                                                     \
        acc[a][1] = madd(x, p1, acc[a][1]);                                                     \
      }                                                                                         \
    }                                                                                           \
    for (int a = 0; a < NQ; a++) { io[2 * a] = acc[a][0]; io[2 * a + 1] = acc[a][1]; }          \
  }
TILE(tile_wide, QUERY_TILE)
TILE(tile_one, 1)

static inline int query_at(const int32_t *qlist, int i) { return qlist ? qlist[i] : i; }

/** Interleaves queries q[0..n) axis by axis into out (out[j·n + a] = axis j of query q[a]). */
static void interleave(const struct State *s, const int *q, int n, float *out) {
  const int dim = s->dim;
  for (int a = 0; a < n; a++) {
    const float *src = s->queries + (long)q[a] * dim;
    for (int j = 0; j < dim; j++) out[j * n + a] = src[j];
  }
}

/** Interleaves every whole tile of consecutive queries once, into s->qtiles (tile t at t·QUERY_TILE·dim). */
EXPORT(interleave_queries)
void interleave_queries(struct State *s) {
  int q[QUERY_TILE];
  for (int i = 0; i + QUERY_TILE <= s->nq; i += QUERY_TILE) {
    for (int a = 0; a < QUERY_TILE; a++) q[a] = i + a;
    interleave(s, q, QUERY_TILE, s->qtiles + (long)i * s->dim);
  }
}

/**
 * Queries q[0..QUERY_TILE) (ascending) interleaved axis by axis: the prepared tile when they are
 * one aligned run (every tile of a full search), else gathered into s->qtile.
 */
static const float *query_tile(struct State *s, const int *q) {
  if (q[0] % QUERY_TILE == 0 && q[QUERY_TILE - 1] == q[0] + QUERY_TILE - 1) return s->qtiles + (long)q[0] * s->dim;
  interleave(s, q, QUERY_TILE, s->qtile);
  return s->qtile;
}

// Axes per pass over a block for long vectors; blocks of such vectors hold at most MAX_CHUNKED_PANELS panels.
#define DIM_CHUNK 256
#define MAX_CHUNKED_PANELS 32
static v128_t partial[MAX_CHUNKED_PANELS * 2 * QUERY_TILE];

static inline void search_metric(struct State *s, const int metric, int count, const int32_t *qlist, int nql) {
  const int dim = s->dim, panels = (count + 7) >> 3;
  const float margin = (float)(2 * dim + 16) * 5.9604645e-8f;
  v128_t out[2 * QUERY_TILE];
  int q[QUERY_TILE];
  int i = 0;
  for (; i + QUERY_TILE <= nql; i += QUERY_TILE) {
    for (int a = 0; a < QUERY_TILE; a++) q[a] = query_at(qlist, i + a);
    const float *qt = query_tile(s, q);
    if (dim <= DIM_CHUNK) {
      for (int p = 0; p < panels; p++) {
        for (int t = 0; t < 2 * QUERY_TILE; t++) out[t] = wasm_f32x4_splat(0);
        tile_wide(qt, s->panels + (long)p * dim * 8, dim, out);
        screen_tile(s, metric, q, QUERY_TILE, p, out, count, margin);
      }
      continue;
    }
    // Long vectors: axes in chunks, so the tile's queries stay in L1 while the panels stream past.
    for (int t = 0; t < panels * 2 * QUERY_TILE; t++) partial[t] = wasm_f32x4_splat(0);
    for (int j = 0; j < dim; j += DIM_CHUNK) {
      int len = dim - j < DIM_CHUNK ? dim - j : DIM_CHUNK;
      for (int p = 0; p < panels; p++) tile_wide(qt + (long)j * QUERY_TILE, s->panels + ((long)p * dim + j) * 8, len, partial + p * 2 * QUERY_TILE);
    }
    for (int p = 0; p < panels; p++) screen_tile(s, metric, q, QUERY_TILE, p, partial + p * 2 * QUERY_TILE, count, margin);
  }
  for (; i < nql; i++) {
    q[0] = query_at(qlist, i);
    interleave(s, q, 1, s->qtile);
    for (int p = 0; p < panels; p++) {
      out[0] = out[1] = wasm_f32x4_splat(0);
      tile_one(s->qtile, s->panels + (long)p * dim * 8, dim, out);
      screen_tile(s, metric, q, 1, p, out, count, margin);
    }
  }
}

static double pairs_scored;

/** (query, row) pairs scored since the last call (pruning skips the others). */
EXPORT(take_pairs_scored)
double take_pairs_scored(void) {
  double n = pairs_scored;
  pairs_scored = 0;
  return n;
}

void search_packed(struct State *s, int count, const int32_t *qlist, int nql) {
  if (count == 0 || nql == 0) return;
  pairs_scored += (double)count * nql;
  if (s->metric == METRIC_L2) search_metric(s, METRIC_L2, count, qlist, nql);
  else if (s->metric == METRIC_IP) search_metric(s, METRIC_IP, count, qlist, nql);
  else search_metric(s, METRIC_COSINE, count, qlist, nql);
}

/** Writes 4 rows (dim a multiple of 4) into lanes `half`·4.. of panel `panel`, transposed 4×4 at a time; returns their squared norms. */
static v128_t pack4(struct State *s, const float *const *rows, int panel, int half) {
  const int dim = s->dim;
  float *dst = s->panels + (long)panel * dim * 8 + half * 4;
  v128_t n0 = wasm_f32x4_splat(0), n1 = n0, n2 = n0, n3 = n0;
  for (int j = 0; j < dim; j += 4) {
    v128_t a = wasm_v128_load(rows[0] + j), b = wasm_v128_load(rows[1] + j);
    v128_t c = wasm_v128_load(rows[2] + j), d = wasm_v128_load(rows[3] + j);
    n0 = wasm_f32x4_add(n0, wasm_f32x4_mul(a, a)); n1 = wasm_f32x4_add(n1, wasm_f32x4_mul(b, b));
    n2 = wasm_f32x4_add(n2, wasm_f32x4_mul(c, c)); n3 = wasm_f32x4_add(n3, wasm_f32x4_mul(d, d));
    v128_t ab_lo = wasm_i32x4_shuffle(a, b, 0, 4, 1, 5), ab_hi = wasm_i32x4_shuffle(a, b, 2, 6, 3, 7);
    v128_t cd_lo = wasm_i32x4_shuffle(c, d, 0, 4, 1, 5), cd_hi = wasm_i32x4_shuffle(c, d, 2, 6, 3, 7);
    wasm_v128_store(dst + (long)j * 8, wasm_i32x4_shuffle(ab_lo, cd_lo, 0, 1, 4, 5));
    wasm_v128_store(dst + (long)(j + 1) * 8, wasm_i32x4_shuffle(ab_lo, cd_lo, 2, 3, 6, 7));
    wasm_v128_store(dst + (long)(j + 2) * 8, wasm_i32x4_shuffle(ab_hi, cd_hi, 0, 1, 4, 5));
    wasm_v128_store(dst + (long)(j + 3) * 8, wasm_i32x4_shuffle(ab_hi, cd_hi, 2, 3, 6, 7));
  }
  // Lane i of the result: row i's squared norm (the screen's margin covers any summation order).
  v128_t t0 = wasm_i32x4_shuffle(n0, n1, 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(n0, n1, 2, 6, 3, 7);
  v128_t t2 = wasm_i32x4_shuffle(n2, n3, 0, 4, 1, 5), t3 = wasm_i32x4_shuffle(n2, n3, 2, 6, 3, 7);
  v128_t s01 = wasm_f32x4_add(t0, t1), s23 = wasm_f32x4_add(t2, t3);
  return wasm_f32x4_add(wasm_i32x4_shuffle(s01, s23, 0, 1, 4, 5), wasm_i32x4_shuffle(s01, s23, 2, 3, 6, 7));
}

int pack_block(struct State *s, int n, const int32_t *rowIds, int32_t firstId, const uint8_t *mask) {
  const int dim = s->dim;
  const float *group[4];
  int m = 0, filled = 0;
  // Rows past the last kept one are zeros (the block's spare row after the n in use).
  float *zero = s->block + (long)n * dim;
  for (int r = 0; r < n; r++) {
    if (mask && !mask[r]) continue;
    group[filled++] = s->block + (long)r * dim;
    s->pids[m + filled - 1] = rowIds ? rowIds[r] : firstId + r;
    if (filled == 4) {
      wasm_v128_store(s->pnorms + m, pack4(s, group, m >> 3, (m >> 2) & 1));
      m += 4;
      filled = 0;
    }
  }
  int kept = m + filled;
  if (kept & 7) {
    for (int j = 0; j < dim; j++) zero[j] = 0;
    for (int t = kept; t < ((kept + 7) & ~7); t++) s->pids[t] = -1;
    if (filled > 0) {
      for (int t = filled; t < 4; t++) group[t] = zero;
      wasm_v128_store(s->pnorms + m, pack4(s, group, m >> 3, (m >> 2) & 1));
      m += 4;
    }
    if (m & 4) {
      for (int t = 0; t < 4; t++) group[t] = zero;
      wasm_v128_store(s->pnorms + m, pack4(s, group, m >> 3, 1));
    }
  }
  return kept;
}

int queries_needing(struct State *s, int c) {
  int n = 0;
  const float *lb = s->lowerBounds + c;
  for (int q = 0; q < s->nq; q++) {
    float bound = lb[(long)q * s->clusters];
    if (bound <= s->threshold[q] && bound != __builtin_inff()) s->qlist[n++] = q;  // +inf: never
  }
  return n;
}

/**
 * Offers rows 0..n-1 of s->block (row-major) to every query, or, for a cluster c >= 0 of the
 * bounds, to the queries whose k-th badness its bound does not exceed. Row r has id rowIds[r], or
 * firstId + r when rowIds is null; rows whose mask byte is 0 are skipped (mask may be null).
 */
EXPORT(search_block)
void search_block(struct State *s, int n, const int32_t *rowIds, int32_t firstId, const uint8_t *mask, int cluster) {
  if (cluster < 0) {
    search_packed(s, pack_block(s, n, rowIds, firstId, mask), 0, s->nq);
    return;
  }
  int nql = queries_needing(s, cluster);
  if (nql > 0) search_packed(s, pack_block(s, n, rowIds, firstId, mask), s->qlist, nql);
}

/*
 * For rows 0..n-1 of s->block: the nearest query by L2 (the queries are centroids here), and an
 * upper bound on the squared distance to it (the float32 value plus a bound on its rounding error).
 */
EXPORT(nearest_query)
void nearest_query(struct State *s, int n, int32_t *nearest, float *distance2) {
  const int dim = s->dim, count = pack_block(s, n, 0, 0, 0), panels = (count + 7) >> 3;
  const float margin = (float)(2 * dim + 16) * 5.9604645e-8f;
  float qnMax = 0;
  for (int q = 0; q < s->nq; q++) qnMax = s->qnorms[q] > qnMax ? s->qnorms[q] : qnMax;
  v128_t out[2 * QUERY_TILE];
  for (int p = 0; p < panels; p++) {
    v128_t best[2] = {wasm_f32x4_splat(__builtin_inff()), wasm_f32x4_splat(__builtin_inff())};
    v128_t who[2] = {wasm_i32x4_splat(0), wasm_i32x4_splat(0)};
    int q[QUERY_TILE];
    for (int i = 0; i + QUERY_TILE <= s->nq; i += QUERY_TILE) {
      for (int a = 0; a < QUERY_TILE; a++) q[a] = i + a;
      for (int t = 0; t < 2 * QUERY_TILE; t++) out[t] = wasm_f32x4_splat(0);
      tile_wide(query_tile(s, q), s->panels + (long)p * dim * 8, dim, out);
      for (int a = 0; a < QUERY_TILE; a++)
        for (int b = 0; b < 2; b++) {
          // |c|² − 2 c·x orders centroids by distance to x; the row's own norm is common to all.
          v128_t d = wasm_f32x4_sub(wasm_f32x4_splat(s->qnorms[i + a]), wasm_f32x4_add(out[2 * a + b], out[2 * a + b]));
          v128_t nearer = wasm_f32x4_lt(d, best[b]);
          best[b] = wasm_v128_bitselect(d, best[b], nearer);
          who[b] = wasm_v128_bitselect(wasm_i32x4_splat(i + a), who[b], nearer);
        }
    }
    for (int b = 0; b < 2; b++) {
      v128_t bn = wasm_v128_load(s->pnorms + p * 8 + b * 4);
      v128_t d2 = wasm_f32x4_add(wasm_f32x4_max(wasm_f32x4_add(best[b], bn), wasm_f32x4_splat(0)),
                                 wasm_f32x4_mul(wasm_f32x4_splat(margin), wasm_f32x4_add(bn, wasm_f32x4_splat(qnMax))));
      int32_t lanes[4];
      float d2s[4];
      wasm_v128_store(lanes, who[b]);
      wasm_v128_store(d2s, d2);
      for (int lane = 0; lane < 4; lane++) {
        int r = p * 8 + b * 4 + lane;
        if (r >= count) continue;
        nearest[r] = lanes[lane];
        distance2[r] = d2s[lane];
      }
    }
  }
}

/** Sorts each heap in place, nearest first (heap sort: repeatedly move the worst to the end). */
EXPORT(finish_heaps)
void finish_heaps(struct State *s) {
  for (int q = 0; q < s->nq; q++) {
    float *d = s->heapD + (long)q * s->k;
    int32_t *id = s->heapId + (long)q * s->k;
    heap_sort(d, id, s->heapSize[q]);
  }
}
