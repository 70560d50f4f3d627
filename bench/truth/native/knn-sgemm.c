// Exact kNN by BLAS for the truth benchmark: OpenBLAS sgemm of the queries against chunks of the
// base (the way faiss's IndexFlat works), then a top-k pass per query that rejects against the
// running k-th before any heap work, on OpenMP threads. Built here against the OpenBLAS of the
// bench's Python environment (PyPI scipy-openblas32).
//
// usage: knn-sgemm BASE.fbin QUERIES.fbin K METRIC(0=L2,1=IP) THREADS MASK|- OUT.ibin
// prints {"seconds": S, "cpuSeconds": C} (compute only).
#include <cblas.h>
#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "fbin.h"
#include "../../../src/truth/wasm/topk.h"

#define CHUNK 16384

int main(int argc, char **argv) {
  if (argc != 8) { fprintf(stderr, "usage: knn-sgemm BASE.fbin QUERIES.fbin K METRIC THREADS MASK|- OUT.ibin\n"); return 2; }
  long rows, nq; int dim, qdim;
  float *base = read_fbin(argv[1], &rows, &dim), *queries = read_fbin(argv[2], &nq, &qdim);
  int k = atoi(argv[3]), metric = atoi(argv[4]), threads = atoi(argv[5]);
  uint8_t *mask = read_mask(argv[6], rows);
  scipy_openblas_set_num_threads(threads);
  omp_set_num_threads(threads);
  struct timespec t0, t1, c0, c1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
  float *ip = malloc((size_t)nq * CHUNK * 4), *bnorm = malloc(CHUNK * 4);
  float *hd = malloc((size_t)nq * k * 4); int32_t *hid = malloc((size_t)nq * k * 4); int32_t *hsize = calloc(nq, sizeof(int32_t));
  for (long start = 0; start < rows; start += CHUNK) {
    int n = rows - start < CHUNK ? (int)(rows - start) : CHUNK;
    const float *b = base + start * dim;
    scipy_cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)nq, n, dim, 1.0f, queries, dim, b, dim, 0.0f, ip, n);
    if (metric == 0) {
#pragma omp parallel for schedule(static)
      for (int r = 0; r < n; r++) { float s = 0; for (int j = 0; j < dim; j++) s += b[(long)r * dim + j] * b[(long)r * dim + j]; bnorm[r] = s; }
    }
#pragma omp parallel for schedule(dynamic, 16)
    for (long q = 0; q < nq; q++) {
      float *d = hd + q * k; int32_t *id = hid + q * k; int32_t *size = hsize + q;
      const float *row = ip + q * n;
      for (int r = 0; r < n; r++) {
        if (mask && !mask[start + r]) continue;
        float bad = metric == 0 ? bnorm[r] - 2 * row[r] : -row[r];  // |q|² is the same for every row
        if (*size == k && bad > d[0]) continue;
        heap_offer(d, id, size, k, bad, (int32_t)(start + r));
      }
    }
  }
  for (long q = 0; q < nq; q++) {
    float qn = 0;
    for (int j = 0; j < dim; j++) qn += queries[q * dim + j] * queries[q * dim + j];
    float *d = hd + q * k; int32_t *id = hid + q * k;
    heap_sort(d, id, hsize[q]);
    for (int i = 0; i < hsize[q]; i++) d[i] = metric == 0 ? d[i] + qn : -d[i];
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
  write_answer(argv[7], nq, k, hid, hd, t0, t1, c0, c1);
  return 0;
}
