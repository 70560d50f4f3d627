// Per-query top-k as a max-heap on (badness, id): the worst kept candidate at the root, ties settled
// by id so every kernel (the WebAssembly one and the native benchmark baselines) keeps the same set.
#ifndef DRILL_TOPK_H
#define DRILL_TOPK_H

#include <stdint.h>

static inline int worse(float da, int32_t ia, float db, int32_t ib) { return da > db || (da == db && ia > ib); }

static inline void swap_entry(float *d, int32_t *id, int a, int b) {
  float td = d[a]; d[a] = d[b]; d[b] = td;
  int32_t ti = id[a]; id[a] = id[b]; id[b] = ti;
}

static void sift_down(float *d, int32_t *id, int n, int i) {
  for (;;) {
    int l = 2 * i + 1, r = l + 1, m = i;
    if (l < n && worse(d[l], id[l], d[m], id[m])) m = l;
    if (r < n && worse(d[r], id[r], d[m], id[m])) m = r;
    if (m == i) return;
    swap_entry(d, id, i, m);
    i = m;
  }
}

/** Offers a candidate to a heap of `*size` entries that holds at most k. */
static void heap_offer(float *d, int32_t *id, int32_t *size, int k, float bad, int32_t row) {
  int n = *size;
  if (n < k) {
    int i = n++;
    d[i] = bad; id[i] = row;
    while (i > 0) {
      int p = (i - 1) / 2;
      if (!worse(d[i], id[i], d[p], id[p])) break;
      swap_entry(d, id, i, p);
      i = p;
    }
    *size = n;
    return;
  }
  if (!worse(d[0], id[0], bad, row)) return;
  d[0] = bad; id[0] = row;
  sift_down(d, id, n, 0);
}

/** Sorts a heap of n entries in place, best first. */
static void heap_sort(float *d, int32_t *id, int n) {
  for (; n > 1; n--) {
    swap_entry(d, id, 0, n - 1);
    sift_down(d, id, n - 1, 0);
  }
}

#endif
