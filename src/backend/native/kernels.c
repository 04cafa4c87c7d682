/*
 * Every kernel of the native backend, written once over the vector type of simd.h and compiled
 * once per instruction set (build.mjs), each build exporting its table ISA(rnnkit_kernels).
 * Equations as in the Backend contract (src/backend/backend.ts); the same kernels as the wasm
 * module (src/backend/wasm/assembly), with wider vectors and a bigger GEMM micro-tile.
 */
#include <math.h>
#include <stddef.h>
#include "simd.h"
#include "kernels.h"

/* for (i = 0; i < n; i += lanes) with lanes = a whole vector while one fits, then the rest */
#define FOR_LANES(i, n) for (int64_t i = 0, lanes; i < (n) && ((lanes = (n) - i >= VW ? VW : (n) - i), 1); i += lanes)

/* ---- GEMM ------------------------------------------------------------------------------------
 * Packed, register-blocked single-precision GEMM (Goto/BLIS loop order):
 *
 *   C[m×n] = alpha · op(A)[m×k] · op(B)[k×n] + beta · C
 *
 *   for each NC-wide column panel, for each KC-deep slice of k:
 *     pack op(B)[KC×NC] into NR-wide strips (k-major), for each MC-tall row block:
 *       pack op(A)[MC×KC] into MR-tall strips (k-major),
 *       every MR×NR tile:  C_tile = (first slice ? beta·C_tile : C_tile) + alpha · Σ_p Astrip[p] ⊗ Bstrip[p]
 *
 * A product with a single row of C takes an unpacked GEMV path. Each element of C is accumulated
 * in the same order whatever the tile or thread it falls in, so results do not depend on how C
 * is split between threads.
 */
#if defined(RNNKIT_AVX512)
#define MR 8
#define NR 32
#elif defined(RNNKIT_AVX2)
#define MR 6
#define NR 16
#else
#define MR 4
#define NR 8
#endif
#define NV (NR / VW)
#define KC 256
#define MC (MR * (128 / MR))
#define NC 2048
#define PACK_A_FLOATS (MC * KC)
#define TILE_FLOATS (MR * NR)

static int imin(int a, int b) { return a < b ? a : b; }
static int round_up(int n, int unit) { return (n + unit - 1) / unit * unit; }

/* First index of slab `part` when `len` is cut into `parts` runs of whole `unit`s. */
static int slab_start(int len, int unit, int part, int parts) {
  const int64_t units = (len + unit - 1) / unit;
  return imin(len, (int)(units * part / parts) * unit);
}

/* C[i][j] = beta · C[i][j]; beta = 0 writes zeros (NaN is not propagated). */
static void scale_matrix(float *c, int m, int n, int ldc, float beta) {
  if (beta == 1) return;
  for (int i = 0; i < m; i++) {
    float *row = c + (size_t)i * ldc;
    if (beta == 0) memset(row, 0, (size_t)n * 4);
    else for (int j = 0; j < n; j++) row[j] *= beta;
  }
}

#if defined(__clang__)
#define SHUFFLE4(a, b, i, j, k, l) __builtin_shufflevector(a, b, i, j, k, l)
#else
typedef int32_t v4i __attribute__((vector_size(16)));
#define SHUFFLE4(a, b, i, j, k, l) __builtin_shuffle(a, b, (v4i){i, j, k, l})
#endif

INLINE v4f load4(const float *p) { v4f v; memcpy(&v, p, sizeof v); return v; }
INLINE void store4(float *p, v4f v) { memcpy(p, &v, sizeof v); }

/* Stores the transpose of the 4×4 block with rows at src + i·srcStride as rows at dst + i·dstStride. */
INLINE void transpose4(const float *src, size_t srcStride, float *dst, size_t dstStride) {
  const v4f r0 = load4(src), r1 = load4(src + srcStride), r2 = load4(src + 2 * srcStride), r3 = load4(src + 3 * srcStride);
  const v4f t0 = SHUFFLE4(r0, r1, 0, 4, 1, 5), t1 = SHUFFLE4(r0, r1, 2, 6, 3, 7);
  const v4f t2 = SHUFFLE4(r2, r3, 0, 4, 1, 5), t3 = SHUFFLE4(r2, r3, 2, 6, 3, 7);
  store4(dst, SHUFFLE4(t0, t2, 0, 1, 4, 5));
  store4(dst + dstStride, SHUFFLE4(t0, t2, 2, 3, 6, 7));
  store4(dst + 2 * dstStride, SHUFFLE4(t1, t3, 0, 1, 4, 5));
  store4(dst + 3 * dstStride, SHUFFLE4(t1, t3, 2, 3, 6, 7));
}

/*
 * Packs a depth×width block (element (p, w) at src[p·depthStride + w·widthStride]) into strips of
 * `strip` columns: strip s holds (p, s·strip + q) at dst[s·depth·strip + p·strip + q], zero-padded.
 * Rows along the width: one copy per depth; along the depth (a transpose): 4×4 blocks, then the rest
 * element by element.
 */
static void pack_strips(float *dst, const float *src, int depth, int width, int strip, size_t depthStride, size_t widthStride) {
  for (int w0 = 0; w0 < width; w0 += strip) {
    const int cols = imin(strip, width - w0);
    const float *from = src + (size_t)w0 * widthStride;
    if (cols == strip && widthStride == 1) {
      for (int p = 0; p < depth; p++) memcpy(dst + (size_t)p * strip, from + (size_t)p * depthStride, (size_t)strip * 4);
    } else {
      /* columns q < q4 and depths p < p4 go by 4×4 transposes */
      const int q4 = depthStride == 1 && cols == strip ? strip / 4 * 4 : 0, p4 = q4 > 0 ? depth / 4 * 4 : 0;
      for (int p = 0; p < p4; p += 4)
        for (int q = 0; q < q4; q += 4) transpose4(from + (size_t)q * widthStride + p, widthStride, dst + (size_t)p * strip + q, (size_t)strip);
      for (int q = 0; q < strip; q++) {
        const float *s = from + (size_t)q * widthStride;
        for (int p = q < q4 ? p4 : 0; p < depth; p++) dst[(size_t)p * strip + q] = q < cols ? s[(size_t)p * depthStride] : 0;
      }
    }
    dst += (size_t)depth * strip;
  }
}

/* c = beta·c + x, with beta = 0 and 1 exact shortcuts (as a separate scaling pass would give) */
#define ADD_SCALED(cv, x, beta) ((beta) == 0 ? (x) : (beta) == 1 ? (cv) + (x) : (cv) * (beta) + (x))

/* C_tile[r][0..NR) = ADD_SCALED(C, alpha · Σ_p ap[p][r] · bp[p][·], beta) for the rows × cols valid part. */
static inline void micro_tile(int kc, const float *ap, const float *bp, float alpha, float beta, float *c, int ldc,
                              int rows, int cols) {
  vf acc[MR][NV];
#pragma GCC unroll 16
  for (int r = 0; r < MR; r++)
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) acc[r][v] = vsplat(0);
  for (int p = 0; p < kc; p++) {
    vf bv[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) bv[v] = vload(bp + v * VW);
#pragma GCC unroll 16
    for (int r = 0; r < MR; r++) {
      const vf av = vsplat(ap[r]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; v++) acc[r][v] = vfma(av, bv[v], acc[r][v]);
    }
    ap += MR;
    bp += NR;
  }
  if (rows == MR && cols == NR) {
#pragma GCC unroll 16
    for (int r = 0; r < MR; r++)
#pragma GCC unroll 4
      for (int v = 0; v < NV; v++) {
        float *cp = c + (size_t)r * ldc + v * VW;
        const vf x = acc[r][v] * alpha;
        vstore(cp, ADD_SCALED(vload(cp), x, beta));
      }
    return;
  }
  float tile[TILE_FLOATS];
  for (int r = 0; r < MR; r++)
    for (int v = 0; v < NV; v++) vstore(tile + r * NR + v * VW, acc[r][v]);
  for (int r = 0; r < rows; r++) {
    float *row = c + (size_t)r * ldc;
    for (int j = 0; j < cols; j++) {
      const float x = tile[r * NR + j] * alpha;
      row[j] = ADD_SCALED(row[j], x, beta);
    }
  }
}

/*
 * out[i] = ⟨x, w_i⟩ for the `rows` (≤ 4) rows w_i = w + i·rowStride of length k. Every row is
 * accumulated the same way (two vector accumulators, then the lanes in order) whatever `rows` is.
 */
static inline void dot_rows(const float *x, const float *w, size_t rowStride, int k, int rows, float *out) {
  vf s[4][2];
  for (int i = 0; i < 4; i++) s[i][0] = s[i][1] = vsplat(0);
  int p = 0;
  for (; p + 2 * VW <= k; p += 2 * VW) {
    const vf x0 = vload(x + p), x1 = vload(x + p + VW);
#pragma GCC unroll 4
    for (int i = 0; i < 4; i++) {
      if (i < rows) {
        s[i][0] = vfma(x0, vload(w + i * rowStride + p), s[i][0]);
        s[i][1] = vfma(x1, vload(w + i * rowStride + p + VW), s[i][1]);
      }
    }
  }
  for (int lanes; p < k; p += lanes) {
    lanes = lanes_at(p, k);
    const vf x0 = vload_n(x + p, lanes);
    for (int i = 0; i < rows; i++) s[i][0] = vfma(x0, vload_n(w + i * rowStride + p, lanes), s[i][0]);
  }
  for (int i = 0; i < rows; i++) out[i] = vsum(s[i][0] + s[i][1]);
}

/* y[0..n) += s · x[0..n) */
static void row_axpy(float s, const float *x, float *y, int64_t n) {
  const vf sv = vsplat(s);
  FOR_LANES(i, n) vstore_n(y + i, vfma(sv, vload_n(x + i, (int)lanes), vload_n(y + i, (int)lanes)), (int)lanes);
}

/*
 * A single row of C, without packing:
 *   op(B) = Bᵀ:  c[j] += alpha · ⟨a, B[j, :]⟩;   op(B) = B:  c[:] += (alpha · a[p]) · B[p, :] for p in order.
 * A transposed a (stride lda) is first gathered into the scratch.
 */
static void gemv(int transA, int transB, int n, int k, float alpha, const float *a, int lda, const float *b, int ldb,
                 float *c, float *scratch) {
  const size_t aStride = transA ? (size_t)lda : 1;
  if (!transB) {
    for (int p = 0; p < k; p++) row_axpy(alpha * a[p * aStride], b + (size_t)p * ldb, c, n);
    return;
  }
  if (aStride != 1 && k > PACK_A_FLOATS + (int64_t)KC * NC) {
    for (int j = 0; j < n; j++) {
      float s = 0;
      for (int p = 0; p < k; p++) s += a[p * aStride] * b[(size_t)j * ldb + p];
      c[j] += alpha * s;
    }
    return;
  }
  if (aStride != 1) {
    for (int p = 0; p < k; p++) scratch[p] = a[p * aStride];
    a = scratch;
  }
  for (int j = 0; j < n; j += 4) {
    const int rows = imin(4, n - j);
    float dots[4];
    dot_rows(a, b + (size_t)j * ldb, (size_t)ldb, k, rows, dots);
    for (int i = 0; i < rows; i++) c[j + i] += alpha * dots[i];
  }
}

/* C[m×n] (+)= alpha·op(A)·op(B) for columns col0… of a right operand that is B, packed here per
 * KC slice, or packRight's copy at `packed` (of width packedN). */
static void gemm_block(int transA, int transB, int m, int n, int k, float alpha, const float *a, int lda,
                       const float *b, int ldb, const float *packed, int packedN, int col0,
                       float beta, float *c, int ldc, int singleRow, float *scratch) {
  if (k == 0 || alpha == 0 || singleRow) {
    scale_matrix(c, m, n, ldc, beta);
    if (k > 0 && alpha != 0) gemv(transA, transB, n, k, alpha, a, lda, b, ldb, c, scratch);
    return;
  }
  float *packA = scratch, *packB = scratch + PACK_A_FLOATS;
  /* Element strides of op(A)[i][p] and op(B)[p][j] in their stored matrices. */
  const size_t aRow = transA ? 1 : (size_t)lda, aDepth = transA ? (size_t)lda : 1;
  const size_t bDepth = transB ? 1 : (size_t)ldb, bCol = transB ? (size_t)ldb : 1;
  const size_t packedWidth = (size_t)round_up(packedN, NR);
  for (int jc = 0; jc < n; jc += NC) {
    const int nc = imin(NC, n - jc);
    for (int pc = 0; pc < k; pc += KC) {
      const int kc = imin(KC, k - pc);
      const float sliceBeta = pc == 0 ? beta : 1;
      const float *bPanel = packB;
      if (packed) bPanel = packed + (size_t)pc * packedWidth + (size_t)(col0 + jc) * kc;
      else pack_strips(packB, b + pc * bDepth + jc * bCol, kc, nc, NR, bDepth, bCol);
      for (int ic = 0; ic < m; ic += MC) {
        const int mc = imin(MC, m - ic);
        pack_strips(packA, a + ic * aRow + pc * aDepth, kc, mc, MR, aDepth, aRow);
        for (int jr = 0; jr < nc; jr += NR) {
          const float *bStrip = bPanel + (size_t)jr * kc;
          const int cols = imin(NR, nc - jr);
          for (int ir = 0; ir < mc; ir += MR) {
            float *cTile = c + (size_t)(ic + ir) * ldc + jc + jr;
            micro_tile(kc, packA + (size_t)ir * kc, bStrip, alpha, sliceBeta, cTile, ldc, imin(MR, mc - ir), cols);
          }
        }
      }
    }
  }
}

/*
 * Slab `part` of `parts` of the product: C is cut into micro-tile-aligned slabs of column strips
 * (when C is at least as wide as tall) or of row strips. The right operand is B (b, ldb, transB)
 * or, when `packed` is not null, packRight's copy of it (then a single row also takes the packed
 * path, so a packed product is bit-identical to gemm only for m > 1).
 */
static void gemm(int transA, int transB, int m, int n, int k, float alpha, const float *a, int lda,
                 const float *b, int ldb, const float *packed, float beta, float *c, int ldc, int part, int parts,
                 float *scratch) {
  if (n >= m) {
    const int j0 = slab_start(n, NR, part, parts), j1 = slab_start(n, NR, part + 1, parts);
    if (j1 <= j0) return;
    const float *bs = packed ? b : b + (transB ? (size_t)j0 * ldb : (size_t)j0);
    gemm_block(transA, transB, m, j1 - j0, k, alpha, a, lda, bs, ldb, packed, n, j0, beta, c + j0, ldc,
               m == 1 && !packed, scratch);
  } else {
    const int i0 = slab_start(m, MR, part, parts), i1 = slab_start(m, MR, part + 1, parts);
    if (i1 <= i0) return;
    const float *as = a + (transA ? (size_t)i0 : (size_t)i0 * lda);
    gemm_block(transA, transB, i1 - i0, n, k, alpha, as, lda, b, ldb, packed, n, 0, beta, c + (size_t)i0 * ldc, ldc, 0,
               scratch);
  }
}

static int64_t packed_right_floats(int k, int n) { return (int64_t)k * round_up(n, NR); }

/* Packs op(B) [k×n] once for many products: slice pc (KC deep) starts at float pc·roundUp(n, NR). */
static void pack_right(int transB, int k, int n, const float *b, int ldb, float *dst) {
  const int width = round_up(n, NR);
  const size_t bDepth = transB ? 1 : (size_t)ldb, bCol = transB ? (size_t)ldb : 1;
  for (int pc = 0; pc < k; pc += KC) pack_strips(dst + (size_t)pc * width, b + pc * bDepth, imin(KC, k - pc), n, NR, bDepth, bCol);
}

/*
 * Row slab `part` of `parts` (whole groups of four rows) of the batch-1 step product
 *   y[j] = ⟨Wa[j, :], xa⟩ + ⟨Wb[j, :], xb⟩ + biasA[j] + biasB[j].
 */
static void mat_vec_sum(int n, const float *wa, const float *xa, int kA, const float *wb, const float *xb, int kB,
                        const float *biasA, const float *biasB, float *y, int part, int parts) {
  const int j1 = slab_start(n, 4, part + 1, parts);
  for (int j = slab_start(n, 4, part, parts); j < j1; j += 4) {
    const int rows = imin(4, j1 - j);
    float s[4], t[4];
    dot_rows(xa, wa + (size_t)j * kA, (size_t)kA, kA, rows, s);
    if (kB > 0) {
      dot_rows(xb, wb + (size_t)j * kB, (size_t)kB, kB, rows, t);
      for (int i = 0; i < rows; i++) s[i] += t[i];
    }
    for (int i = 0; i < rows; i++) {
      if (biasA) s[i] += biasA[j + i];
      if (biasB) s[i] += biasB[j + i];
      y[j + i] = s[i];
    }
  }
}

/* ---- elementwise, reductions, softmax, cross-entropy, embedding -----------------------------
 * Op codes follow the Backend's UnaryOp ('tanh', 'sigmoid', 'relu', 'exp', 'log', 'neg') and
 * BinaryOp ('add', 'sub', 'mul', 'div'). */

static void fill(float *x, float value, int64_t n) {
  if (value == 0 && !signbit(value)) {
    memset(x, 0, (size_t)n * 4); /* the C library's clearing loop (rep stosb, streaming stores for big blocks) */
    return;
  }
  const vf v = vsplat(value);
  FOR_LANES(i, n) vstore_n(x + i, v, (int)lanes);
}

/* ln x in float64, rounded */
static vf vlog(vf x) {
  for (int i = 0; i < VW; i++) x[i] = (float)log((double)x[i]);
  return x;
}

static void unary(int op, const float *x, float *y, int64_t n) {
  FOR_LANES(i, n) {
    const vf v = vload_n(x + i, (int)lanes);
    vf r;
    switch (op) {
      case 0: r = vtanh(v); break;
      case 1: r = vsigmoid(v); break;
      case 2: r = vselect(v > 0.0f, v, vsplat(0)); break;
      case 3: r = vexp(v); break;
      case 4: r = vlog(v); break;
      default: r = -v;
    }
    vstore_n(y + i, r, (int)lanes);
  }
}

/* dx += dy · op'(·): tanh 1 − y², sigmoid y(1 − y), relu [y > 0], exp y, log 1/x, neg −1 */
static void unary_backward(int op, const float *x, const float *y, const float *dy, float *dx, int64_t n) {
  FOR_LANES(i, n) {
    const int l = (int)lanes;
    const vf yv = vload_n(y + i, l);
    vf d;
    switch (op) {
      case 0: d = 1.0f - yv * yv; break;
      case 1: d = yv * (1.0f - yv); break;
      case 2: d = vselect(yv > 0.0f, vsplat(1), vsplat(0)); break;
      case 3: d = yv; break;
      case 4: d = 1.0f / vload_n(x + i, l); break;
      default: d = vsplat(-1);
    }
    vstore_n(dx + i, vload_n(dx + i, l) + vload_n(dy + i, l) * d, l);
  }
}

/* y = min(max(x, lo), hi); NaN stays NaN */
static void clamp(const float *x, float *y, int64_t n, float lo, float hi) {
  FOR_LANES(i, n) vstore_n(y + i, vclamp(vload_n(x + i, (int)lanes), lo, hi), (int)lanes);
}

/* dx += dy · [lo ≤ x ≤ hi] (0 where x is NaN) */
static void clamp_backward(const float *x, const float *dy, float *dx, int64_t n, float lo, float hi) {
  FOR_LANES(i, n) {
    const int l = (int)lanes;
    const vf v = vload_n(x + i, l);
    const vi inside = (v >= lo) & (v <= hi);
    vstore_n(dx + i, vload_n(dx + i, l) + vselect(inside, vload_n(dy + i, l), vsplat(0)), l);
  }
}

/* out = a op b, with b (bLen elements) repeated along the rows of a */
static void binary(int op, const float *a, const float *b, float *out, int64_t n, int64_t bLen) {
  for (int64_t row = 0; row < n; row += bLen) {
    const int64_t cols = n - row < bLen ? n - row : bLen;
    FOR_LANES(j, cols) {
      const int l = (int)lanes;
      const vf u = vload_n(a + row + j, l), v = vload_n(b + j, l);
      vf r;
      switch (op) {
        case 0: r = u + v; break;
        case 1: r = u - v; break;
        case 2: r = u * v; break;
        default: r = u / v;
      }
      vstore_n(out + row + j, r, l);
    }
  }
}

/* y += alpha · x */
static void axpy(float alpha, const float *x, float *y, int64_t n) {
  FOR_LANES(i, n) {
    const int l = (int)lanes;
    vstore_n(y + i, vload_n(y + i, l) + alpha * vload_n(x + i, l), l);
  }
}

/* x *= alpha */
static void scale(float *x, float alpha, int64_t n) {
  FOR_LANES(i, n) vstore_n(x + i, vload_n(x + i, (int)lanes) * alpha, (int)lanes);
}

/* out[j] = (accumulate ? out[j] : 0) + Σ_i x[i·cols + j], rows added in order */
static void sum_rows(const float *x, int rows, int cols, float *out, int accumulate) {
  if (!accumulate) fill(out, 0, cols);
  for (int r = 0; r < rows; r++) {
    const float *row = x + (size_t)r * cols;
    FOR_LANES(j, cols) vstore_n(out + j, vload_n(out + j, (int)lanes) + vload_n(row + j, (int)lanes), (int)lanes);
  }
}

/* Σ x[i]² (squares) or Σ x[i], accumulated in float64 in four chains */
static double sum(const float *x, int64_t n, int squares) {
  double s[4] = {0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 4 <= n; i += 4)
    for (int q = 0; q < 4; q++) s[q] += squares ? (double)x[i + q] * x[i + q] : (double)x[i + q];
  for (; i < n; i++) s[0] += squares ? (double)x[i] * x[i] : (double)x[i];
  return (s[0] + s[1]) + (s[2] + s[3]);
}

/* out = e^(x − max) for one row of n; returns Σ e^(x − max) in float64 and the max in *rowMax */
static double exp_shifted(const float *x, float *out, int n, float *rowMax) {
  vf mv = vsplat(-INFINITY);
  int j = 0;
  for (; j + VW <= n; j += VW) {
    const vf v = vload(x + j);
    mv = vselect(v > mv, v, mv);
  }
  float max = -INFINITY;
  for (int i = 0; i < VW; i++) max = mv[i] > max ? mv[i] : max;
  for (; j < n; j++) max = x[j] > max ? x[j] : max;
  *rowMax = max;
  double z = 0;
  FOR_LANES(j, n) {
    const vf e = vexp(vload_n(x + j, (int)lanes) - max);
    vstore_n(out + j, e, (int)lanes);
    for (int i = 0; i < lanes; i++) z += e[i];
  }
  return z;
}

/* out_r = x_r − (max + ln Σ e^(x_r − max)) */
static void log_softmax(const float *x, float *out, int rows, int cols) {
  for (int r = 0; r < rows; r++) {
    const size_t o = (size_t)r * cols;
    float max;
    const double z = exp_shifted(x + o, out + o, cols, &max);
    const float logZ = (float)(max + log(z));
    FOR_LANES(j, cols) vstore_n(out + o + j, vload_n(x + o + j, (int)lanes) - logZ, (int)lanes);
  }
}

/* out_r = e^(x_r − max) / Σ e^(x_r − max) */
static void softmax(const float *x, float *out, int rows, int cols) {
  for (int r = 0; r < rows; r++) {
    const size_t o = (size_t)r * cols;
    float max;
    scale(out + o, (float)(1 / exp_shifted(x + o, out + o, cols, &max)), cols);
  }
}

/* probs_r = softmax(x_r);  loss_r = −w[t]·(x_r[t] − logsumexp(x_r)), 0 when t = ignoreIndex */
static void cross_entropy_forward(const float *logits, const int32_t *targets, int rows, int cols, const float *weights,
                                  int ignoreIndex, float *probs, float *loss) {
  for (int r = 0; r < rows; r++) {
    const size_t o = (size_t)r * cols;
    float max;
    const double z = exp_shifted(logits + o, probs + o, cols, &max);
    scale(probs + o, (float)(1 / z), cols);
    const int t = targets[r];
    float l = 0;
    if (t != ignoreIndex) {
      const float w = weights ? weights[t] : 1;
      l = -w * (float)((double)logits[o + t] - max - log(z));
    }
    loss[r] = l;
  }
}

/* dLogits_r += s·w[t]·(probs_r − onehot(t)), nothing for t = ignoreIndex */
static void cross_entropy_backward(const float *probs, const int32_t *targets, int rows, int cols, const float *weights,
                                   int ignoreIndex, float scaleBy, float *dLogits) {
  for (int r = 0; r < rows; r++) {
    const int t = targets[r];
    if (t == ignoreIndex) continue;
    const float s = scaleBy * (weights ? weights[t] : 1);
    const size_t o = (size_t)r * cols;
    axpy(s, probs + o, dLogits + o, cols);
    dLogits[o + t] -= s;
  }
}

/* out[i, :] = table[ids[i], :] */
static void gather(const float *table, int dim, const int32_t *ids, int n, float *out) {
  for (int i = 0; i < n; i++) memcpy(out + (size_t)i * dim, table + (size_t)ids[i] * dim, (size_t)dim * 4);
}

/* dTable[ids[i], :] += dOut[i, :], in order of i */
static void scatter_add(const float *dOut, int dim, const int32_t *ids, int n, float *dTable) {
  for (int i = 0; i < n; i++) axpy(1, dOut + (size_t)i * dim, dTable + (size_t)ids[i] * dim, dim);
}

/* ---- fused recurrent cells: one timestep for a batch of B rows -----------------------------
 * Pointers are already offset to the timestep; a null out, dOut or lengths is absent. Row b is
 * inactive when t ≥ lengths[b]. */

static int is_active(const int32_t *lengths, int b, int t) { return !lengths || t < lengths[b]; }

/* Inactive row b: h = h_prev, out = 0; returns whether it was inactive. */
static int carried_over(const int32_t *lengths, int b, int t, int H, const float *hPrev, float *h, float *out) {
  if (is_active(lengths, b, t)) return 0;
  const size_t r = (size_t)b * H;
  memmove(h + r, hPrev + r, (size_t)H * 4);
  if (out) memset(out + r, 0, (size_t)H * 4);
  return 1;
}

static vf load_or_0(const float *p, int lanes) { return p ? vload_n(p, lanes) : vsplat(0); }

/* h = act(pre);  act: 0 = tanh, 1 = relu */
static void rnn_cell_forward(int act, int B, int H, const float *pre, const float *hPrev, float *h, float *out,
                             const int32_t *lengths, int t) {
  for (int b = 0; b < B; b++) {
    if (carried_over(lengths, b, t, H, hPrev, h, out)) continue;
    const size_t r = (size_t)b * H;
    FOR_LANES(j, H) {
      const int l = (int)lanes;
      const vf p = vload_n(pre + r + j, l);
      const vf v = act == 0 ? vtanh(p) : vselect(p > 0.0f, p, vsplat(0));
      vstore_n(h + r + j, v, l);
      if (out) vstore_n(out + r + j, v, l);
    }
  }
}

/* dPre = (dh + dOut)·act'(h), act' = 1 − h² (tanh) or [h > 0] (relu);  dh = 0 */
static void rnn_cell_backward(int act, int B, int H, const float *h, const float *dOut, float *dh, float *dPre,
                              const int32_t *lengths, int t) {
  for (int b = 0; b < B; b++) {
    const size_t r = (size_t)b * H;
    if (!is_active(lengths, b, t)) {
      memset(dPre + r, 0, (size_t)H * 4);
      continue;
    }
    FOR_LANES(j, H) {
      const int l = (int)lanes;
      const size_t o = r + j;
      const vf g = vload_n(dh + o, l) + load_or_0(dOut ? dOut + o : NULL, l);
      const vf v = vload_n(h + o, l);
      const vf d = act == 0 ? 1.0f - v * v : vselect(v > 0.0f, vsplat(1), vsplat(0));
      vstore_n(dPre + o, g * d, l);
      vstore_n(dh + o, vsplat(0), l);
    }
  }
}

/* i, f, g, o = σ, σ, tanh, σ of the four gate blocks (overwritten);  c = f·c_prev + i·g;  h = o·tanh c */
static void lstm_cell_forward(int B, int H, float *gates, const float *cPrev, const float *hPrev, float *c, float *h,
                              float *out, const int32_t *lengths, int t) {
  for (int b = 0; b < B; b++) {
    const size_t r = (size_t)b * H;
    if (carried_over(lengths, b, t, H, hPrev, h, out)) {
      memmove(c + r, cPrev + r, (size_t)H * 4);
      continue;
    }
    float *gi = gates + 4 * r, *gf = gi + H, *gg = gf + H, *go = gg + H;
    FOR_LANES(j, H) {
      const int l = (int)lanes;
      const size_t o = r + j;
      const vf i = vsigmoid(vload_n(gi + j, l)), f = vsigmoid(vload_n(gf + j, l));
      const vf g = vtanh(vload_n(gg + j, l)), og = vsigmoid(vload_n(go + j, l));
      vstore_n(gi + j, i, l); vstore_n(gf + j, f, l); vstore_n(gg + j, g, l); vstore_n(go + j, og, l);
      const vf cv = f * vload_n(cPrev + o, l) + i * g;
      const vf hv = og * vtanh(cv);
      vstore_n(c + o, cv, l);
      vstore_n(h + o, hv, l);
      if (out) vstore_n(out + o, hv, l);
    }
  }
}

/* dhT = dh + dOut; dcT = dc + dhT·o·(1 − tanh²c);
 * dGates = (dcT·g·i(1−i), dcT·c_prev·f(1−f), dcT·i·(1−g²), dhT·tanh c·o(1−o));  dc = dcT·f;  dh = 0 */
static void lstm_cell_backward(int B, int H, const float *gates, const float *cPrev, const float *c, const float *dOut,
                               float *dh, float *dc, float *dGates, const int32_t *lengths, int t) {
  for (int b = 0; b < B; b++) {
    const size_t r = (size_t)b * H;
    float *di = dGates + 4 * r, *df = di + H, *dg = df + H, *dO = dg + H;
    if (!is_active(lengths, b, t)) {
      memset(di, 0, (size_t)H * 16);
      continue;
    }
    const float *gi = gates + 4 * r, *gf = gi + H, *gg = gf + H, *go = gg + H;
    FOR_LANES(j, H) {
      const int l = (int)lanes;
      const size_t o = r + j;
      const vf i = vload_n(gi + j, l), f = vload_n(gf + j, l), g = vload_n(gg + j, l), og = vload_n(go + j, l);
      const vf tc = vtanh(vload_n(c + o, l));
      const vf dhT = vload_n(dh + o, l) + load_or_0(dOut ? dOut + o : NULL, l);
      const vf dcT = vload_n(dc + o, l) + dhT * og * (1.0f - tc * tc);
      vstore_n(di + j, dcT * g * i * (1.0f - i), l);
      vstore_n(df + j, dcT * vload_n(cPrev + o, l) * f * (1.0f - f), l);
      vstore_n(dg + j, dcT * i * (1.0f - g * g), l);
      vstore_n(dO + j, dhT * tc * og * (1.0f - og), l);
      vstore_n(dc + o, dcT * f, l);
      vstore_n(dh + o, vsplat(0), l);
    }
  }
}

/* GRU steps are composed from the passes below (gate order r, z, n in [B, 3H] rows):
 *   reset-after  forward = gruGates + gruBlend(resetAfter);  backward = gruUpdateBackward + gruResetAfterBackward
 *   reset-before forward = gruGates (all rows, rh = r·h_prev) + gruBlend;  backward = gruUpdateBackward + gruResetGateBackward */

/* r = σ(xr + hr), z = σ(xz + hz) overwrite the r, z blocks of xg;  rh = r·h_prev when rh is given */
static void gru_gates(int B, int H, float *xg, const float *hg, const float *hPrev, float *rh, const int32_t *lengths, int t) {
  for (int b = 0; b < B; b++) {
    if (!is_active(lengths, b, t)) continue;
    const size_t r = (size_t)b * H;
    float *xr = xg + 3 * r, *xz = xr + H;
    const float *hr = hg + 3 * r, *hz = hr + H;
    FOR_LANES(j, H) {
      const int l = (int)lanes;
      const vf rv = vsigmoid(vload_n(xr + j, l) + vload_n(hr + j, l));
      vstore_n(xr + j, rv, l);
      vstore_n(xz + j, vsigmoid(vload_n(xz + j, l) + vload_n(hz + j, l)), l);
      if (rh) vstore_n(rh + r + j, rv * vload_n(hPrev + r + j, l), l);
    }
  }
}

/* n = tanh(xn + (resetAfter ? r·hn : hn)) overwrites the n block of xg;  h = (1 − z)·n + z·h_prev */
static void gru_blend(int B, int H, float *xg, const float *hg, const float *hPrev, float *h, float *out,
                      const int32_t *lengths, int t, int resetAfter) {
  for (int b = 0; b < B; b++) {
    if (carried_over(lengths, b, t, H, hPrev, h, out)) continue;
    const size_t r = (size_t)b * H;
    float *xr = xg + 3 * r, *xz = xr + H, *xn = xz + H;
    const float *hn = hg + 3 * r + 2 * H;
    FOR_LANES(j, H) {
      const int l = (int)lanes;
      const size_t o = r + j;
      const vf zv = vload_n(xz + j, l);
      const vf hnv = resetAfter ? vload_n(xr + j, l) * vload_n(hn + j, l) : vload_n(hn + j, l);
      const vf nv = vtanh(vload_n(xn + j, l) + hnv);
      vstore_n(xn + j, nv, l);
      const vf hv = (1.0f - zv) * nv + zv * vload_n(hPrev + o, l);
      vstore_n(h + o, hv, l);
      if (out) vstore_n(out + o, hv, l);
    }
  }
}

/* dhT = dh + dOut; dn = dhT(1−z)(1−n²); dz = dhT(h_prev − n)z(1−z) into the z, n blocks of dXg and dHg;
 * dh = dhT·z.  Inactive rows: dXg = dHg = 0 (all three blocks), dh unchanged. */
static void gru_update_backward(int B, int H, const float *xg, const float *hPrev, const float *dOut, float *dh,
                                float *dXg, float *dHg, const int32_t *lengths, int t) {
  for (int b = 0; b < B; b++) {
    const size_t r = (size_t)b * H;
    float *dxz = dXg + 3 * r + H, *dxn = dxz + H, *dhz = dHg + 3 * r + H, *dhn = dhz + H;
    if (!is_active(lengths, b, t)) {
      memset(dXg + 3 * r, 0, (size_t)H * 12);
      memset(dHg + 3 * r, 0, (size_t)H * 12);
      continue;
    }
    const float *xz = xg + 3 * r + H, *xn = xz + H;
    FOR_LANES(j, H) {
      const int l = (int)lanes;
      const size_t o = r + j;
      const vf zv = vload_n(xz + j, l), nv = vload_n(xn + j, l);
      const vf dhT = vload_n(dh + o, l) + load_or_0(dOut ? dOut + o : NULL, l);
      const vf dn = dhT * (1.0f - zv) * (1.0f - nv * nv);
      const vf dz = dhT * (vload_n(hPrev + o, l) - nv) * zv * (1.0f - zv);
      vstore_n(dxz + j, dz, l); vstore_n(dxn + j, dn, l);
      vstore_n(dhz + j, dz, l); vstore_n(dhn + j, dn, l);
      vstore_n(dh + o, dhT * zv, l);
    }
  }
}

/* Reset-after, active rows: dr = dn·hn·r(1−r) into the r blocks of dXg and dHg;  dHg_n = dn·r */
static void gru_reset_after_backward(int B, int H, const float *xg, const float *hg, float *dXg, float *dHg,
                                     const int32_t *lengths, int t) {
  for (int b = 0; b < B; b++) {
    if (!is_active(lengths, b, t)) continue;
    const size_t r3 = (size_t)b * H * 3;
    const float *xr = xg + r3, *hn = hg + r3 + 2 * H;
    float *dxr = dXg + r3, *dxn = dxr + 2 * H, *dhr = dHg + r3, *dhn = dhr + 2 * H;
    FOR_LANES(j, H) {
      const int l = (int)lanes;
      const vf rv = vload_n(xr + j, l), dn = vload_n(dxn + j, l);
      const vf dr = dn * vload_n(hn + j, l) * rv * (1.0f - rv);
      vstore_n(dxr + j, dr, l); vstore_n(dhr + j, dr, l);
      vstore_n(dhn + j, dn * rv, l);
    }
  }
}

/* Reset-before, all rows: dr = dRh·h_prev·r(1−r) into the r blocks of dXg and dHg;  dh += dRh·r */
static void gru_reset_gate_backward(int B, int H, const float *xg, const float *hPrev, const float *dRh, float *dh,
                                    float *dXg, float *dHg) {
  for (int b = 0; b < B; b++) {
    const size_t r = (size_t)b * H;
    const float *xr = xg + 3 * r;
    float *dxr = dXg + 3 * r, *dhr = dHg + 3 * r;
    FOR_LANES(j, H) {
      const int l = (int)lanes;
      const size_t o = r + j;
      const vf rv = vload_n(xr + j, l), d = vload_n(dRh + o, l);
      const vf dr = d * vload_n(hPrev + o, l) * rv * (1.0f - rv);
      vstore_n(dxr + j, dr, l); vstore_n(dhr + j, dr, l);
      vstore_n(dh + o, vload_n(dh + o, l) + d * rv, l);
    }
  }
}

/* ---- optimizer updates (PyTorch semantics; step-derived scalars come from the caller) -------- */

/* d = g + wd·p;  with momentum: buf = first ? d : momentum·buf + (1 − dampening)·d,
 * d = nesterov ? d + momentum·buf : buf;  p −= lr·d */
static void sgd_update(float *p, const float *g, float *buf, int64_t n, float lr, float momentum, float dampening,
                       float weightDecay, int nesterov, int firstStep) {
  const int useMomentum = momentum != 0 && buf;
  FOR_LANES(i, n) {
    const int l = (int)lanes;
    const vf pv = vload_n(p + i, l);
    vf d = vload_n(g + i, l) + weightDecay * pv;
    if (useMomentum) {
      const vf bv = firstStep ? d : momentum * vload_n(buf + i, l) + (1 - dampening) * d;
      vstore_n(buf + i, bv, l);
      d = nesterov ? d + momentum * bv : bv;
    }
    vstore_n(p + i, pv - lr * d, l);
  }
}

/* g' = g (+ wd·p unless decoupled; decoupled: p *= 1 − lr·wd);  m = β1·m + (1−β1)·g';
 * v = β2·v + (1−β2)·g'²;  p −= stepSize·m / (√v / bc2Sqrt + eps) */
static void adam_update(float *p, const float *g, float *m, float *v, int64_t n, float lr, float beta1, float beta2,
                        float eps, float weightDecay, int decoupled, float stepSize, float bc2Sqrt) {
  const float decay = decoupled ? 1 - lr * weightDecay : 1, coupled = decoupled ? 0 : weightDecay;
  FOR_LANES(i, n) {
    const int l = (int)lanes;
    const vf pv = vload_n(p + i, l) * decay;
    const vf gv = vload_n(g + i, l) + coupled * pv;
    const vf mv = beta1 * vload_n(m + i, l) + (1 - beta1) * gv;
    const vf vv = beta2 * vload_n(v + i, l) + (1 - beta2) * gv * gv;
    vstore_n(m + i, mv, l);
    vstore_n(v + i, vv, l);
    vf root;
    for (int q = 0; q < VW; q++) root[q] = sqrtf(vv[q]);
    vstore_n(p + i, pv - stepSize * mv / (root / bc2Sqrt + eps), l);
  }
}

/* g' = g + wd·p;  acc = decay·acc + gain·g'²;  p −= lr·g' / (√acc + eps)
 * (RMSprop: decay = α, gain = 1 − α; Adagrad: decay = gain = 1) */
static void adaptive_update(float *p, const float *g, float *acc, int64_t n, float lr, float decay, float gain, float eps,
                            float weightDecay) {
  FOR_LANES(i, n) {
    const int l = (int)lanes;
    const vf pv = vload_n(p + i, l);
    const vf gv = vload_n(g + i, l) + weightDecay * pv;
    const vf av = decay * vload_n(acc + i, l) + gain * gv * gv;
    vstore_n(acc + i, av, l);
    vf root;
    for (int q = 0; q < VW; q++) root[q] = sqrtf(av[q]);
    vstore_n(p + i, pv - lr * gv / (root + eps), l);
  }
}

/* ---- word2vec with negative sampling (src/backend/reference/word2vec.ts is the specification) ----
 * Skip-gram, for each (word i, context j), v = input[w_j]:
 *   for t in {w_i (label 1)} ∪ {negative noise words (label 0)}:
 *     f = ⟨v, output[t]⟩; skip when |f| ≥ 6; g = (label − σ(f))·α;  e += g·output[t];  output[t] += g·v
 *   input[w_j] += e
 * CBOW: the same with v = h = Σ_j input[w_j] (÷ count with cbowMean), then every context row += e
 * (÷ count without cbowMean). Threads share the vectors without locks (Hogwild), as word2vec does. */
#define W2V_MAX_EXP 6.0f
/* Noise values per guide bucket: guide[b] = bisect_left(noise, b << 15). */
#define W2V_NOISE_GUIDE_SHIFT 15

INLINE uint64_t lcg_next(uint64_t r) { return (r * 25214903917ULL + 11) & 0xffffffffffffULL; }
INLINE uint32_t lcg_draw(uint64_t r) { return (uint32_t)(r >> 16); }

/* ⟨x, y⟩ over n floats (four independent sums, so that the multiply-adds overlap) */
INLINE float w2v_dot(const float *x, const float *y, int n) {
  vf a0 = vsplat(0), a1 = vsplat(0), a2 = vsplat(0), a3 = vsplat(0);
  int i = 0;
  for (; i + 4 * VW <= n; i += 4 * VW) {
    a0 = vfma(vload(x + i), vload(y + i), a0);
    a1 = vfma(vload(x + i + VW), vload(y + i + VW), a1);
    a2 = vfma(vload(x + i + 2 * VW), vload(y + i + 2 * VW), a2);
    a3 = vfma(vload(x + i + 3 * VW), vload(y + i + 3 * VW), a3);
  }
  for (; i + VW <= n; i += VW) a0 = vfma(vload(x + i), vload(y + i), a0);
  float sum = vsum((a0 + a1) + (a2 + a3));
  for (; i < n; i++) sum += x[i] * y[i];
  return sum;
}

/* y = a·x + y over n floats (a = 1: y += x) */
INLINE void w2v_axpy(float a, const float *x, float *y, int n) {
  const vf av = vsplat(a);
  int i = 0;
  for (; i + VW <= n; i += VW) vstore(y + i, vfma(av, vload(x + i), vload(y + i)));
  for (; i < n; i++) y[i] += a * x[i];
}

/* e += g·o;  o += g·v  (the error of one target, then its output row's update) */
INLINE void w2v_update_target(float g, const float *v, float *o, float *e, int n) {
  const vf gv = vsplat(g);
  int i = 0;
  for (; i + VW <= n; i += VW) {
    const vf ov = vload(o + i);
    vstore(e + i, vfma(gv, ov, vload(e + i)));
    vstore(o + i, vfma(gv, vload(v + i), ov));
  }
  for (; i < n; i++) {
    const float ov = o[i];
    e[i] += g * ov;
    o[i] = ov + g * v[i];
  }
}

/* First index with noise[index] ≥ value, searched within its guide bucket. */
INLINE int w2v_noise_word(const Word2Vec *w, uint32_t value) {
  const uint32_t bucket = value >> W2V_NOISE_GUIDE_SHIFT;
  int lo = w->noiseGuide[bucket], hi = w->noiseGuide[bucket + 1];
  while (lo < hi) {
    const int mid = (int)((unsigned)(lo + hi) >> 1);
    if ((uint32_t)w->noise[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/* The negative-sampling update of input vector v towards `word` (error into e); returns the generator. */
static uint64_t w2v_negative_sampling(const Word2Vec *w, int word, const float *v, float alpha, uint64_t r, float *e) {
  const int dim = w->dim;
  const uint32_t noiseTotal = (uint32_t)w->noise[w->vocab - 1];
  const float scale = 1000.0f / (2 * W2V_MAX_EXP);
  memset(e, 0, (size_t)dim * 4);
  for (int d = 0; d <= w->negative; d++) {
    int target = word;
    float label = 1;
    if (d > 0) {
      target = w2v_noise_word(w, lcg_draw(r) % noiseTotal);
      r = lcg_next(r);
      if (target == word) continue;
      label = 0;
    }
    float *row = w->output + (size_t)target * dim;
    const float f = w2v_dot(v, row, dim);
    if (f <= -W2V_MAX_EXP || f >= W2V_MAX_EXP) continue;
    const float g = (label - w->sigmoid[(int)((f + W2V_MAX_EXP) * scale)]) * alpha;
    w2v_update_target(g, v, row, e, dim);
  }
  return r;
}

/* One job: subsample the chunk, shrink windows, train sentence by sentence (−1 ends a sentence). */
static void word2vec_job(const Word2Vec *w, int job, int32_t *kept, int32_t *reduced, float *hidden, float *error) {
  const int dim = w->dim, window = w->window, chunk = job % w->chunks;
  uint64_t r = ((uint64_t)(uint32_t)w->seeds[2 * job] << 24) + (uint32_t)w->seeds[2 * job + 1];
  int n = 0;
  for (int p = w->chunkStarts[chunk]; p < w->chunkStarts[chunk + 1]; p++) {
    const int word = w->tokens[p];
    if (word >= 0 && w->keep) {
      const uint32_t draw = lcg_draw(r);
      r = lcg_next(r);
      if ((uint32_t)w->keep[word] < draw) continue;
    }
    kept[n++] = word;
  }
  for (int i = 0; i < n; i++) {
    if (kept[i] < 0) continue;
    reduced[i] = (int32_t)(lcg_draw(r) % (uint32_t)window);
    r = lcg_next(r);
  }
  const float alpha = w->alphas[job];
  for (int start = 0; start < n;) {
    int stop = start;
    while (stop < n && kept[stop] >= 0) stop++;
    for (int i = start; i < stop; i++) {
      const int from = start > i - window + reduced[i] ? start : i - window + reduced[i];
      const int to = stop < i + window + 1 - reduced[i] ? stop : i + window + 1 - reduced[i];
      if (!w->cbow) {
        for (int c = from; c < to; c++) {
          if (c == i) continue;
          float *v = w->input + (size_t)kept[c] * dim;
          r = w2v_negative_sampling(w, kept[i], v, alpha, r, error);
          w2v_axpy(1, error, v, dim);
        }
        continue;
      }
      memset(hidden, 0, (size_t)dim * 4);
      int count = 0;
      for (int c = from; c < to; c++) {
        if (c == i) continue;
        w2v_axpy(1, w->input + (size_t)kept[c] * dim, hidden, dim);
        count++;
      }
      if (count == 0) continue;
      const float inverse = 1.0f / (float)count;
      if (w->cbowMean) scale(hidden, inverse, dim);
      r = w2v_negative_sampling(w, kept[i], hidden, alpha, r, error);
      if (!w->cbowMean) scale(error, inverse, dim);
      for (int c = from; c < to; c++) {
        if (c != i) w2v_axpy(1, error, w->input + (size_t)kept[c] * dim, dim);
      }
    }
    start = stop + 1;
  }
}

const Kernels ISA(rnnkit_kernels) = {
  .isa = ISA_NAME,
  .mr = MR, .nr = NR,
  .gemmScratchFloats = PACK_A_FLOATS + (int64_t)KC * NC,
  .gemm = gemm, .packedRightFloats = packed_right_floats, .packRight = pack_right, .matVecSum = mat_vec_sum,
  .fill = fill, .unary = unary, .unaryBackward = unary_backward, .clamp = clamp,
  .clampBackward = clamp_backward, .binary = binary, .axpy = axpy, .scale = scale,
  .sumRows = sum_rows, .sum = sum, .logSoftmax = log_softmax, .softmax = softmax,
  .crossEntropyForward = cross_entropy_forward, .crossEntropyBackward = cross_entropy_backward,
  .gather = gather, .scatterAdd = scatter_add,
  .rnnCellForward = rnn_cell_forward, .rnnCellBackward = rnn_cell_backward,
  .lstmCellForward = lstm_cell_forward, .lstmCellBackward = lstm_cell_backward,
  .gruGates = gru_gates, .gruBlend = gru_blend, .gruUpdateBackward = gru_update_backward,
  .gruResetAfterBackward = gru_reset_after_backward, .gruResetGateBackward = gru_reset_gate_backward,
  .sgdUpdate = sgd_update, .adamUpdate = adam_update, .adaptiveUpdate = adaptive_update,
  .word2vecJob = word2vec_job,
};
