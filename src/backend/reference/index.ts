/**
 * The reference backend: every kernel of the Backend contract in plain TypeScript over
 * Float32Array storage. It is the specification the faster backends are tested against, so it
 * favours readability; the only concession to speed is a cache-friendly GEMM loop order.
 */
import type { Backend, BinaryOp, ClampArgs, ClampBackwardArgs, DType, F32, I32, PackedMatrix, Storage, UnaryOp } from '../backend.ts';
import { gemm, matVecSum } from './gemm.ts';
import * as cells from './cells.ts';
import * as optim from './optim.ts';
import { word2vecTrain } from './word2vec.ts';

interface ReferencePacked extends PackedMatrix {
  transB: boolean;
  b: F32;
  bOff: number;
  ldb: number;
}

export class ReferenceBackend implements Backend {
  readonly name = 'reference';
  readonly threads = 1;

  alloc(n: number, dtype: 'float32'): F32;
  alloc(n: number, dtype: 'int32'): I32;
  alloc(n: number, dtype: DType): Storage;
  alloc(n: number, dtype: DType): Storage {
    return dtype === 'int32' ? new Int32Array(n) : new Float32Array(n);
  }

  free(_a: Storage): void {
    // Garbage-collected.
  }

  gemm = gemm;
  matVecSum = matVecSum;

  /** No copy: the reference "packed" matrix remembers where op(B) is. */
  packMatrix(transB: boolean, k: number, n: number, b: F32, bOff: number, ldb: number): PackedMatrix {
    return { k, n, transB, b, bOff, ldb } as ReferencePacked;
  }

  gemmPacked(
    transA: boolean, m: number, alpha: number, a: F32, aOff: number, lda: number,
    right: PackedMatrix, beta: number, c: F32, cOff: number, ldc: number,
  ): void {
    const { k, n, transB, b, bOff, ldb } = right as ReferencePacked;
    gemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
  }

  freePacked(_right: PackedMatrix): void {
    // Nothing was copied.
  }

  fill(x: F32, value: number, n: number, xOff: number): void {
    x.fill(value, xOff, xOff + n);
  }

  copy(x: Storage, xOff: number, y: Storage, yOff: number, n: number): void {
    y.set(x.subarray(xOff, xOff + n), yOff);
  }

  unary(op: UnaryOp, x: F32, y: F32, n: number): void {
    const f = UNARY[op];
    for (let i = 0; i < n; i++) y[i] = f(x[i]);
  }

  unaryBackward(op: UnaryOp, x: F32, y: F32, dy: F32, dx: F32, n: number): void {
    for (let i = 0; i < n; i++) {
      let d: number;
      switch (op) {
        case 'tanh': d = 1 - y[i] * y[i]; break;
        case 'sigmoid': d = y[i] * (1 - y[i]); break;
        case 'relu': d = y[i] > 0 ? 1 : 0; break;
        case 'exp': d = y[i]; break;
        case 'log': d = 1 / x[i]; break;
        case 'neg': d = -1; break;
      }
      dx[i] += dy[i] * d;
    }
  }

  // y = min(max(x, lo), hi)
  clamp({ x, y, n, lo, hi }: ClampArgs): void {
    const l = Math.fround(lo), h = Math.fround(hi);
    for (let i = 0; i < n; i++) y[i] = Math.min(Math.max(x[i], l), h);
  }

  // dx += dy · [lo ≤ x ≤ hi]
  clampBackward({ x, dy, dx, n, lo, hi }: ClampBackwardArgs): void {
    const l = Math.fround(lo), h = Math.fround(hi);
    for (let i = 0; i < n; i++) if (x[i] >= l && x[i] <= h) dx[i] += dy[i];
  }

  binary(op: BinaryOp, a: F32, b: F32, out: F32, n: number, bLen: number): void {
    for (let i = 0, j = 0; i < n; i++, j = j + 1 === bLen ? 0 : j + 1) {
      switch (op) {
        case 'add': out[i] = a[i] + b[j]; break;
        case 'sub': out[i] = a[i] - b[j]; break;
        case 'mul': out[i] = a[i] * b[j]; break;
        case 'div': out[i] = a[i] / b[j]; break;
      }
    }
  }

  axpy(alpha: number, x: F32, xOff: number, y: F32, yOff: number, n: number): void {
    for (let i = 0; i < n; i++) y[yOff + i] += alpha * x[xOff + i];
  }

  scale(x: F32, alpha: number, n: number): void {
    for (let i = 0; i < n; i++) x[i] *= alpha;
  }

  sumRows(x: F32, rows: number, cols: number, out: F32, accumulate: boolean): void {
    if (!accumulate) out.fill(0, 0, cols);
    for (let r = 0; r < rows; r++) {
      const row = r * cols;
      for (let j = 0; j < cols; j++) out[j] += x[row + j];
    }
  }

  sumSquares(x: F32, n: number): number {
    let s = 0;
    for (let i = 0; i < n; i++) s += x[i] * x[i];
    return s;
  }

  sum(x: F32, n: number): number {
    let s = 0;
    for (let i = 0; i < n; i++) s += x[i];
    return s;
  }

  logSoftmax(x: F32, out: F32, rows: number, cols: number): void {
    for (let r = 0; r < rows; r++) {
      const o = r * cols;
      const logZ = logSumExp(x, o, cols);
      for (let j = 0; j < cols; j++) out[o + j] = x[o + j] - logZ;
    }
  }

  softmax(x: F32, out: F32, rows: number, cols: number): void {
    for (let r = 0; r < rows; r++) {
      const o = r * cols;
      let max = -Infinity;
      for (let j = 0; j < cols; j++) max = Math.max(max, x[o + j]);
      let z = 0;
      for (let j = 0; j < cols; j++) z += out[o + j] = Math.exp(x[o + j] - max);
      for (let j = 0; j < cols; j++) out[o + j] /= z;
    }
  }

  // loss_r = −w[t]·log softmax(x_r)[t]
  crossEntropyForward(
    logits: F32, targets: I32, rows: number, cols: number, classWeights: F32 | null,
    ignoreIndex: number, probs: F32, lossPerRow: F32,
  ): void {
    this.softmax(logits, probs, rows, cols);
    for (let r = 0; r < rows; r++) {
      const t = targets[r];
      if (t === ignoreIndex) {
        lossPerRow[r] = 0;
        continue;
      }
      const w = classWeights ? classWeights[t] : 1;
      lossPerRow[r] = -w * (logits[r * cols + t] - logSumExp(logits, r * cols, cols));
    }
  }

  // dx_r += scale·w[t]·(softmax(x_r) − onehot(t))
  crossEntropyBackward(
    probs: F32, targets: I32, rows: number, cols: number, classWeights: F32 | null,
    ignoreIndex: number, scale: number, dLogits: F32,
  ): void {
    for (let r = 0; r < rows; r++) {
      const t = targets[r];
      if (t === ignoreIndex) continue;
      const s = scale * (classWeights ? classWeights[t] : 1);
      const o = r * cols;
      for (let j = 0; j < cols; j++) dLogits[o + j] += s * probs[o + j];
      dLogits[o + t] -= s;
    }
  }

  gather(table: F32, dim: number, ids: I32, n: number, out: F32): void {
    for (let i = 0; i < n; i++) out.set(table.subarray(ids[i] * dim, ids[i] * dim + dim), i * dim);
  }

  scatterAdd(dOut: F32, dim: number, ids: I32, n: number, dTable: F32): void {
    for (let i = 0; i < n; i++) {
      const row = ids[i] * dim;
      for (let j = 0; j < dim; j++) dTable[row + j] += dOut[i * dim + j];
    }
  }

  rnnCellForward = cells.rnnCellForward;
  rnnCellBackward = cells.rnnCellBackward;
  lstmCellForward = cells.lstmCellForward;
  lstmCellBackward = cells.lstmCellBackward;
  gruCellForward = cells.gruCellForward;
  gruCellBackward = cells.gruCellBackward;
  gruResetGateForward = cells.gruResetGateForward;
  gruResetBeforeForward = cells.gruResetBeforeForward;
  gruResetBeforeBackward = cells.gruResetBeforeBackward;
  gruResetGateBackward = cells.gruResetGateBackward;

  sgdUpdate = optim.sgdUpdate;
  adamUpdate = optim.adamUpdate;
  rmspropUpdate = optim.rmspropUpdate;
  adagradUpdate = optim.adagradUpdate;

  word2vecTrain = word2vecTrain;
}

const UNARY: Record<UnaryOp, (v: number) => number> = {
  tanh: Math.tanh,
  sigmoid: (v) => 1 / (1 + Math.exp(-v)),
  relu: (v) => (v > 0 ? v : 0),
  exp: Math.exp,
  log: Math.log,
  neg: (v) => -v,
};

function logSumExp(x: F32, off: number, n: number): number {
  let max = -Infinity;
  for (let j = 0; j < n; j++) max = Math.max(max, x[off + j]);
  let z = 0;
  for (let j = 0; j < n; j++) z += Math.exp(x[off + j] - max);
  return max + Math.log(z);
}
