// What the native baselines share: reading an .fbin file, and writing the answer file the bench reads back.
#ifndef DRILL_BENCH_FBIN_H
#define DRILL_BENCH_FBIN_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

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

/** The row mask file (one byte a row, nonzero keeps the row), or NULL for "-". */
static uint8_t *read_mask(const char *path, long rows) {
  if (path[0] == '-') return NULL;
  FILE *f = fopen(path, "rb");
  uint8_t *mask = malloc(rows);
  if (!f || fread(mask, 1, rows, f) != (size_t)rows) { fprintf(stderr, "%s: cannot read %ld mask bytes\n", path, rows); exit(2); }
  fclose(f);
  return mask;
}

/** The answer file (nq, k, ids, distances) and the timing line on stdout. */
static void write_answer(const char *path, long nq, int k, const int32_t *ids, const float *distances, struct timespec t0, struct timespec t1, struct timespec c0, struct timespec c1) {
  FILE *out = fopen(path, "wb");
  if (!out) { perror(path); exit(2); }
  uint32_t h[2] = {(uint32_t)nq, (uint32_t)k};
  fwrite(h, 4, 2, out);
  fwrite(ids, 4, nq * k, out);
  fwrite(distances, 4, nq * k, out);
  fclose(out);
  printf("{\"seconds\": %.6f, \"cpuSeconds\": %.6f}\n", (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
         (c1.tv_sec - c0.tv_sec) + (c1.tv_nsec - c0.tv_nsec) / 1e9);
}

#endif
