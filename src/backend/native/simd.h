/*
 * The vector type of one kernel build. kernels.c is compiled once per instruction set (build.mjs):
 *   RNNKIT_AVX512    16 lanes, AVX-512F fused multiply-add
 *   RNNKIT_AVX2      8 lanes, AVX2 + FMA
 *   (neither)        4 lanes of plain C vectors: SSE2 on x86-64, NEON on ARM, whatever else GCC or
 *                    clang make of them elsewhere; multiply then add (two roundings)
 * Every kernel is written once over `vf` (GCC/clang vector extensions) and named through ISA(),
 * so the builds link into one addon side by side. The build uses -ffp-contract=off: the only
 * fused multiply-adds are the explicit vfma() calls, so each build rounds the same way everywhere.
 */
#ifndef RNNKIT_SIMD_H
#define RNNKIT_SIMD_H

#include <stdint.h>
#include <string.h>

#if defined(RNNKIT_AVX512)
#include <immintrin.h>
#define VW 16
#define ISA(name) name##_avx512
#define ISA_NAME "avx512"
#elif defined(RNNKIT_AVX2)
#include <immintrin.h>
#define VW 8
#define ISA(name) name##_avx2
#define ISA_NAME "avx2"
#else
#define VW 4
#define ISA(name) name##_portable
#define ISA_NAME "portable"
#endif

typedef float vf __attribute__((vector_size(VW * 4)));
typedef int32_t vi __attribute__((vector_size(VW * 4)));

#define INLINE static inline __attribute__((always_inline))

INLINE vf vsplat(float x) {
#if defined(RNNKIT_AVX512)
  return (vf)_mm512_set1_ps(x);
#elif defined(RNNKIT_AVX2)
  return (vf)_mm256_set1_ps(x);
#else
  return (vf){x, x, x, x};
#endif
}

/* a·b + c: one rounding (FMA) in the AVX builds, two in the portable one. */
INLINE vf vfma(vf a, vf b, vf c) {
#if defined(RNNKIT_AVX512)
  return (vf)_mm512_fmadd_ps((__m512)a, (__m512)b, (__m512)c);
#elif defined(RNNKIT_AVX2)
  return (vf)_mm256_fmadd_ps((__m256)a, (__m256)b, (__m256)c);
#else
  return a * b + c;
#endif
}

INLINE vf vload(const float *p) { vf v; memcpy(&v, p, sizeof v); return v; }
INLINE void vstore(float *p, vf v) { memcpy(p, &v, sizeof v); }

/* The first `lanes` elements (1 ≤ lanes ≤ VW) of p, the other lanes 0; the store writes only those. */
INLINE vf vload_n(const float *p, int lanes) {
  if (lanes == VW) return vload(p);
  vf v = {0};
  memcpy(&v, p, (size_t)lanes * 4);
  return v;
}
INLINE void vstore_n(float *p, vf v, int lanes) {
  if (lanes == VW) vstore(p, v);
  else memcpy(p, &v, (size_t)lanes * 4);
}

/* Lanes to process at element i of n: a whole vector while one fits, else the rest. */
INLINE int lanes_at(int i, int n) { return n - i >= VW ? VW : n - i; }

/* mask ? a : b, lane by lane (mask lanes all ones or all zeros) */
INLINE vf vselect(vi mask, vf a, vf b) { return (vf)((mask & (vi)a) | (~mask & (vi)b)); }
/* x < lo ? lo : x, and x > hi ? hi : x: NaN passes through */
INLINE vf vclamp(vf x, float lo, float hi) {
  x = vselect(x < vsplat(lo), vsplat(lo), x);
  return vselect(x > vsplat(hi), vsplat(hi), x);
}

typedef float v4f __attribute__((vector_size(16)));
typedef float v8f __attribute__((vector_size(32)));

/* Σ of the lanes as a tree (halves added, then quarters, …): a few instructions, not VW dependent adds. */
INLINE float vsum(vf v) {
#if VW == 4
  const v4f s4 = v;
#else
  v4f q[2];
#if VW == 16
  v8f h[2];
  memcpy(h, &v, sizeof v);
  const v8f s8 = h[0] + h[1];
  memcpy(q, &s8, sizeof s8);
#else
  memcpy(q, &v, sizeof v);
#endif
  const v4f s4 = q[0] + q[1];
#endif
  return (s4[0] + s4[2]) + (s4[1] + s4[3]);
}

/*
 * e^x (Cephes expf), the same approximation as the wasm kernels: x = n·ln2 + r with |r| ≤ ln2/2,
 * e^r by a degree-5 polynomial, 2ⁿ by exponent bits; about 1 ulp. The input is clamped to the
 * normal range of e^x. n = round(x·log₂e) by adding 1.5·2²³, which leaves n in the low mantissa.
 */
INLINE vf vexp(vf x) {
  x = vclamp(x, -87.3f, 88.37f);
  const vf shifted = x * 1.44269504088896341f + 12582912.0f;
  const vf n = shifted - 12582912.0f;
  const vf r = (x - n * 0.693359375f) - n * -2.12194440e-4f;
  vf y = vsplat(1.9875691500e-4f);
  y = y * r + 1.3981999507e-3f;
  y = y * r + 8.3334519073e-3f;
  y = y * r + 4.1665795894e-2f;
  y = y * r + 1.6666665459e-1f;
  y = y * r + 5.0000001201e-1f;
  y = y * (r * r) + r + 1.0f;
  const vi twoN = ((vi)shifted + (127 - 0x4b400000)) << 23;
  return y * (vf)twoN;
}

/* σ(x) = 1 / (1 + e^−x) */
INLINE vf vsigmoid(vf x) { return 1.0f / (1.0f + vexp(-x)); }

/*
 * tanh x: for |x| < 0.625 the odd Cephes polynomial x + x³·P(x²), otherwise
 * sign(x)·(1 − 2 / (e^{2|x|} + 1)).
 */
INLINE vf vtanh(vf x) {
  const vi sign = (vi)x & (int32_t)0x80000000;
  const vf ax = (vf)((vi)x & 0x7fffffff);
  const vf z = x * x;
  vf p = vsplat(-5.70498872745e-3f);
  p = p * z + 2.06390887954e-2f;
  p = p * z + -5.37397155531e-2f;
  p = p * z + 1.33314422036e-1f;
  p = p * z + -3.33332819422e-1f;
  const vf small = p * z * x + x;
  const vf big = (vf)((vi)(1.0f - 2.0f / (vexp(ax + ax) + 1.0f)) | sign);
  return vselect(ax < vsplat(0.625f), small, big);
}

#endif
