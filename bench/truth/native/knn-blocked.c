// Register-blocked native exact kNN for the truth benchmark: the strongest plain-C baseline, built
// here with -O3 -march=native. Like a BLAS micro-kernel: rows are packed into panels of 2·W rows
// (W = 16 floats with AVX-512, 8 with AVX2), and a tile of 6 queries × 2W rows of dot products stays
// in 12 vector registers while the axes stream past (fused multiply-adds). A pair's badness is
// screened against its query's k-th, and a pair that may enter the heap is measured exactly in
// double precision, as in the WebAssembly engine.
//
// usage: knn-blocked BASE.fbin QUERIES.fbin K METRIC(0=L2,1=IP,2=COSINE) THREADS MASK|- OUT.ibin
// writes OUT.ibin as big-ann-benchmarks ground truth; prints {"seconds": S, "cpuSeconds": C} (compute
// only: wall time and the CPU time of all threads).
#include <immintrin.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "fbin.h"
#include "../../../src/truth/wasm/topk.h"

#ifdef __AVX512F__
#define W 16
typedef __m512 vf;
#define vzero() _mm512_setzero_ps()
#define vload(p) _mm512_load_ps(p)
#define vset1(x) _mm512_set1_ps(x)
#define vfma(a, b, c) _mm512_fmadd_ps(a, b, c)
#define vle_mask(a, b) ((unsigned)_mm512_cmp_ps_mask(a, b, _CMP_LE_OQ))
#define vadd _mm512_add_ps
#define vsub _mm512_sub_ps
#define vmul _mm512_mul_ps
#define vdiv _mm512_div_ps
#define vsqrt _mm512_sqrt_ps
#else
#define W 8
typedef __m256 vf;
#define vzero() _mm256_setzero_ps()
#define vload(p) _mm256_load_ps(p)
#define vset1(x) _mm256_set1_ps(x)
#define vfma(a, b, c) _mm256_fmadd_ps(a, b, c)
#define vle_mask(a, b) ((unsigned)_mm256_movemask_ps(_mm256_cmp_ps(a, b, _CMP_LE_OQ)))
#define vadd _mm256_add_ps
#define vsub _mm256_sub_ps
#define vmul _mm256_mul_ps
#define vdiv _mm256_div_ps
#define vsqrt _mm256_sqrt_ps
#endif

#define PANEL (2 * W)
#define QT 6
#define KC 256

static float *base, *queries, *qnorm;
static uint8_t *mask;
static int dim, metric, k, nthreads;
/** Rows per packed block: about 256 KB, which stays in L2 while every query visits it. */
static int block_rows;
static long rows, nq;

typedef struct {
  float *d; int32_t *id; int32_t *size; float *thr;
  long from, to;
  float *panels, *pnorm; int32_t *pid;
  vf *partial;  // a query tile's partial dot products with every panel of the block
} Work;

static void offer(Work *w, long q, float bad, int32_t row) {
  if (bad > w->thr[q]) return;
  float *d = w->d + q * k;
  heap_offer(d, w->id + q * k, w->size + q, k, bad, row);
  if (w->size[q] == k) w->thr[q] = d[0];
}

static float exact(const float *q, const float *x) {
  double a = 0, qq = 0, xx = 0;
  for (int j = 0; j < dim; j++) {
    double u = q[j], v = x[j];
    if (metric == 0) { double t = u - v; a += t * t; } else { a += u * v; qq += u * u; xx += v * v; }
  }
  if (metric == 0) return (float)a;
  if (metric == 1) return (float)-a;
  return qq == 0 || xx == 0 ? -0.0f : (float)-(a / sqrt(qq * xx));
}

/** Packs rows [from, to) that pass the mask into 2W-row panels; returns how many. */
static int pack(Work *w, long from, long to) {
  int m = 0;
  for (long r = from; r < to; r++) {
    if (mask && !mask[r]) continue;
    const float *src = base + r * dim;
    float *dst = w->panels + (long)(m / PANEL) * dim * PANEL + m % PANEL;
    float norm = 0;
    for (int j = 0; j < dim; j++) { dst[(long)j * PANEL] = src[j]; norm += src[j] * src[j]; }
    w->pnorm[m] = norm; w->pid[m] = (int32_t)r;
    m++;
  }
  for (int t = m; t % PANEL; t++) {
    float *dst = w->panels + (long)(t / PANEL) * dim * PANEL + t % PANEL;
    for (int j = 0; j < dim; j++) dst[(long)j * PANEL] = 0;
    w->pnorm[t] = 0; w->pid[t] = -1;
  }
  return m;
}

static void screen(Work *w, long q, int row0, vf dot, int count, float margin) {
  vf bn = vload(w->pnorm + row0), qn = vset1(qnorm[q]), bad;
  if (metric == 0) { vf s = vadd(qn, bn); bad = vsub(vsub(s, vadd(dot, dot)), vmul(vset1(margin), s)); }
  else if (metric == 1) bad = vsub(vsub(vzero(), dot), vmul(vset1(margin), vadd(qn, bn)));
  else { vf c = vdiv(dot, vsqrt(vmul(qn, bn))); bad = vsub(vsub(vzero(), c), vset1(margin)); }
  unsigned pass = vle_mask(bad, vset1(w->thr[q]));
  while (pass) {
    int lane = __builtin_ctz(pass);
    pass &= pass - 1;
    int r = row0 + lane;
    if (r < count) offer(w, q, exact(queries + q * dim, base + (long)w->pid[r] * dim), w->pid[r]);
  }
}

static void search_block(Work *w, int count) {
  const float margin = (float)(2 * dim + 16) * 5.9604645e-8f;
  int panels = (count + PANEL - 1) / PANEL;
  long q = 0;
  for (; q + QT <= nq; q += QT) {
    const float *qp = queries + q * dim;
    // Axes in chunks of KC, so the tile's query values stay in L1 while the panels stream past.
    for (int t = 0; t < panels * QT * 2; t++) w->partial[t] = vzero();
    for (int j0 = 0; j0 < dim; j0 += KC) {
      int j1 = j0 + KC < dim ? j0 + KC : dim;
      for (int p = 0; p < panels; p++) {
        const float *pan = w->panels + (long)p * dim * PANEL;
        vf *io = w->partial + (long)p * QT * 2;
        vf acc[QT][2];
        for (int a = 0; a < QT; a++) { acc[a][0] = io[2 * a]; acc[a][1] = io[2 * a + 1]; }
        for (int j = j0; j < j1; j++) {
          vf p0 = vload(pan + (long)j * PANEL), p1 = vload(pan + (long)j * PANEL + W);
          for (int a = 0; a < QT; a++) {
            vf x = vset1(qp[(long)a * dim + j]);
            acc[a][0] = vfma(x, p0, acc[a][0]);
            acc[a][1] = vfma(x, p1, acc[a][1]);
          }
        }
        for (int a = 0; a < QT; a++) { io[2 * a] = acc[a][0]; io[2 * a + 1] = acc[a][1]; }
      }
    }
    for (int p = 0; p < panels; p++)
      for (int a = 0; a < QT; a++)
        for (int b = 0; b < 2; b++) screen(w, q + a, p * PANEL + b * W, w->partial[(long)p * QT * 2 + 2 * a + b], count, margin);
  }
  for (; q < nq; q++) {
    const float *qp = queries + q * dim;
    for (int p = 0; p < panels; p++) {
      const float *pan = w->panels + (long)p * dim * PANEL;
      vf a0 = vzero(), a1 = vzero();
      for (int j = 0; j < dim; j++) {
        vf x = vset1(qp[j]);
        a0 = vfma(x, vload(pan + (long)j * PANEL), a0);
        a1 = vfma(x, vload(pan + (long)j * PANEL + W), a1);
      }
      screen(w, q, p * PANEL, a0, count, margin);
      screen(w, q, p * PANEL + W, a1, count, margin);
    }
  }
}

static void *scan(void *arg) {
  Work *w = arg;
  for (long start = w->from; start < w->to; start += block_rows) {
    long end = start + block_rows < w->to ? start + block_rows : w->to;
    search_block(w, pack(w, start, end));
  }
  return NULL;
}

int main(int argc, char **argv) {
  if (argc != 8) { fprintf(stderr, "usage: knn-blocked BASE.fbin QUERIES.fbin K METRIC THREADS MASK|- OUT.ibin\n"); return 2; }
  int qdim;
  base = read_fbin(argv[1], &rows, &dim);
  queries = read_fbin(argv[2], &nq, &qdim);
  k = atoi(argv[3]); metric = atoi(argv[4]); nthreads = atoi(argv[5]);
  mask = read_mask(argv[6], rows);
  struct timespec t0, t1, c0, c1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
  qnorm = malloc(nq * 4);
  for (long q = 0; q < nq; q++) { float s = 0; for (int j = 0; j < dim; j++) s += queries[q * dim + j] * queries[q * dim + j]; qnorm[q] = s; }
  block_rows = (65536 / dim) / PANEL * PANEL;
  if (block_rows < PANEL) block_rows = PANEL;
  pthread_t th[64]; Work w[64];
  long per = (rows + nthreads - 1) / nthreads;
  for (int t = 0; t < nthreads; t++) {
    w[t].d = malloc(nq * k * 4); w[t].id = malloc(nq * k * 4); w[t].size = calloc(nq, sizeof(int32_t));
    w[t].thr = malloc(nq * 4);
    for (long q = 0; q < nq; q++) w[t].thr[q] = INFINITY;
    w[t].panels = aligned_alloc(64, (size_t)(block_rows + PANEL) * dim * 4);
    w[t].pnorm = aligned_alloc(64, (block_rows + PANEL) * 4);
    w[t].pid = malloc((block_rows + PANEL) * 4);
    w[t].partial = aligned_alloc(64, (size_t)(block_rows / PANEL + 1) * QT * 2 * sizeof(vf));
    w[t].from = t * per; w[t].to = (t + 1) * per < rows ? (t + 1) * per : rows;
    pthread_create(&th[t], NULL, scan, &w[t]);
  }
  for (int t = 0; t < nthreads; t++) pthread_join(th[t], NULL);
  for (int t = 1; t < nthreads; t++)
    for (long q = 0; q < nq; q++)
      for (int i = 0; i < w[t].size[q]; i++) offer(&w[0], q, w[t].d[q * k + i], w[t].id[q * k + i]);
  for (long q = 0; q < nq; q++) {
    float *d = w[0].d + q * k; int32_t *id = w[0].id + q * k;
    heap_sort(d, id, w[0].size[q]);
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
  if (metric != 0) for (long i = 0; i < nq * k; i++) w[0].d[i] = -w[0].d[i];
  write_answer(argv[7], nq, k, w[0].id, w[0].d, t0, t1, c0, c1);
  return 0;
}
