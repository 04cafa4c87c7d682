/**
 * Linear-chain conditional random field over emission scores em [T, B, K] (time-major), with
 * transition scores trans[i, j] (tag i followed by tag j), start[k] and end[k]. For a row of
 * length L and tags y:
 *
 *   score(y) = start[y_0] + Σ_t em[t, y_t] + Σ_{t≥1} trans[y_{t−1}, y_t] + end[y_{L−1}]
 *   log Z    = log Σ_y exp score(y), by the forward algorithm:
 *              α_0(k) = start[k] + em[0, k],  α_t(j) = logsumexp_i(α_{t−1}(i) + trans[i, j]) + em[t, j],
 *              log Z = logsumexp_k(α_{L−1}(k) + end[k])
 *   NLL      = log Z − score(y)
 *
 * The gradient is marginals minus gold counts; the marginals come from the backward recursion
 * β_{L−1}(k) = end[k], β_t(i) = logsumexp_j(trans[i, j] + em[t+1, j] + β_{t+1}(j)):
 *   P(y_t = k) = exp(α_t(k) + β_t(k) − log Z),
 *   P(y_{t−1} = i, y_t = j) = exp(α_{t−1}(i) + trans[i, j] + em[t, j] + β_t(j) − log Z).
 * All in float64. Viterbi decoding replaces logsumexp by max and follows the back-pointers.
 */
import { Tensor } from '../tensor/tensor.ts';
import { record } from '../autograd/tape.ts';
import { ShapeError, ValueError, checkFloat, checkLengths, checkRank, checkShape } from '../errors.ts';
import { emptyLike } from './basic.ts';

export interface CrfParameters {
  transitions: Tensor; // [K, K]
  start: Tensor; // [K]
  end: Tensor; // [K]
}

function checkCrf(emissions: Tensor, crf: CrfParameters, lengths: Int32Array | null, op: string): [number, number, number] {
  checkFloat(emissions, `${op}(emissions)`);
  checkRank(emissions, `${op}(emissions)`, [3], '[T, B, tags]');
  const [T, B, K] = emissions.shape;
  checkShape(crf.transitions, `${op}(transitions)`, [K, K]);
  checkShape(crf.start, `${op}(start)`, [K]);
  checkShape(crf.end, `${op}(end)`, [K]);
  if (lengths) checkLengths(lengths, `${op}(lengths)`, B, T);
  return [T, B, K];
}

function logSumExp(v: Float64Array, n: number): number {
  let max = -Infinity;
  for (let i = 0; i < n; i++) if (v[i] > max) max = v[i];
  if (max === -Infinity) return max;
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.exp(v[i] - max);
  return max + Math.log(s);
}

/**
 * Σ over rows (or the mean, reduction 'mean') of −log p(tags | emissions). tags: int32 ids
 * [T · B] time-major; positions past a row's length are ignored.
 */
export function crfNegLogLikelihood(
  emissions: Tensor, tags: Int32Array, lengths: Int32Array | null, crf: CrfParameters, reduction: 'sum' | 'mean' = 'mean',
): Tensor {
  const [T, B, K] = checkCrf(emissions, crf, lengths, 'crfNegLogLikelihood');
  if (tags.length !== T * B) throw new ShapeError('crfNegLogLikelihood(tags)', `${T * B} tag ids ([T, B])`, `${tags.length}`);
  const em = emissions.f32, tr = crf.transitions.f32, st = crf.start.f32, en = crf.end.f32;
  const lengthOf = (b: number): number => (lengths ? lengths[b] : T);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < lengthOf(b); t++) {
      const y = tags[t * B + b];
      if (!(Number.isInteger(y) && y >= 0 && y < K)) throw new ValueError(`crfNegLogLikelihood(tags)[${t * B + b}]`, `a tag id in [0, ${K})`, String(y));
    }
  }
  const alpha = new Float64Array(T * B * K), beta = new Float64Array(T * B * K), logZ = new Float64Array(B);
  const tmp = new Float64Array(K);
  let total = 0;
  for (let b = 0; b < B; b++) {
    const L = lengthOf(b);
    const at = (t: number, k: number): number => (t * B + b) * K + k;
    for (let k = 0; k < K; k++) alpha[at(0, k)] = st[k] + em[at(0, k)];
    for (let t = 1; t < L; t++) {
      for (let j = 0; j < K; j++) {
        for (let i = 0; i < K; i++) tmp[i] = alpha[at(t - 1, i)] + tr[i * K + j];
        alpha[at(t, j)] = logSumExp(tmp, K) + em[at(t, j)];
      }
    }
    for (let k = 0; k < K; k++) tmp[k] = alpha[at(L - 1, k)] + en[k];
    logZ[b] = logSumExp(tmp, K);
    for (let k = 0; k < K; k++) beta[at(L - 1, k)] = en[k];
    for (let t = L - 2; t >= 0; t--) {
      for (let i = 0; i < K; i++) {
        for (let j = 0; j < K; j++) tmp[j] = tr[i * K + j] + em[at(t + 1, j)] + beta[at(t + 1, j)];
        beta[at(t, i)] = logSumExp(tmp, K);
      }
    }
    let score = st[tags[b]] + en[tags[(L - 1) * B + b]];
    for (let t = 0; t < L; t++) {
      const y = tags[t * B + b];
      score += em[at(t, y)];
      if (t > 0) score += tr[tags[(t - 1) * B + b] * K + y];
    }
    total += logZ[b] - score;
  }
  const divisor = reduction === 'mean' ? B : 1;
  const out = emptyLike(emissions, [1]);
  out.f32[0] = total / divisor;
  return record(out, 'crfNegLogLikelihood', [emissions, crf.transitions, crf.start, crf.end], (dOut, grad) => {
    const scale = dOut[0] / divisor;
    const dEm = grad(0), dTr = grad(1), dSt = grad(2), dEn = grad(3);
    for (let b = 0; b < B; b++) {
      const L = lengthOf(b);
      const at = (t: number, k: number): number => (t * B + b) * K + k;
      const marginal = (t: number, k: number): number => Math.exp(alpha[at(t, k)] + beta[at(t, k)] - logZ[b]);
      for (let t = 0; t < L; t++) {
        const y = tags[t * B + b];
        if (dEm) for (let k = 0; k < K; k++) dEm[at(t, k)] += scale * (marginal(t, k) - (k === y ? 1 : 0));
        if (dTr && t > 0) {
          const yPrev = tags[(t - 1) * B + b];
          for (let i = 0; i < K; i++) {
            for (let j = 0; j < K; j++) {
              const p = Math.exp(alpha[at(t - 1, i)] + tr[i * K + j] + em[at(t, j)] + beta[at(t, j)] - logZ[b]);
              dTr[i * K + j] += scale * (p - (i === yPrev && j === y ? 1 : 0));
            }
          }
        }
      }
      const first = tags[b], last = tags[(L - 1) * B + b];
      for (let k = 0; k < K; k++) {
        if (dSt) dSt[k] += scale * (marginal(0, k) - (k === first ? 1 : 0));
        if (dEn) dEn[k] += scale * (marginal(L - 1, k) - (k === last ? 1 : 0));
      }
    }
  });
}

/** The highest-scoring tag sequence of every row (Viterbi), each of its row's length. */
export function crfViterbi(emissions: Tensor, lengths: Int32Array | null, crf: CrfParameters): number[][] {
  const [T, B, K] = checkCrf(emissions, crf, lengths, 'crfViterbi');
  const em = emissions.f32, tr = crf.transitions.f32, st = crf.start.f32, en = crf.end.f32;
  const delta = new Float64Array(T * K), next = new Float64Array(K);
  const back = new Int32Array(T * K);
  const paths: number[][] = [];
  for (let b = 0; b < B; b++) {
    const L = lengths ? lengths[b] : T;
    for (let k = 0; k < K; k++) delta[k] = st[k] + em[b * K + k];
    for (let t = 1; t < L; t++) {
      for (let j = 0; j < K; j++) {
        let best = 0, bestScore = -Infinity;
        for (let i = 0; i < K; i++) {
          const s = delta[(t - 1) * K + i] + tr[i * K + j];
          if (s > bestScore) [best, bestScore] = [i, s];
        }
        next[j] = bestScore + em[(t * B + b) * K + j];
        back[t * K + j] = best;
      }
      delta.set(next, t * K);
    }
    let y = 0;
    for (let k = 1; k < K; k++) if (delta[(L - 1) * K + k] + en[k] > delta[(L - 1) * K + y] + en[y]) y = k;
    const path = new Array<number>(L);
    path[L - 1] = y;
    for (let t = L - 1; t > 0; t--) path[t - 1] = y = back[t * K + y];
    paths.push(path);
  }
  return paths;
}
