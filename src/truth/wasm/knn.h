// Shared between knn.c (search) and gen.c (generated rows, cluster pruning).
#ifndef KNN_H
#define KNN_H
#include <stdint.h>

#define EXPORT(name) __attribute__((export_name(#name)))

enum { METRIC_L2 = 0, METRIC_IP = 1, METRIC_COSINE = 2 };

/*
 * One kernel instance's state, laid out by the JavaScript side (src/truth/kernel.ts writes these
 * fields in this order, 4 bytes each). Rows are packed into panels of 8: for each axis j, the 8
 * rows' values side by side, so a query's coordinate is broadcast against 4 rows at once.
 */
struct State {
  int32_t metric, dim, nq, k;
  const float *queries, *qnorms;
  float *heapD;
  int32_t *heapId, *heapSize;
  float *threshold;
  float *block;       // row-major rows waiting to be packed, blockRows × dim, and a spare row
  float *panels;      // packed rows, blockRows × dim
  float *pnorms;      // squared norms of packed rows
  int32_t *pids;      // ids of packed rows
  int32_t blockRows;
  int32_t *qlist;     // scratch: the queries a packed block is searched for
  float *qtile;       // scratch: a tile of queries interleaved axis by axis, QUERY_TILE × dim
  // Generator pruning (gen.c); lowerBounds null = none.
  const float *lowerBounds;     // [nq][clusters]: no row of cluster c has badness below it for query q (+inf: skip)
  const int32_t *clusterOrder;  // clusters, in the order a task visits them
  int32_t *rowCluster;          // scratch: taskRows
  uint32_t *rowOrder;           // scratch: taskRows
  int32_t *clusterStart;        // scratch: clusters + 1
  int32_t taskRows;
  const uint32_t *keys;
  const float *centers, *scales;
  const uint32_t *thresholds;
  int32_t clusters, genFlags, genDim;  // genDim: the dataset's dim (s->dim is padded to 4)
  float *qtiles;      // every whole tile of consecutive queries, interleaved once (interleave_queries)
};

/** Packs rows[0..n) of s->block (those whose mask byte is not 0) into panels; returns how many. */
int pack_block(struct State *s, int n, const int32_t *rowIds, int32_t firstId, const uint8_t *mask);
/** Fills s->qlist with the queries cluster c of the bounds may still serve; returns how many. */
int queries_needing(struct State *s, int c);
/** Offers the packed rows to the queries in qlist (all queries when qlist is null). */
void search_packed(struct State *s, int count, const int32_t *qlist, int nql);

#endif
