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

#define CHUNK 16384

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

static void offer(float *d, int32_t *id, int *size, int k, float bad, int32_t row) {
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

static float *read_fbin(const char *path, long *n, int *d) {
  FILE *f = fopen(path, "rb");
  if (!f) { perror(path); exit(2); }
  uint32_t h[2];
  if (fread(h, 4, 2, f) != 2) exit(2);
  *n = h[0]; *d = (int)h[1];
  float *v = malloc((size_t)h[0] * h[1] * 4);
  if (fread(v, 4, (size_t)h[0] * h[1], f) != (size_t)h[0] * h[1]) exit(2);
  fclose(f);
  return v;
}

int main(int argc, char **argv) {
  if (argc != 8) { fprintf(stderr, "usage: knn-sgemm BASE.fbin QUERIES.fbin K METRIC THREADS MASK|- OUT.ibin\n"); return 2; }
  long rows, nq; int dim, qdim;
  float *base = read_fbin(argv[1], &rows, &dim), *queries = read_fbin(argv[2], &nq, &qdim);
  int k = atoi(argv[3]), metric = atoi(argv[4]), threads = atoi(argv[5]);
  uint8_t *mask = NULL;
  if (argv[6][0] != '-') {
    FILE *f = fopen(argv[6], "rb");
    mask = malloc(rows);
    if (!f || fread(mask, 1, rows, f) != (size_t)rows) return 2;
    fclose(f);
  }
  scipy_openblas_set_num_threads(threads);
  omp_set_num_threads(threads);
  struct timespec t0, t1, c0, c1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
  float *ip = malloc((size_t)nq * CHUNK * 4), *bnorm = malloc(CHUNK * 4);
  float *hd = malloc((size_t)nq * k * 4); int32_t *hid = malloc((size_t)nq * k * 4); int *hsize = calloc(nq, sizeof(int));
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
      float *d = hd + q * k; int32_t *id = hid + q * k; int *size = hsize + q;
      const float *row = ip + q * n;
      for (int r = 0; r < n; r++) {
        if (mask && !mask[start + r]) continue;
        float bad = metric == 0 ? bnorm[r] - 2 * row[r] : -row[r];  // |q|² is the same for every row
        if (*size == k && bad > d[0]) continue;
        offer(d, id, size, k, bad, (int32_t)(start + r));
      }
    }
  }
  for (long q = 0; q < nq; q++) {
    float qn = 0;
    for (int j = 0; j < dim; j++) qn += queries[q * dim + j] * queries[q * dim + j];
    float *d = hd + q * k; int32_t *id = hid + q * k;
    for (int n = hsize[q]; n > 1; n--) {
      float td = d[0]; d[0] = d[n - 1]; d[n - 1] = td;
      int32_t ti = id[0]; id[0] = id[n - 1]; id[n - 1] = ti;
      sift_down(d, id, n - 1, 0);
    }
    for (int i = 0; i < hsize[q]; i++) d[i] = metric == 0 ? d[i] + qn : -d[i];
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
  FILE *out = fopen(argv[7], "wb");
  uint32_t h[2] = {(uint32_t)nq, (uint32_t)k};
  fwrite(h, 4, 2, out);
  fwrite(hid, 4, nq * k, out);
  fwrite(hd, 4, nq * k, out);
  fclose(out);
  printf("{\"seconds\": %.6f, \"cpuSeconds\": %.6f}\n", (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
         (c1.tv_sec - c0.tv_sec) + (c1.tv_nsec - c0.tv_nsec) / 1e9);
  return 0;
}
