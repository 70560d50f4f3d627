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
#include "fbin.h"
#include "../../../src/truth/wasm/topk.h"

#define LANES 16
#define BLOCK_ROWS 256

static float *base, *queries, *bnorm, *qnorm;
static uint8_t *mask;
static int dim, metric, k, nthreads;
static long rows, nq;

typedef struct { float *d; int32_t *id; int32_t *size; long from, to; } Work;

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

static void *scan(void *arg) {
  Work *w = arg;
  for (long start = w->from; start < w->to; start += BLOCK_ROWS) {
    long end = start + BLOCK_ROWS < w->to ? start + BLOCK_ROWS : w->to;
    for (long q = 0; q < nq; q++) {
      float *hd = w->d + q * k; int32_t *hi = w->id + q * k; int32_t *hs = w->size + q;
      const float *qv = queries + q * dim;
      for (long r = start; r < end; r++) {
        if (mask && !mask[r]) continue;
        float s = raw(qv, base + r * dim);
        float bad = metric == 0 ? s : metric == 1 ? -s : -(s / sqrtf(qnorm[q] * bnorm[r]));
        if (*hs < k || bad <= hd[0]) heap_offer(hd, hi, hs, k, bad, (int32_t)r);
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
  mask = read_mask(argv[6], rows);
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
    w[t].d = malloc(nq * k * 4); w[t].id = malloc(nq * k * 4); w[t].size = calloc(nq, sizeof(int32_t));
    w[t].from = t * per; w[t].to = (t + 1) * per < rows ? (t + 1) * per : rows;
    pthread_create(&th[t], NULL, scan, &w[t]);
  }
  for (int t = 0; t < nthreads; t++) pthread_join(th[t], NULL);
  // Merge: offer every thread's candidates to thread 0's heaps, then sort each heap.
  for (int t = 1; t < nthreads; t++)
    for (long q = 0; q < nq; q++)
      for (int i = 0; i < w[t].size[q]; i++) heap_offer(w[0].d + q * k, w[0].id + q * k, w[0].size + q, k, w[t].d[q * k + i], w[t].id[q * k + i]);
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
