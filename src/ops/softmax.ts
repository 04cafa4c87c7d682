/** Softmax, log-softmax and cross-entropy over the last dimension. */
import { Tensor } from '../tensor/tensor.ts';
import { record } from '../autograd/tape.ts';
import { ShapeError, ValueError, formatShape, checkFloat } from '../errors.ts';
import { emptyLike } from './basic.ts';

function rowsCols(x: Tensor, op: string): [number, number] {
  checkFloat(x, `${op}(x)`);
  if (x.rank < 1) throw new ShapeError(`${op}(x)`, 'rank ≥ 1', formatShape(x.shape));
  const cols = x.shape[x.rank - 1];
  return [x.size / cols, cols];
}

/** softmax(x)_j = exp(x_j) / Σ_k exp(x_k), row-wise. */
export function softmax(x: Tensor): Tensor {
  const [rows, cols] = rowsCols(x, 'softmax');
  const y = emptyLike(x);
  x.backend.softmax(x.f32, y.f32, rows, cols);
  return record(y, 'softmax', [x], (dy, grad) => {
    const dx = grad(0);
    if (!dx) return;
    // dx_j = y_j (dy_j − Σ_k dy_k y_k)
    const p = y.f32;
    for (let r = 0; r < rows; r++) {
      const o = r * cols;
      let dot = 0;
      for (let j = 0; j < cols; j++) dot += dy[o + j] * p[o + j];
      for (let j = 0; j < cols; j++) dx[o + j] += p[o + j] * (dy[o + j] - dot);
    }
  });
}

/** log softmax(x), row-wise. */
export function logSoftmax(x: Tensor): Tensor {
  const [rows, cols] = rowsCols(x, 'logSoftmax');
  const y = emptyLike(x);
  x.backend.logSoftmax(x.f32, y.f32, rows, cols);
  return record(y, 'logSoftmax', [x], (dy, grad) => {
    const dx = grad(0);
    if (!dx) return;
    // dx_j = dy_j − softmax_j Σ_k dy_k
    const ly = y.f32;
    for (let r = 0; r < rows; r++) {
      const o = r * cols;
      let total = 0;
      for (let j = 0; j < cols; j++) total += dy[o + j];
      for (let j = 0; j < cols; j++) dx[o + j] += dy[o + j] - Math.exp(ly[o + j]) * total;
    }
  });
}

export interface CrossEntropyOptions {
  /** 'mean' (over non-ignored rows, weighted like PyTorch) or 'sum'. Default 'mean'. */
  reduction?: 'mean' | 'sum';
  /** Target id whose rows contribute nothing (e.g. padding). */
  ignoreIndex?: number;
  /** One weight per class. */
  classWeights?: Tensor | null;
}

/**
 * Cross-entropy of logits [N, C] (or [..., C]) against int32 targets of N ids, as PyTorch's
 * F.cross_entropy: loss = Σ_r −w[t_r] log softmax(x_r)[t_r], divided by Σ_r w[t_r] for 'mean'.
 */
export function crossEntropy(logits: Tensor, targets: Tensor, options: CrossEntropyOptions = {}): Tensor {
  const [rows, cols] = rowsCols(logits, 'crossEntropy');
  const { reduction = 'mean', ignoreIndex = -100, classWeights = null } = options;
  if (targets.dtype !== 'int32') throw new ValueError('crossEntropy(targets)', 'an int32 tensor of class ids', `a ${targets.dtype} tensor`);
  if (targets.size !== rows) throw new ShapeError('crossEntropy(targets)', `${rows} class ids (one per row of logits)`, formatShape(targets.shape));
  if (classWeights && classWeights.size !== cols) throw new ShapeError('crossEntropy(classWeights)', `[${cols}]`, formatShape(classWeights.shape));
  const t = targets.i32;
  let weightTotal = 0;
  for (let r = 0; r < rows; r++) {
    if (t[r] === ignoreIndex) continue;
    if (!(t[r] >= 0 && t[r] < cols)) throw new ValueError(`crossEntropy(targets)[${r}]`, `a class id in [0, ${cols}) or ignoreIndex ${ignoreIndex}`, String(t[r]));
    weightTotal += classWeights ? classWeights.f32[t[r]] : 1;
  }
  const backend = logits.backend;
  const probs = emptyLike(logits, [rows, cols]);
  const lossPerRow = emptyLike(logits, [rows]);
  const w = classWeights?.f32 ?? null;
  backend.crossEntropyForward(logits.f32, t, rows, cols, w, ignoreIndex, probs.f32, lossPerRow.f32);
  const divisor = reduction === 'mean' ? weightTotal : 1;
  const out = emptyLike(logits, [1]);
  out.f32[0] = backend.sum(lossPerRow.f32, rows) / divisor;
  return record(out, 'crossEntropy', [logits], (dOut, grad) => {
    const dx = grad(0);
    if (dx && divisor > 0) backend.crossEntropyBackward(probs.f32, t, rows, cols, w, ignoreIndex, dOut[0] / divisor, dx);
  }, classWeights ? [probs, targets, classWeights] : [probs, targets]);
}
