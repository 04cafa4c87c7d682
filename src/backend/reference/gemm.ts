/**
 * C[m×n] = alpha · op(A) · op(B) + beta · C in plain TypeScript (row-major, leading dimensions).
 * Each transpose case gets the loop order that walks memory contiguously in its inner loop.
 */
import type { F32 } from '../backend.ts';

export function gemm(
  transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number,
  a: F32, aOff: number, lda: number,
  b: F32, bOff: number, ldb: number,
  beta: number, c: F32, cOff: number, ldc: number,
): void {
  scaleOutput(m, n, beta, c, cOff, ldc);
  if (alpha === 0 || k === 0) return;
  if (!transA && !transB) gemmNN(m, n, k, alpha, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
  else if (!transA && transB) gemmNT(m, n, k, alpha, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
  else if (transA && !transB) gemmTN(m, n, k, alpha, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
  else gemmTT(m, n, k, alpha, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
}

function scaleOutput(m: number, n: number, beta: number, c: F32, cOff: number, ldc: number): void {
  if (beta === 1) return;
  for (let i = 0; i < m; i++) {
    const row = cOff + i * ldc;
    if (beta === 0) c.fill(0, row, row + n);
    else for (let j = 0; j < n; j++) c[row + j] *= beta;
  }
}

// C[i,:] += alpha·A[i,p]·B[p,:], four p at a time
function gemmNN(m: number, n: number, k: number, alpha: number, a: F32, aOff: number, lda: number,
  b: F32, bOff: number, ldb: number, c: F32, cOff: number, ldc: number): void {
  for (let i = 0; i < m; i++) {
    const ai = aOff + i * lda;
    const ci = cOff + i * ldc;
    let p = 0;
    for (; p + 4 <= k; p += 4) {
      addFourRows(n, alpha * a[ai + p], alpha * a[ai + p + 1], alpha * a[ai + p + 2], alpha * a[ai + p + 3], b, bOff + p * ldb, ldb, c, ci);
    }
    for (; p < k; p++) addRow(n, alpha * a[ai + p], b, bOff + p * ldb, c, ci);
  }
}

// C[i,j] += alpha·⟨A[i,:], B[j,:]⟩
function gemmNT(m: number, n: number, k: number, alpha: number, a: F32, aOff: number, lda: number,
  b: F32, bOff: number, ldb: number, c: F32, cOff: number, ldc: number): void {
  for (let i = 0; i < m; i++) {
    const ai = aOff + i * lda;
    const ci = cOff + i * ldc;
    for (let j = 0; j < n; j++) {
      const bj = bOff + j * ldb;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      let p = 0;
      for (; p + 3 < k; p += 4) {
        s0 += a[ai + p] * b[bj + p];
        s1 += a[ai + p + 1] * b[bj + p + 1];
        s2 += a[ai + p + 2] * b[bj + p + 2];
        s3 += a[ai + p + 3] * b[bj + p + 3];
      }
      for (; p < k; p++) s0 += a[ai + p] * b[bj + p];
      c[ci + j] += alpha * (s0 + s1 + s2 + s3);
    }
  }
}

// C[i,:] += alpha·A[p,i]·B[p,:], four p at a time
function gemmTN(m: number, n: number, k: number, alpha: number, a: F32, aOff: number, lda: number,
  b: F32, bOff: number, ldb: number, c: F32, cOff: number, ldc: number): void {
  let p = 0;
  for (; p + 4 <= k; p += 4) {
    const ap = aOff + p * lda;
    for (let i = 0; i < m; i++) {
      addFourRows(n, alpha * a[ap + i], alpha * a[ap + lda + i], alpha * a[ap + 2 * lda + i], alpha * a[ap + 3 * lda + i],
        b, bOff + p * ldb, ldb, c, cOff + i * ldc);
    }
  }
  for (; p < k; p++) {
    for (let i = 0; i < m; i++) addRow(n, alpha * a[aOff + p * lda + i], b, bOff + p * ldb, c, cOff + i * ldc);
  }
}

// C[i,j] += alpha·Σ_p A[p,i]·B[j,p]
function gemmTT(m: number, n: number, k: number, alpha: number, a: F32, aOff: number, lda: number,
  b: F32, bOff: number, ldb: number, c: F32, cOff: number, ldc: number): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[aOff + p * lda + i] * b[bOff + j * ldb + p];
      c[cOff + i * ldc + j] += alpha * s;
    }
  }
}

/** c[cRow + j] += s·b[bRow + j] for j < n. */
function addRow(n: number, s: number, b: F32, bRow: number, c: F32, cRow: number): void {
  for (let j = 0; j < n; j++) c[cRow + j] += s * b[bRow + j];
}

/**
 * c[cRow + j] += Σ_r s_r·b[b0 + r·ldb + j] (r < 4) for j < n: four rows of B in one pass over the
 * row of C, which quarters the loads and stores of C (the bottleneck of the one-row loop).
 */
function addFourRows(n: number, s0: number, s1: number, s2: number, s3: number, b: F32, b0: number, ldb: number, c: F32, cRow: number): void {
  const b1 = b0 + ldb, b2 = b1 + ldb, b3 = b2 + ldb;
  for (let j = 0; j < n; j++) c[cRow + j] += s0 * b[b0 + j] + s1 * b[b1 + j] + s2 * b[b2 + j] + s3 * b[b3 + j];
}

/** y[j] = ⟨Wa[j, :], xa⟩ + ⟨Wb[j, :], xb⟩ + biasA[j] + biasB[j] (see Backend.matVecSum). */
export function matVecSum(
  n: number, wa: F32, xa: F32, xaOff: number, kA: number,
  wb: F32 | null, xb: F32 | null, kB: number, biasA: F32 | null, biasB: F32 | null, y: F32,
): void {
  for (let j = 0; j < n; j++) {
    let sum = 0;
    for (let p = 0; p < kA; p++) sum += wa[j * kA + p] * xa[xaOff + p];
    if (wb && xb) for (let p = 0; p < kB; p++) sum += wb[j * kB + p] * xb[p];
    y[j] = sum + (biasA ? biasA[j] : 0) + (biasB ? biasB[j] : 0);
  }
}
