/** Elementwise arithmetic, activations, matrix products and reductions, each with its backward. */
import type { BinaryOp, F32, UnaryOp } from '../backend/backend.ts';
import { Tensor, zeros } from '../tensor/tensor.ts';
import { record } from '../autograd/tape.ts';
import { ShapeError, ValueError, formatShape, checkFloat, checkRank } from '../errors.ts';

/** A float32 tensor on the same backend as `like`. */
export function emptyLike(like: Tensor, shape: readonly number[] = like.shape): Tensor {
  return zeros(shape, { backend: like.backend });
}

function unaryOp(op: UnaryOp, x: Tensor): Tensor {
  checkFloat(x, op);
  const y = emptyLike(x);
  x.backend.unary(op, x.f32, y.f32, x.size);
  return record(y, op, [x], (dy, grad) => {
    const dx = grad(0);
    if (dx) x.backend.unaryBackward(op, x.f32, y.f32, dy, dx, x.size);
  });
}

export const tanh = (x: Tensor): Tensor => unaryOp('tanh', x);
export const sigmoid = (x: Tensor): Tensor => unaryOp('sigmoid', x);
export const relu = (x: Tensor): Tensor => unaryOp('relu', x);
export const exp = (x: Tensor): Tensor => unaryOp('exp', x);
export const log = (x: Tensor): Tensor => unaryOp('log', x);
export const neg = (x: Tensor): Tensor => unaryOp('neg', x);

/**
 * a op b elementwise, where b has a's shape or the shape of a's trailing dimensions
 * (broadcast along the leading ones, e.g. a bias row added to every row).
 */
function binaryOp(op: BinaryOp, a: Tensor, b: Tensor): Tensor {
  checkFloat(a, `${op}(a)`);
  checkFloat(b, `${op}(b)`);
  const trailing = a.shape.slice(a.rank - b.rank);
  if (b.rank > a.rank || trailing.some((d, i) => d !== b.shape[i])) {
    throw new ShapeError(`${op}(b)`, `${formatShape(a.shape)} or a trailing part of it`, formatShape(b.shape));
  }
  const out = emptyLike(a);
  const backend = a.backend;
  backend.binary(op, a.f32, b.f32, out.f32, a.size, b.size);
  return record(out, op, [a, b], (dOut, grad) => {
    const da = grad(0);
    const db = grad(1);
    const rows = a.size / b.size;
    if (op === 'add' || op === 'sub') {
      if (da) backend.axpy(1, dOut, 0, da, 0, a.size);
      if (db) reduceBroadcast(dOut, rows, b.size, db, op === 'sub' ? -1 : 1, a);
      return;
    }
    // mul: da = dOut·b, db = Σ dOut·a;  div: da = dOut/b, db = −Σ dOut·a/b²
    const tmp = emptyLike(a).f32;
    if (da) {
      backend.binary(op, dOut, b.f32, tmp, a.size, b.size);
      backend.axpy(1, tmp, 0, da, 0, a.size);
    }
    if (db) {
      backend.binary('mul', dOut, a.f32, tmp, a.size, a.size);
      if (op === 'div') {
        backend.binary('div', tmp, b.f32, tmp, a.size, b.size);
        backend.binary('div', tmp, b.f32, tmp, a.size, b.size);
      }
      reduceBroadcast(tmp, rows, b.size, db, op === 'div' ? -1 : 1, a);
    }
  });
}

/** db += sign · Σ_rows d (d is rows × cols). */
function reduceBroadcast(d: F32, rows: number, cols: number, db: F32, sign: number, like: Tensor): void {
  const sums = emptyLike(like, [cols]).f32;
  like.backend.sumRows(d, rows, cols, sums, false);
  like.backend.axpy(sign, sums, 0, db, 0, cols);
}

export const add = (a: Tensor, b: Tensor): Tensor => binaryOp('add', a, b);
export const sub = (a: Tensor, b: Tensor): Tensor => binaryOp('sub', a, b);
export const mul = (a: Tensor, b: Tensor): Tensor => binaryOp('mul', a, b);
export const div = (a: Tensor, b: Tensor): Tensor => binaryOp('div', a, b);

/** min(max(x, lo), hi) elementwise (PyTorch's clamp); the gradient passes where lo ≤ x ≤ hi. */
export function clamp(x: Tensor, lo: number, hi: number): Tensor {
  checkFloat(x, 'clamp(x)');
  if (!(lo <= hi)) throw new ValueError('clamp(lo, hi)', 'lo ≤ hi', `${lo}, ${hi}`);
  const y = emptyLike(x);
  x.backend.clamp({ x: x.f32, y: y.f32, n: x.size, lo, hi });
  return record(y, 'clamp', [x], (dy, grad) => {
    const dx = grad(0);
    if (dx) x.backend.clampBackward({ x: x.f32, dy, dx, n: x.size, lo, hi });
  });
}

/** a · scalar. */
export function scale(a: Tensor, s: number): Tensor {
  const out = emptyLike(a);
  a.backend.axpy(s, a.f32, 0, out.f32, 0, a.size);
  return record(out, 'scale', [a], (dOut, grad) => {
    const da = grad(0);
    if (da) a.backend.axpy(s, dOut, 0, da, 0, a.size);
  });
}

/** [m, k] · [k, n] (or with either operand transposed). */
export function matmul(a: Tensor, b: Tensor, transA = false, transB = false): Tensor {
  checkRank(a, 'matmul(a)', [2]);
  checkRank(b, 'matmul(b)', [2]);
  const [m, ka] = transA ? [a.shape[1], a.shape[0]] : [a.shape[0], a.shape[1]];
  const [kb, n] = transB ? [b.shape[1], b.shape[0]] : [b.shape[0], b.shape[1]];
  if (ka !== kb) throw new ShapeError('matmul(b)', `${ka} rows to match a's ${ka} columns`, formatShape(b.shape));
  const out = emptyLike(a, [m, n]);
  const backend = a.backend;
  const lda = a.shape[1], ldb = b.shape[1];
  backend.gemm(transA, transB, m, n, ka, 1, a.f32, 0, lda, b.f32, 0, ldb, 0, out.f32, 0, n);
  return record(out, 'matmul', [a, b], (dOut, grad) => {
    const da = grad(0);
    const db = grad(1);
    // C = op(A)op(B):  dop(A) = dC·op(B)ᵀ, dop(B) = op(A)ᵀ·dC
    if (da) {
      if (!transA) backend.gemm(false, !transB, m, ka, n, 1, dOut, 0, n, b.f32, 0, ldb, 1, da, 0, lda);
      else backend.gemm(transB, true, ka, m, n, 1, b.f32, 0, ldb, dOut, 0, n, 1, da, 0, lda);
    }
    if (db) {
      if (!transB) backend.gemm(!transA, false, ka, n, m, 1, a.f32, 0, lda, dOut, 0, n, 1, db, 0, ldb);
      else backend.gemm(true, transA, n, ka, m, 1, dOut, 0, n, a.f32, 0, lda, 1, db, 0, ldb);
    }
  });
}

/** x · Wᵀ + b over the last dimension of x (PyTorch's F.linear): x [..., in], W [out, in], b [out]. */
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  checkRank(weight, 'linear(weight)', [2], '[out, in]');
  const inFeatures = weight.shape[1];
  if (x.rank < 1 || x.shape[x.rank - 1] !== inFeatures) {
    throw new ShapeError('linear(x)', `[..., ${inFeatures}]`, formatShape(x.shape));
  }
  const rows = x.size / inFeatures;
  const y = matmul(reshape(x, [rows, inFeatures]), weight, false, true);
  const out = bias ? add(y, bias) : y;
  return reshape(out, [...x.shape.slice(0, -1), weight.shape[0]]);
}

/** The same data with another shape; gradients flow through. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const out = x.view(shape);
  return record(out, 'reshape', [x], (dOut, grad) => {
    const dx = grad(0);
    if (dx) x.backend.axpy(1, dOut, 0, dx, 0, x.size);
  });
}

/** Σ of all elements, as a one-element tensor. */
export function sum(x: Tensor): Tensor {
  const out = emptyLike(x, [1]);
  out.f32[0] = x.backend.sum(x.f32, x.size);
  return record(out, 'sum', [x], (dOut, grad) => {
    const dx = grad(0);
    if (!dx) return;
    const ones = emptyLike(x, [1]).f32;
    ones[0] = dOut[0];
    x.backend.binary('add', dx, ones, dx, x.size, 1);
  });
}

/** Mean of all elements. */
export function mean(x: Tensor): Tensor {
  return scale(sum(x), 1 / x.size);
}
