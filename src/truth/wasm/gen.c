// The dataset generator's row formula (src/dataset/generator.ts, fillRow and finish) in
// WebAssembly SIMD, bit for bit: the truth engine streams generated rows straight into the kNN
// kernel's block without a JavaScript copy. Only integer ops and single float32 roundings are
// used, which JavaScript reproduces exactly with Math.imul and Math.fround.
#include <stdint.h>
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name)))

static inline uint32_t mix32(uint32_t x) {
  x ^= x >> 16; x *= 0x7feb352du; x ^= x >> 15; x *= 0x846ca68bu; x ^= x >> 16;
  return x;
}

static inline v128_t mix32x4(v128_t x) {
  x = wasm_v128_xor(x, wasm_u32x4_shr(x, 16));
  x = wasm_i32x4_mul(x, wasm_i32x4_splat(0x7feb352d));
  x = wasm_v128_xor(x, wasm_u32x4_shr(x, 15));
  x = wasm_i32x4_mul(x, wasm_i32x4_splat((int32_t)0x846ca68bu));
  return wasm_v128_xor(x, wasm_u32x4_shr(x, 16));
}

// Sum of a word's four bytes minus 510, as float32 (exact: small integers).
static inline v128_t centred_byte_sum(v128_t w) {
  v128_t low = wasm_i32x4_splat(0x00ff00ff);
  v128_t pairs = wasm_i32x4_add(wasm_v128_and(w, low), wasm_v128_and(wasm_u32x4_shr(w, 8), low));
  v128_t sum = wasm_i32x4_add(wasm_v128_and(pairs, wasm_i32x4_splat(0xffff)), wasm_u32x4_shr(pairs, 16));
  return wasm_f32x4_convert_i32x4(wasm_i32x4_sub(sum, wasm_i32x4_splat(510)));
}

static inline int32_t scalar_byte_sum(uint32_t w) {
  uint32_t pairs = (w & 0x00ff00ffu) + ((w >> 8) & 0x00ff00ffu);
  return (int32_t)((pairs & 0xffffu) + (pairs >> 16)) - 510;
}

static int pick_rank(const uint32_t *thresholds, int n, uint32_t w) {
  int lo = 0, hi = n - 1;
  while (lo < hi) {
    int mid = (int)((unsigned)(lo + hi) >> 1);
    if (w < thresholds[mid]) hi = mid; else lo = mid + 1;
  }
  return lo;
}

enum { QUANTIZE_UINT8 = 1, NORMALIZE = 2 };

/*
 * Rows lo .. lo+count-1 (low 32 bits of the id; the high word is folded into keys) into out,
 * one row every `stride` floats. keys: dim lane keys then the cluster key.
 */
EXPORT(generate_rows)
void generate_rows(uint32_t lo, int count, int dim, int stride, const uint32_t *keys, const float *centers,
                   const float *scales, const uint32_t *thresholds, int clusters, int flags, float *out) {
  for (int i = 0; i < count; i++, lo++) {
    float *row = out + (long)i * stride;
    long base = (long)pick_rank(thresholds, clusters, mix32(lo ^ keys[dim])) * dim;
    v128_t lov = wasm_i32x4_splat((int32_t)lo);
    int j = 0;
    for (; j + 4 <= dim; j += 4) {
      v128_t g = centred_byte_sum(mix32x4(wasm_v128_xor(lov, wasm_v128_load(keys + j))));
      v128_t v = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(scales + base + j), g), wasm_v128_load(centers + base + j));
      if (flags & QUANTIZE_UINT8) {
        v = wasm_f32x4_floor(wasm_f32x4_add(v, wasm_f32x4_splat(0.5f)));
        v = wasm_f32x4_min(wasm_f32x4_max(v, wasm_f32x4_splat(0.0f)), wasm_f32x4_splat(255.0f));
      }
      wasm_v128_store(row + j, v);
    }
    for (; j < dim; j++) {
      float v = scales[base + j] * (float)scalar_byte_sum(mix32(lo ^ keys[j])) + centers[base + j];
      if (flags & QUANTIZE_UINT8) {
        v = __builtin_floorf(v + 0.5f);
        v = v < 0.0f ? 0.0f : v > 255.0f ? 255.0f : v;
      }
      row[j] = v;
    }
    if (flags & NORMALIZE) {
      float sum_squares = 0.0f;
      for (j = 0; j < dim; j++) sum_squares += row[j] * row[j];  // sequential, as in JavaScript
      if (sum_squares != 0.0f) {
        float inverse = 1.0f / __builtin_sqrtf(sum_squares);
        for (j = 0; j < dim; j++) row[j] *= inverse;
      }
    }
  }
}
