/*
 * The table of kernels one instruction-set build of kernels.c provides (equations: the Backend
 * contract, src/backend/backend.ts, and the comments in kernels.c). Pointers are plain C pointers;
 * null means "absent" for the optional arrays. `part` of `parts` selects one slab of a product
 * (the thread team's unit of work); a whole product is part 0 of 1.
 */
#ifndef RNNKIT_KERNELS_H
#define RNNKIT_KERNELS_H

#include <stdint.h>

/*
 * A word2vec training run (Backend.word2vecTrain; src/backend/reference/word2vec.ts is the
 * specification): the vectors, the corpus cut into chunks, the tables, and per job (chunk × epoch)
 * its learning rate and generator seed.
 */
typedef struct Word2Vec {
  int cbow, cbowMean, dim, window, negative, chunks, vocab;
  float *input, *output;
  const int32_t *tokens, *chunkStarts, *keep, *noise, *noiseGuide, *seeds;
  const float *alphas, *sigmoid;
} Word2Vec;

typedef struct Kernels {
  const char *isa;
  /* Rows and columns of the GEMM micro-tile (slabs are cut in whole tiles). */
  int mr, nr;
  /* Floats of packing scratch a thread needs for gemm (64-byte aligned). */
  int64_t gemmScratchFloats;

  /* Slab of C = alpha·op(A)·op(B) + beta·C; with `packed` (packRight's copy of op(B)) b is unused. */
  void (*gemm)(int transA, int transB, int m, int n, int k, float alpha, const float *a, int lda,
               const float *b, int ldb, const float *packed, float beta, float *c, int ldc, int part, int parts,
               float *scratch);
  /* Floats packRight writes for op(B) [k×n]. */
  int64_t (*packedRightFloats)(int k, int n);
  void (*packRight)(int transB, int k, int n, const float *b, int ldb, float *dst);
  /* Row slab of y = Wa·xa + Wb·xb + biasA + biasB (kB = 0 drops the second product). */
  void (*matVecSum)(int n, const float *wa, const float *xa, int kA, const float *wb, const float *xb, int kB,
                    const float *biasA, const float *biasB, float *y, int part, int parts);

  void (*fill)(float *x, float value, int64_t n);
  void (*unary)(int op, const float *x, float *y, int64_t n);
  void (*unaryBackward)(int op, const float *x, const float *y, const float *dy, float *dx, int64_t n);
  void (*clamp)(const float *x, float *y, int64_t n, float lo, float hi);
  void (*clampBackward)(const float *x, const float *dy, float *dx, int64_t n, float lo, float hi);
  void (*binary)(int op, const float *a, const float *b, float *out, int64_t n, int64_t bLen);
  void (*axpy)(float alpha, const float *x, float *y, int64_t n);
  void (*scale)(float *x, float alpha, int64_t n);
  void (*sumRows)(const float *x, int rows, int cols, float *out, int accumulate);
  double (*sum)(const float *x, int64_t n, int squares);
  void (*logSoftmax)(const float *x, float *out, int rows, int cols);
  void (*softmax)(const float *x, float *out, int rows, int cols);
  void (*crossEntropyForward)(const float *logits, const int32_t *targets, int rows, int cols, const float *weights,
                              int ignoreIndex, float *probs, float *loss);
  void (*crossEntropyBackward)(const float *probs, const int32_t *targets, int rows, int cols, const float *weights,
                               int ignoreIndex, float scale, float *dLogits);
  void (*gather)(const float *table, int dim, const int32_t *ids, int n, float *out);
  void (*scatterAdd)(const float *dOut, int dim, const int32_t *ids, int n, float *dTable);

  void (*rnnCellForward)(int act, int B, int H, const float *pre, const float *hPrev, float *h, float *out,
                         const int32_t *lengths, int t);
  void (*rnnCellBackward)(int act, int B, int H, const float *h, const float *dOut, float *dh, float *dPre,
                          const int32_t *lengths, int t);
  void (*lstmCellForward)(int B, int H, float *gates, const float *cPrev, const float *hPrev, float *c, float *h,
                          float *out, const int32_t *lengths, int t);
  void (*lstmCellBackward)(int B, int H, const float *gates, const float *cPrev, const float *c, const float *dOut,
                           float *dh, float *dc, float *dGates, const int32_t *lengths, int t);
  void (*gruGates)(int B, int H, float *xg, const float *hg, const float *hPrev, float *rh, const int32_t *lengths, int t);
  void (*gruBlend)(int B, int H, float *xg, const float *hg, const float *hPrev, float *h, float *out,
                   const int32_t *lengths, int t, int resetAfter);
  void (*gruUpdateBackward)(int B, int H, const float *xg, const float *hPrev, const float *dOut, float *dh,
                            float *dXg, float *dHg, const int32_t *lengths, int t);
  void (*gruResetAfterBackward)(int B, int H, const float *xg, const float *hg, float *dXg, float *dHg,
                                const int32_t *lengths, int t);
  void (*gruResetGateBackward)(int B, int H, const float *xg, const float *hPrev, const float *dRh, float *dh,
                               float *dXg, float *dHg);

  void (*sgdUpdate)(float *p, const float *g, float *buf, int64_t n, float lr, float momentum, float dampening,
                    float weightDecay, int nesterov, int firstStep);
  void (*adamUpdate)(float *p, const float *g, float *m, float *v, int64_t n, float lr, float beta1, float beta2,
                     float eps, float weightDecay, int decoupled, float stepSize, float bc2Sqrt);
  void (*adaptiveUpdate)(float *p, const float *g, float *acc, int64_t n, float lr, float decay, float gain,
                         float eps, float weightDecay);
  /* One job of a word2vec run; `kept`, `reduced` hold the longest chunk's ids, `hidden`, `error` dim floats. */
  void (*word2vecJob)(const Word2Vec *w, int job, int32_t *kept, int32_t *reduced, float *hidden, float *error);
} Kernels;

extern const Kernels rnnkit_kernels_portable;
#if defined(__x86_64__) && !defined(RNNKIT_PORTABLE_ONLY)
extern const Kernels rnnkit_kernels_avx2;
extern const Kernels rnnkit_kernels_avx512;
#endif

#endif
