/**
 * Attention over time-major sequences, as batched products: for every batch row b,
 *
 *   scores[b] = Q_b · K_bᵀ          Q [T, B, D], K [S, B, D]        → [B, T, S]
 *   weights   = softmax over s < lengths[b] (0 past a row's length)
 *   context_b = weights[b] · V_b    V [S, B, Dv]                    → [T, B, Dv]
 *
 * Q_b is the strided matrix Q[:, b, :] (leading dimension B·D), so no transpose is ever copied:
 * each product is one GEMM per batch row, forward and backward. `pairwiseAdd` builds the
 * [B, T, S, D] sums of additive (Bahdanau) attention from the same layouts.
 */
import { Tensor } from '../tensor/tensor.ts';
import { record } from '../autograd/tape.ts';
import { ShapeError, formatShape, checkFloat, checkLengths, checkRank } from '../errors.ts';
import { emptyLike } from './basic.ts';

function timeMajorPair(q: Tensor, k: Tensor, op: string): [number, number, number, number] {
  checkFloat(q, `${op}(query)`);
  checkFloat(k, `${op}(keys)`);
  checkRank(q, `${op}(query)`, [3], '[T, B, D]');
  checkRank(k, `${op}(keys)`, [3], '[S, B, D]');
  const [T, B, D] = q.shape;
  if (k.shape[1] !== B || k.shape[2] !== D) throw new ShapeError(`${op}(keys)`, `[S, ${B}, ${D}]`, formatShape(k.shape));
  return [T, B, D, k.shape[0]];
}

/** scores[b, t, s] = ⟨query[t, b], keys[s, b]⟩: query [T, B, D], keys [S, B, D] → [B, T, S]. */
export function attentionScores(query: Tensor, keys: Tensor): Tensor {
  const [T, B, D, S] = timeMajorPair(query, keys, 'attentionScores');
  const be = query.backend;
  const out = emptyLike(query, [B, T, S]);
  const ld = B * D;
  for (let b = 0; b < B; b++) be.gemm(false, true, T, S, D, 1, query.f32, b * D, ld, keys.f32, b * D, ld, 0, out.f32, b * T * S, S);
  return record(out, 'attentionScores', [query, keys], (dOut, grad) => {
    const dq = grad(0), dk = grad(1);
    for (let b = 0; b < B; b++) {
      // dQ_b += dS_b · K_b,  dK_b += dS_bᵀ · Q_b
      if (dq) be.gemm(false, false, T, D, S, 1, dOut, b * T * S, S, keys.f32, b * D, ld, 1, dq, b * D, ld);
      if (dk) be.gemm(true, false, S, D, T, 1, dOut, b * T * S, S, query.f32, b * D, ld, 1, dk, b * D, ld);
    }
  });
}

/**
 * Softmax of scores [B, T, S] over s < lengths[b] (lengths null: all S); weights past a row's
 * length are 0 and get no gradient. dx_s = y_s (dy_s − Σ_u dy_u y_u) over the valid s.
 */
export function maskedSoftmax(scores: Tensor, lengths: Int32Array | null): Tensor {
  checkFloat(scores, 'maskedSoftmax(scores)');
  checkRank(scores, 'maskedSoftmax(scores)', [3], '[B, T, S]');
  const [B, T, S] = scores.shape;
  if (lengths) checkLengths(lengths, 'maskedSoftmax(lengths)', B, S);
  const out = emptyLike(scores);
  const x = scores.f32, y = out.f32;
  for (let b = 0; b < B; b++) {
    const L = lengths ? lengths[b] : S;
    for (let t = 0; t < T; t++) {
      const o = (b * T + t) * S;
      let max = -Infinity;
      for (let s = 0; s < L; s++) if (x[o + s] > max) max = x[o + s];
      let total = 0;
      for (let s = 0; s < L; s++) total += (y[o + s] = Math.exp(x[o + s] - max));
      for (let s = 0; s < L; s++) y[o + s] /= total;
    }
  }
  return record(out, 'maskedSoftmax', [scores], (dy, grad) => {
    const dx = grad(0);
    if (!dx) return;
    for (let b = 0; b < B; b++) {
      const L = lengths ? lengths[b] : S;
      for (let t = 0; t < T; t++) {
        const o = (b * T + t) * S;
        let dot = 0;
        for (let s = 0; s < L; s++) dot += dy[o + s] * y[o + s];
        for (let s = 0; s < L; s++) dx[o + s] += y[o + s] * (dy[o + s] - dot);
      }
    }
  });
}

/** context[t, b] = Σ_s weights[b, t, s] · values[s, b]: weights [B, T, S], values [S, B, Dv] → [T, B, Dv]. */
export function attend(weights: Tensor, values: Tensor): Tensor {
  checkFloat(weights, 'attend(weights)');
  checkFloat(values, 'attend(values)');
  checkRank(weights, 'attend(weights)', [3], '[B, T, S]');
  checkRank(values, 'attend(values)', [3], '[S, B, Dv]');
  const [B, T, S] = weights.shape;
  if (values.shape[0] !== S || values.shape[1] !== B) throw new ShapeError('attend(values)', `[${S}, ${B}, Dv]`, formatShape(values.shape));
  const Dv = values.shape[2];
  const be = weights.backend;
  const out = emptyLike(values, [T, B, Dv]);
  const ld = B * Dv;
  for (let b = 0; b < B; b++) be.gemm(false, false, T, Dv, S, 1, weights.f32, b * T * S, S, values.f32, b * Dv, ld, 0, out.f32, b * Dv, ld);
  return record(out, 'attend', [weights, values], (dOut, grad) => {
    const dw = grad(0), dv = grad(1);
    for (let b = 0; b < B; b++) {
      // dW_b += dC_b · V_bᵀ,  dV_b += W_bᵀ · dC_b
      if (dw) be.gemm(false, true, T, S, Dv, 1, dOut, b * Dv, ld, values.f32, b * Dv, ld, 1, dw, b * T * S, S);
      if (dv) be.gemm(true, false, S, Dv, T, 1, weights.f32, b * T * S, S, dOut, b * Dv, ld, 1, dv, b * Dv, ld);
    }
  });
}

/** out[b, t, s, :] = query[t, b, :] + keys[s, b, :]: query [T, B, D], keys [S, B, D] → [B, T, S, D]. */
export function pairwiseAdd(query: Tensor, keys: Tensor): Tensor {
  const [T, B, D, S] = timeMajorPair(query, keys, 'pairwiseAdd');
  const be = query.backend;
  const out = emptyLike(query, [B, T, S, D]);
  const o = out.f32, q = query.f32, k = keys.f32;
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      for (let s = 0; s < S; s++) {
        const dst = ((b * T + t) * S + s) * D, qo = (t * B + b) * D, ko = (s * B + b) * D;
        for (let d = 0; d < D; d++) o[dst + d] = q[qo + d] + k[ko + d];
      }
    }
  }
  return record(out, 'pairwiseAdd', [query, keys], (dOut, grad) => {
    const dq = grad(0), dk = grad(1);
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        for (let s = 0; s < S; s++) {
          const src = ((b * T + t) * S + s) * D;
          if (dq) be.axpy(1, dOut, src, dq, (t * B + b) * D, D);
          if (dk) be.axpy(1, dOut, src, dk, (s * B + b) * D, D);
        }
      }
    }
  });
}
