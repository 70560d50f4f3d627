// faiss exact-search harness for the truth benchmark (Debian's libfaiss-dev), compiled at bench time.
// usage: faiss-flat BASE.fbin QUERIES.fbin K METRIC(0=L2,1=IP) THREADS MASK|- OUT.ibin
// prints {"seconds": S} (add + search, not file reading) on stdout.
#include <faiss/IndexFlat.h>
#include <faiss/impl/IDSelector.h>
#include <omp.h>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

static std::vector<float> read_fbin(const char *path, long &n, int &d) {
  FILE *f = std::fopen(path, "rb");
  if (!f) { std::perror(path); std::exit(2); }
  uint32_t h[2];
  if (std::fread(h, 4, 2, f) != 2) std::exit(2);
  n = h[0]; d = (int)h[1];
  std::vector<float> v((size_t)n * d);
  if (std::fread(v.data(), 4, v.size(), f) != v.size()) std::exit(2);
  std::fclose(f);
  return v;
}

int main(int argc, char **argv) {
  if (argc != 8) { std::fprintf(stderr, "usage: faiss-flat BASE.fbin QUERIES.fbin K METRIC THREADS MASK|- OUT.ibin\n"); return 2; }
  long rows, nq; int dim, qdim;
  auto base = read_fbin(argv[1], rows, dim);
  auto queries = read_fbin(argv[2], nq, qdim);
  int k = std::atoi(argv[3]), metric = std::atoi(argv[4]);
  omp_set_num_threads(std::atoi(argv[5]));
  std::vector<uint8_t> bits;
  if (argv[6][0] != '-') {
    std::vector<uint8_t> bytes(rows);
    FILE *f = std::fopen(argv[6], "rb");
    if (!f || std::fread(bytes.data(), 1, rows, f) != (size_t)rows) return 2;
    std::fclose(f);
    bits.assign((rows + 7) / 8, 0);
    for (long r = 0; r < rows; r++) if (bytes[r]) bits[r >> 3] |= 1 << (r & 7);
  }
  std::vector<float> dist((size_t)nq * k);
  std::vector<faiss::Index::idx_t> ids((size_t)nq * k);
  auto t0 = std::chrono::steady_clock::now();
  faiss::IndexFlat index(dim, metric == 0 ? faiss::METRIC_L2 : faiss::METRIC_INNER_PRODUCT);
  index.add(rows, base.data());
  if (bits.empty()) {
    index.search(nq, queries.data(), k, dist.data(), ids.data());
  } else {
    faiss::IDSelectorBitmap selector(rows, bits.data());
    faiss::SearchParameters params;
    params.sel = &selector;
    index.search(nq, queries.data(), k, dist.data(), ids.data(), &params);
  }
  auto t1 = std::chrono::steady_clock::now();
  FILE *out = std::fopen(argv[7], "wb");
  uint32_t h[2] = {(uint32_t)nq, (uint32_t)k};
  std::fwrite(h, 4, 2, out);
  for (auto id : ids) { int32_t v = (int32_t)id; std::fwrite(&v, 4, 1, out); }
  std::fwrite(dist.data(), 4, dist.size(), out);
  std::fclose(out);
  std::printf("{\"seconds\": %.6f}\n", std::chrono::duration<double>(t1 - t0).count());
  return 0;
}
