"""Exact kNN with faiss IndexFlat or numpy, for the truth benchmark (run in the bench's venv).

usage: exact.py faiss|numpy BASE.fbin QUERIES.fbin K METRIC(0=L2,1=IP) THREADS OUT.ibin
prints {"seconds": S, "cpuSeconds": C, "readSeconds": R}: the search (faiss: add + search) and,
separately, reading the two files.
"""
import json
import sys
import time

import numpy as np


def read_fbin(path):
    header = np.fromfile(path, dtype=np.uint32, count=2)
    return np.fromfile(path, dtype=np.float32, offset=8).reshape(int(header[0]), int(header[1]))


def faiss_search(base, queries, k, metric, threads):
    import faiss

    faiss.omp_set_num_threads(threads)
    index = faiss.IndexFlatL2(base.shape[1]) if metric == 0 else faiss.IndexFlatIP(base.shape[1])
    index.add(base)
    distances, ids = index.search(queries, k)
    return ids, distances


def numpy_search(base, queries, k, metric, chunk=16_384):
    """Brute force as a user writes it: float32 products with chunks of the base, argpartition per query.

    The chunk size is the fastest of 4096, 16384, 50000 and 100000 rows measured here (1M x 128).
    """
    nq = queries.shape[0]
    best_d = np.full((nq, k), np.inf, dtype=np.float32)
    best_i = np.full((nq, k), -1, dtype=np.int64)
    q_norms = (queries * queries).sum(axis=1)
    for start in range(0, base.shape[0], chunk):
        block = base[start:start + chunk]
        products = queries @ block.T
        if metric == 0:
            d = q_norms[:, None] + (block * block).sum(axis=1)[None, :] - 2 * products
        else:
            d = -products
        d = np.concatenate([best_d, d], axis=1)
        i = np.concatenate([best_i, np.broadcast_to(np.arange(start, start + block.shape[0]), (nq, block.shape[0]))], axis=1)
        top = np.argpartition(d, k - 1, axis=1)[:, :k]
        best_d = np.take_along_axis(d, top, axis=1)
        best_i = np.take_along_axis(i, top, axis=1)
    order = np.argsort(best_d, axis=1, kind='stable')
    best_d = np.take_along_axis(best_d, order, axis=1)
    best_i = np.take_along_axis(best_i, order, axis=1)
    return best_i, best_d if metric == 0 else -best_d


def main():
    engine, base_path, query_path, k, metric, threads, out = sys.argv[1:8]
    k, metric, threads = int(k), int(metric), int(threads)
    started = time.perf_counter()
    base, queries = read_fbin(base_path), read_fbin(query_path)
    read_seconds = time.perf_counter() - started
    wall, cpu = time.perf_counter(), time.process_time()
    ids, distances = (faiss_search if engine == 'faiss' else numpy_search)(base, queries, k, metric, *([threads] if engine == 'faiss' else []))
    seconds, cpu_seconds = time.perf_counter() - wall, time.process_time() - cpu
    with open(out, 'wb') as f:
        np.array([queries.shape[0], k], dtype=np.uint32).tofile(f)
        ids.astype(np.int32).tofile(f)
        distances.astype(np.float32).tofile(f)
    print(json.dumps({'seconds': seconds, 'cpuSeconds': cpu_seconds, 'readSeconds': read_seconds}))


if __name__ == '__main__':
    main()
