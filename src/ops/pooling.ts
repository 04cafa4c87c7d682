/**
 * Pooling a time-major sequence [T, B, D] into one vector per row over its valid steps t < lengths[b]:
 * the mean is attend() with uniform weights 1/L; the maximum is its own op (the gradient goes to
 * the step that held the maximum, the first one on ties).
 */
import { Tensor, tensor } from '../tensor/tensor.ts';
import { record } from '../autograd/tape.ts';
import { checkFloat, checkLengths, checkRank } from '../errors.ts';
import { emptyLike, reshape } from './basic.ts';
import { attend } from './attention.ts';

/** out[b, d] = max_{t < lengths[b]} x[t, b, d]. */
export function maxOverTime(x: Tensor, lengths: Int32Array | null): Tensor {
  checkFloat(x, 'maxOverTime(x)');
  checkRank(x, 'maxOverTime(x)', [3], '[T, B, D]');
  const [T, B, D] = x.shape;
  if (lengths) checkLengths(lengths, 'maxOverTime(lengths)', B, T);
  const out = emptyLike(x, [B, D]);
  const argmax = new Int32Array(B * D);
  const v = x.f32, o = out.f32;
  for (let b = 0; b < B; b++) {
    const L = lengths ? lengths[b] : T;
    for (let d = 0; d < D; d++) {
      let best = 0;
      for (let t = 1; t < L; t++) if (v[(t * B + b) * D + d] > v[(best * B + b) * D + d]) best = t;
      argmax[b * D + d] = best;
      o[b * D + d] = v[(best * B + b) * D + d];
    }
  }
  return record(out, 'maxOverTime', [x], (dOut, grad) => {
    const dx = grad(0);
    if (!dx) return;
    for (let b = 0; b < B; b++) for (let d = 0; d < D; d++) dx[(argmax[b * D + d] * B + b) * D + d] += dOut[b * D + d];
  });
}

/** out[b, :] = (1 / lengths[b]) Σ_{t < lengths[b]} x[t, b, :]. */
export function meanOverTime(x: Tensor, lengths: Int32Array | null): Tensor {
  checkRank(x, 'meanOverTime(x)', [3], '[T, B, D]');
  const [T, B, D] = x.shape;
  if (lengths) checkLengths(lengths, 'meanOverTime(lengths)', B, T);
  const w = new Float32Array(B * T);
  for (let b = 0; b < B; b++) {
    const L = lengths ? lengths[b] : T;
    w.fill(1 / L, b * T, b * T + L);
  }
  const weights = tensor(w, [B, 1, T], { backend: x.backend });
  return reshape(attend(weights, x), [B, D]);
}
