// Exact k-nearest-neighbour kernel, compiled to WebAssembly with SIMD128 (see scripts/setup.d/20-wasm.sh).
//
// Everything is "badness": smaller is nearer. L2 is the squared Euclidean distance; IP and COSINE
// are negated similarities, so one max-heap per query keeps the k best (badness, id) pairs, ties
// broken by the smaller id. Vectors are padded by the caller to a multiple of 4 floats with zeros
// (which changes no distance). Memory is laid out by the JavaScript side; nothing here allocates.
#include <stdint.h>
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name)))

enum { METRIC_L2 = 0, METRIC_IP = 1, METRIC_COSINE = 2 };

static inline float hsum(v128_t v) {
  return wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1) +
         wasm_f32x4_extract_lane(v, 2) + wasm_f32x4_extract_lane(v, 3);
}

static inline v128_t load(const float *p) { return wasm_v128_load(p); }

// One accumulation step for metric M: L2 adds (q-b)^2, IP and COSINE add q*b.
#define STEP(M, acc, q, b)                                                   \
  do {                                                                       \
    if ((M) == METRIC_L2) {                                                  \
      v128_t d_ = wasm_f32x4_sub((q), (b));                                  \
      (acc) = wasm_f32x4_add((acc), wasm_f32x4_mul(d_, d_));                 \
    } else {                                                                 \
      (acc) = wasm_f32x4_add((acc), wasm_f32x4_mul((q), (b)));               \
    }                                                                        \
  } while (0)

// Dot products of 4 queries with 2 rows (every metric's fast path is a dot product).
static inline void tile4x2(const float *q0, const float *q1, const float *q2, const float *q3,
                           const float *b0, const float *b1, int dim, float *out /* [4][2] */) {
  v128_t a00 = wasm_f32x4_splat(0), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
  for (int j = 0; j < dim; j += 4) {
    v128_t x0 = load(b0 + j), x1 = load(b1 + j), y;
    y = load(q0 + j); STEP(METRIC_IP, a00, y, x0); STEP(METRIC_IP, a01, y, x1);
    y = load(q1 + j); STEP(METRIC_IP, a10, y, x0); STEP(METRIC_IP, a11, y, x1);
    y = load(q2 + j); STEP(METRIC_IP, a20, y, x0); STEP(METRIC_IP, a21, y, x1);
    y = load(q3 + j); STEP(METRIC_IP, a30, y, x0); STEP(METRIC_IP, a31, y, x1);
  }
  out[0] = hsum(a00); out[1] = hsum(a01); out[2] = hsum(a10); out[3] = hsum(a11);
  out[4] = hsum(a20); out[5] = hsum(a21); out[6] = hsum(a30); out[7] = hsum(a31);
}

static inline float raw1x1(int metric, const float *q, const float *b, int dim) {
  v128_t acc = wasm_f32x4_splat(0);
  if (metric == METRIC_L2) {
    for (int j = 0; j < dim; j += 4) STEP(METRIC_L2, acc, load(q + j), load(b + j));
  } else {
    for (int j = 0; j < dim; j += 4) STEP(METRIC_IP, acc, load(q + j), load(b + j));
  }
  return hsum(acc);
}

// Badness from a dot product. For L2 only a screen: |q|^2 + |b|^2 - 2 q.b is fast but loses
// precision to cancellation, so a pair that may enter the heap is measured again directly.
static inline float badness(int metric, float dot, float qnorm, float bnorm) {
  if (metric == METRIC_L2) return qnorm + bnorm - 2.0f * dot;
  if (metric == METRIC_IP) return -dot;
  float n = qnorm * bnorm;
  return n == 0.0f ? -0.0f : -(dot / __builtin_sqrtf(n));
}

// ---- per-query top-k max-heaps on (badness, id) ----

static inline int worse(float da, int32_t ia, float db, int32_t ib) { return da > db || (da == db && ia > ib); }

static void sift_down(float *d, int32_t *id, int n, int i) {
  for (;;) {
    int l = 2 * i + 1, r = l + 1, m = i;
    if (l < n && worse(d[l], id[l], d[m], id[m])) m = l;
    if (r < n && worse(d[r], id[r], d[m], id[m])) m = r;
    if (m == i) return;
    float td = d[i]; d[i] = d[m]; d[m] = td;
    int32_t ti = id[i]; id[i] = id[m]; id[m] = ti;
    i = m;
  }
}

static void heap_offer(float *d, int32_t *id, int32_t *size, int k, float bad, int32_t rowId) {
  int n = *size;
  if (n < k) {
    int i = n++;
    d[i] = bad; id[i] = rowId;
    while (i > 0) {
      int p = (i - 1) / 2;
      if (!worse(d[i], id[i], d[p], id[p])) break;
      float td = d[i]; d[i] = d[p]; d[p] = td;
      int32_t ti = id[i]; id[i] = id[p]; id[p] = ti;
      i = p;
    }
    *size = n;
    return;
  }
  if (!worse(d[0], id[0], bad, rowId)) return;
  d[0] = bad; id[0] = rowId;
  sift_down(d, id, n, 0);
}

EXPORT(norms_squared)
void norms_squared(const float *v, int rows, int dim, float *out) {
  for (int r = 0; r < rows; r++) {
    v128_t acc = wasm_f32x4_splat(0);
    for (int j = 0; j < dim; j += 4) { v128_t x = load(v + (long)r * dim + j); acc = wasm_f32x4_add(acc, wasm_f32x4_mul(x, x)); }
    out[r] = hsum(acc);
  }
}

struct Heaps { float *d; int32_t *id; int32_t *size; float *threshold; int k; };

static inline void offer(struct Heaps *h, int q, float bad, int32_t rowId) {
  if (bad > h->threshold[q]) return;  // fast reject; ties are settled by id in heap_offer
  long base = (long)q * h->k;
  heap_offer(h->d + base, h->id + base, h->size + q, h->k, bad, rowId);
  if (h->size[q] == h->k) h->threshold[q] = h->d[base];
}

struct Pass { int metric; const float *queries, *qnorms, *base, *bnorms; int dim; float margin; struct Heaps h; };

// Offers the pair (query q, block row r) given their dot product.
static inline void offer_pair(struct Pass *p, int q, int r, float dot, int32_t rowId) {
  float qn = p->qnorms[q], bn = p->bnorms[r];
  float bad = badness(p->metric, dot, qn, bn);
  if (p->metric != METRIC_L2) {
    offer(&p->h, q, bad, rowId);
    return;
  }
  // A bound on the screen's rounding error keeps the screen exact: no true candidate is lost.
  if (bad - p->margin * (qn + bn) > p->h.threshold[q]) return;
  offer(&p->h, q, raw1x1(METRIC_L2, p->queries + (long)q * p->dim, p->base + (long)r * p->dim, p->dim), rowId);
}

/*
 * Scores every (query, row) pair of a block and offers it to that query's heap.
 * rowIds: the id of each row (never null); mask: 1 byte per row, 0 = skip (may be null).
 * qnorms/bnorms: squared norms of queries and block rows (used by L2 and COSINE).
 */
EXPORT(search_block)
void search_block(int metric, const float *queries, const float *qnorms, int nq, const float *base,
                  const float *bnorms, int nb, int dim, const int32_t *rowIds, const uint8_t *mask,
                  float *heapD, int32_t *heapId, int32_t *heapSize, float *threshold, int k) {
  // Relative error bound of a float32 dot product summed in 4 lanes of dim/4 terms, doubled.
  float margin = (float)(dim / 4 + 8) * 2.4e-7f;
  struct Pass p = {metric, queries, qnorms, base, bnorms, dim, margin, {heapD, heapId, heapSize, threshold, k}};
  float dots[8];
  int q = 0;
  for (; q + 4 <= nq; q += 4) {
    const float *q0 = queries + (long)q * dim;
    int r = 0;
    for (; r + 2 <= nb; r += 2) {
      if (mask && !mask[r] && !mask[r + 1]) continue;
      const float *b0 = base + (long)r * dim;
      tile4x2(q0, q0 + dim, q0 + 2 * dim, q0 + 3 * dim, b0, b0 + dim, dim, dots);
      for (int t = 0; t < 2; t++) {
        if (mask && !mask[r + t]) continue;
        for (int s = 0; s < 4; s++) offer_pair(&p, q + s, r + t, dots[2 * s + t], rowIds[r + t]);
      }
    }
    for (; r < nb; r++) {
      if (mask && !mask[r]) continue;
      for (int s = 0; s < 4; s++) offer_pair(&p, q + s, r, raw1x1(METRIC_IP, queries + (long)(q + s) * dim, base + (long)r * dim, dim), rowIds[r]);
    }
  }
  for (; q < nq; q++) {
    for (int r = 0; r < nb; r++) {
      if (mask && !mask[r]) continue;
      offer_pair(&p, q, r, raw1x1(METRIC_IP, queries + (long)q * dim, base + (long)r * dim, dim), rowIds[r]);
    }
  }
}

/** Sorts each heap in place, nearest first (heap sort: repeatedly move the worst to the end). */
EXPORT(finish_heaps)
void finish_heaps(float *heapD, int32_t *heapId, const int32_t *heapSize, int nq, int k) {
  for (int q = 0; q < nq; q++) {
    float *d = heapD + (long)q * k;
    int32_t *id = heapId + (long)q * k;
    for (int n = heapSize[q]; n > 1; n--) {
      float td = d[0]; d[0] = d[n - 1]; d[n - 1] = td;
      int32_t ti = id[0]; id[0] = id[n - 1]; id[n - 1] = ti;
      sift_down(d, id, n - 1, 0);
    }
  }
}
