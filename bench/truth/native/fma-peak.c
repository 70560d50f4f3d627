// The machine's fused multiply-add peak, for the truth benchmark's table: each thread runs 16
// independent FMA chains (enough to cover the FMA latency) on vectors of the given width, with
// no memory traffic. usage: fma-peak THREADS WIDTH(128|256|512)
// prints {"gflops": G, "gflopsPerCpuSecond": P}: per wall second, and per second of CPU time
// (robust to other work on a shared machine: P times the core count is the peak of idle cores).
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define ITERATIONS 20000000L
static int width;
static volatile float scale = 1.0000001f, shift = 0.9999999f;  // unknown to the compiler
static float sink[64];

#define CHAINS(T, SET1, FMA, STORE)                                                   \
  do {                                                                                \
    T a[16], x = SET1(scale), y = SET1(shift);                                        \
    _Pragma("GCC unroll 16") for (int i = 0; i < 16; i++) a[i] = SET1((float)i);      \
    for (long n = 0; n < ITERATIONS; n++)                                             \
      _Pragma("GCC unroll 16") for (int i = 0; i < 16; i++) a[i] = FMA(a[i], x, y);   \
    for (int i = 1; i < 16; i++) a[0] = FMA(a[0], x, a[i]);                           \
    STORE(sink, a[0]);                                                                \
  } while (0)

static void *run(void *arg) {
  (void)arg;
#ifdef __AVX512F__
  if (width == 512) CHAINS(__m512, _mm512_set1_ps, _mm512_fmadd_ps, _mm512_storeu_ps);
#endif
  if (width == 256) CHAINS(__m256, _mm256_set1_ps, _mm256_fmadd_ps, _mm256_storeu_ps);
  if (width == 128) CHAINS(__m128, _mm_set1_ps, _mm_fmadd_ps, _mm_storeu_ps);
  return NULL;
}

int main(int argc, char **argv) {
  if (argc != 3) { fprintf(stderr, "usage: fma-peak THREADS WIDTH\n"); return 2; }
  int threads = atoi(argv[1]);
  width = atoi(argv[2]);
  pthread_t th[64];
  struct timespec t0, t1, c0, c1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
  for (int t = 0; t < threads; t++) pthread_create(&th[t], NULL, run, NULL);
  for (int t = 0; t < threads; t++) pthread_join(th[t], NULL);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
  double seconds = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
  double cpu = (c1.tv_sec - c0.tv_sec) + (c1.tv_nsec - c0.tv_nsec) / 1e9;
  double flops = (double)threads * ITERATIONS * 16 * (width / 32) * 2;
  if (sink[0] == 12345.0f) fprintf(stderr, "(unlikely)\n");  // the result is used, so the work is kept
  printf("{\"gflops\": %.1f, \"gflopsPerCpuSecond\": %.1f}\n", flops / seconds / 1e9, flops / cpu / 1e9);
  return 0;
}
