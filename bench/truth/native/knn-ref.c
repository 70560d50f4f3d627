// Native reference kernel for the truth benchmark: plain C brute-force top-k, compiled at bench
// time with -O3 -march=native. The 16 independent partial sums let the compiler use the widest
// vector unit (AVX2/AVX-512) without -ffast-math. Same blocking and heap as the WebAssembly engine.
//
// usage: knn-ref BASE.fbin QUERIES.fbin K METRIC(0=L2,1=IP,2=COSINE) THREADS MASK|- OUT.ibin
// writes OUT.ibin as big-ann-benchmarks ground truth (assumes every query found k rows);
// prints {"seconds": S, "cpuSeconds": C} (compute only, not file reading) on stdout.
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define LANES 16
#define BLOCK_ROWS 256

static float *base, *queries, *bnorm, *qnorm;
static uint8_t *mask;
static int dim, metric, k, nthreads;
static long rows, nq;

typedef struct { float *d; int32_t *id; int *size; long from, to; } Work;

static float *read_fbin(const char *path, long *n, int *d) {
  FILE *f = fopen(path, "rb");
  if (!f) { perror(path); exit(2); }
  uint32_t h[2];
  if (fread(h, 4, 2, f) != 2) { fprintf(stderr, "%s: short header\n", path); exit(2); }
  *n = h[0]; *d = (int)h[1];
  float *v = malloc((size_t)h[0] * h[1] * 4);
  if (fread(v, 4, (size_t)h[0] * h[1], f) != (size_t)h[0] * h[1]) { fprintf(stderr, "%s: short data\n", path); exit(2); }
  fclose(f);
  return v;
}

static float raw(const float *a, const float *b) {
  float acc[LANES] = {0};
  int j = 0;
  if (metric == 0) {
    for (; j + LANES <= dim; j += LANES)
      for (int l = 0; l < LANES; l++) { float t = a[j + l] - b[j + l]; acc[l] += t * t; }
    for (; j < dim; j++) { float t = a[j] - b[j]; acc[0] += t * t; }
  } else {
    for (; j + LANES <= dim; j += LANES)
      for (int l = 0; l < LANES; l++) acc[l] += a[j + l] * b[j + l];
    for (; j < dim; j++) acc[0] += a[j] * b[j];
  }
  float s = 0;
  for (int l = 0; l < LANES; l++) s += acc[l];
  return s;
}

static int worse(float da, int32_t ia, float db, int32_t ib) { return da > db || (da == db && ia > ib); }

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

static void offer(float *d, int32_t *id, int *size, float bad, int32_t row) {
  if (*size < k) {
    int i = (*size)++;
    d[i] = bad; id[i] = row;
    while (i > 0) {
      int p = (i - 1) / 2;
      if (!worse(d[i], id[i], d[p], id[p])) break;
      float td = d[i]; d[i] = d[p]; d[p] = td;
      int32_t ti = id[i]; id[i] = id[p]; id[p] = ti;
      i = p;
    }
    return;
  }
  if (!worse(d[0], id[0], bad, row)) return;
  d[0] = bad; id[0] = row;
  sift_down(d, id, k, 0);
}

static void *scan(void *arg) {
  Work *w = arg;
  for (long start = w->from; start < w->to; start += BLOCK_ROWS) {
    long end = start + BLOCK_ROWS < w->to ? start + BLOCK_ROWS : w->to;
    for (long q = 0; q < nq; q++) {
      float *hd = w->d + q * k; int32_t *hi = w->id + q * k; int *hs = w->size + q;
      const float *qv = queries + q * dim;
      for (long r = start; r < end; r++) {
        if (mask && !mask[r]) continue;
        float s = raw(qv, base + r * dim);
        float bad = metric == 0 ? s : metric == 1 ? -s : -(s / sqrtf(qnorm[q] * bnorm[r]));
        if (*hs < k || bad <= hd[0]) offer(hd, hi, hs, bad, (int32_t)r);
      }
    }
  }
  return NULL;
}

int main(int argc, char **argv) {
  if (argc != 8) { fprintf(stderr, "usage: knn-ref BASE.fbin QUERIES.fbin K METRIC THREADS MASK|- OUT.ibin\n"); return 2; }
  int qdim;
  base = read_fbin(argv[1], &rows, &dim);
  queries = read_fbin(argv[2], &nq, &qdim);
  k = atoi(argv[3]); metric = atoi(argv[4]); nthreads = atoi(argv[5]);
  if (argv[6][0] != '-') {
    FILE *f = fopen(argv[6], "rb");
    mask = malloc(rows);
    if (!f || fread(mask, 1, rows, f) != (size_t)rows) { fprintf(stderr, "%s: cannot read %ld mask bytes\n", argv[6], rows); return 2; }
    fclose(f);
  }
  struct timespec t0, t1, c0, c1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
  if (metric == 2) {
    bnorm = malloc(rows * 4); qnorm = malloc(nq * 4);
    metric = 1; // raw() computes dot products for both
    for (long r = 0; r < rows; r++) bnorm[r] = raw(base + r * dim, base + r * dim);
    for (long q = 0; q < nq; q++) qnorm[q] = raw(queries + q * dim, queries + q * dim);
    metric = 2;
  }
  pthread_t th[64]; Work w[64];
  long per = (rows + nthreads - 1) / nthreads;
  for (int t = 0; t < nthreads; t++) {
    w[t].d = malloc(nq * k * 4); w[t].id = malloc(nq * k * 4); w[t].size = calloc(nq, sizeof(int));
    w[t].from = t * per; w[t].to = (t + 1) * per < rows ? (t + 1) * per : rows;
    pthread_create(&th[t], NULL, scan, &w[t]);
  }
  for (int t = 0; t < nthreads; t++) pthread_join(th[t], NULL);
  // Merge: offer every thread's candidates to thread 0's heaps, then sort each heap.
  for (int t = 1; t < nthreads; t++)
    for (long q = 0; q < nq; q++)
      for (int i = 0; i < w[t].size[q]; i++) offer(w[0].d + q * k, w[0].id + q * k, w[0].size + q, w[t].d[q * k + i], w[t].id[q * k + i]);
  for (long q = 0; q < nq; q++) {
    float *d = w[0].d + q * k; int32_t *id = w[0].id + q * k;
    for (int n = w[0].size[q]; n > 1; n--) {
      float td = d[0]; d[0] = d[n - 1]; d[n - 1] = td;
      int32_t ti = id[0]; id[0] = id[n - 1]; id[n - 1] = ti;
      sift_down(d, id, n - 1, 0);
    }
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
  FILE *out = fopen(argv[7], "wb");
  uint32_t h[2] = {(uint32_t)nq, (uint32_t)k};
  fwrite(h, 4, 2, out);
  fwrite(w[0].id, 4, nq * k, out);
  for (long i = 0; i < nq * k; i++) { float d = metric == 0 ? w[0].d[i] : -w[0].d[i]; fwrite(&d, 4, 1, out); }
  fclose(out);
  printf("{\"seconds\": %.6f, \"cpuSeconds\": %.6f}\n", (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
         (c1.tv_sec - c0.tv_sec) + (c1.tv_nsec - c0.tv_nsec) / 1e9);
  return 0;
}
