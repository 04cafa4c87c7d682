/**
 * Word2vec with negative sampling, as word2vec.c and gensim 4 (word2vec_inner.pyx) train it: the
 * specification of the Backend's word2vecTrain. One job trains on one chunk of sentences:
 *
 * 1. Random numbers: the 48-bit linear congruential generator of word2vec,
 *    r ← (r · 25214903917 + 11) mod 2⁴⁸; a 32-bit draw is r >> 16 (taken before the step).
 * 2. Subsampling: every word w draws once and is dropped when keep[w] < draw (keep[w] =
 *    P(keep) · (2³² − 1)); dropped words shorten the sentence, so windows reach further.
 * 3. Shrinking window: every remaining word i draws b_i = draw mod window; its context is the
 *    words j ≠ i of its sentence with |i − j| ≤ window − b_i.
 * 4. Skip-gram: for each (word i, context j), with v = input[w_j]:
 *      for the target t_0 = w_i (label 1) and `negative` noise words t_d (label 0, drawn as
 *      bisect_left(noise, draw mod noise[V−1]); a draw equal to w_i is skipped):
 *        f = ⟨v, output[t]⟩; skip t when |f| ≥ 6; g = (label − σ(f)) · α  (σ from the 1000-entry table)
 *        e += g · output[t];  output[t] += g · v
 *      input[w_j] += e.
 *    CBOW: h = Σ_j input[w_j] over the context (÷ count with cbowMean); the same loop with h for
 *    v and target w_i; then every context row gets e (÷ count without cbowMean).
 * Arithmetic is float32 (dot products accumulate in float64 and round once).
 */
import type { I32, Word2VecJob } from '../backend.ts';

/** σ(x) = eˣ/(eˣ + 1) at x = (i/1000 · 2 − 1) · 6, i < 1000, in float32 (word2vec's EXP_TABLE). */
export const MAX_EXP = 6;
export const SIGMOID_TABLE = Float32Array.from({ length: 1000 }, (_, i) => {
  const e = Math.exp(((i / 1000) * 2 - 1) * MAX_EXP);
  return e / (e + 1);
});
/** Table entries per unit of f (f32). */
export const SIGMOID_SCALE = Math.fround(SIGMOID_TABLE.length / (2 * MAX_EXP));

const TWO24 = 16777216;
const TWO48 = 281474976710656;
/** 25214903917 = A_HI · 2²⁴ + A_LO. */
const A_HI = 1502, A_LO = 15525485;

/** The word2vec generator's next state, exact in float64 (all partial products stay below 2⁵³). */
export function lcgNext(r: number): number {
  const hi = Math.floor(r / TWO24), lo = r % TWO24;
  const mid = (hi * A_LO + lo * A_HI) % TWO24;
  return (lo * A_LO + 11 + mid * TWO24) % TWO48;
}

/** First index with noise[index] ≥ value (Python's bisect_left). */
export function bisectLeft(noise: I32, value: number): number {
  let lo = 0, hi = noise.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (noise[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Noise values per bucket of a noise guide: 2^15, so 2^16 buckets cover [0, 2^31). */
export const NOISE_GUIDE_SHIFT = 15;
const NOISE_GUIDE_BUCKETS = 1 << 16;

/**
 * guide[b] = bisect_left(noise, b << 15) for every bucket b (and one past the last): the native and
 * wasm kernels search bisect_left(noise, value) only between guide[value >> 15] and the next entry.
 */
export function fillNoiseGuide(noise: I32, guide: I32): void {
  for (let b = 0; b <= NOISE_GUIDE_BUCKETS; b++) guide[b] = bisectLeft(noise, b * 2 ** NOISE_GUIDE_SHIFT);
}
export const NOISE_GUIDE_LENGTH = NOISE_GUIDE_BUCKETS + 1;

/** Longest chunk of a job, in tokens. */
export function longestChunk(chunkStarts: I32): number {
  let longest = 0;
  for (let c = 0; c + 1 < chunkStarts.length; c++) longest = Math.max(longest, chunkStarts[c + 1] - chunkStarts[c]);
  return longest;
}

export function word2vecTrain(job: Word2VecJob, onProgress?: (jobsDone: number) => void): void {
  const kept = new Int32Array(longestChunk(job.chunkStarts));
  const reduced = new Int32Array(kept.length);
  const hidden = new Float32Array(job.dim), error = new Float32Array(job.dim);
  for (let j = 0; j < job.alphas.length; j++) {
    trainChunk(job, j, kept, reduced, hidden, error);
    onProgress?.(j + 1);
  }
}

function trainChunk(job: Word2VecJob, j: number, kept: I32, reduced: I32, hidden: Float32Array, error: Float32Array): void {
  const { tokens, keep, window } = job;
  const chunks = job.chunkStarts.length - 1, chunk = j % chunks;
  let r = job.seeds[2 * j] * TWO24 + job.seeds[2 * j + 1];
  // 1–2: subsample the chunk into `kept` (−1 still ends a sentence)
  let n = 0;
  for (let p = job.chunkStarts[chunk]; p < job.chunkStarts[chunk + 1]; p++) {
    const w = tokens[p];
    if (w >= 0 && keep) {
      const draw = Math.floor(r / 65536);
      r = lcgNext(r);
      if (keep[w] >>> 0 < draw) continue;
    }
    kept[n++] = w;
  }
  // 3: shrink each word's window
  for (let i = 0; i < n; i++) {
    if (kept[i] < 0) continue;
    reduced[i] = Math.floor(r / 65536) % window;
    r = lcgNext(r);
  }
  // 4: train sentence by sentence
  const alpha = job.alphas[j];
  for (let start = 0; start < n;) {
    let end = start;
    while (end < n && kept[end] >= 0) end++;
    for (let i = start; i < end; i++) {
      const from = Math.max(start, i - window + reduced[i]), to = Math.min(end, i + window + 1 - reduced[i]);
      if (job.mode === 'skipgram') {
        for (let c = from; c < to; c++) if (c !== i) r = trainPair(job, kept[i], job.input, kept[c] * job.dim, alpha, r, error);
      } else {
        r = trainCbow(job, kept, i, from, to, alpha, r, hidden, error);
      }
    }
    start = end + 1;
  }
}

/**
 * The negative-sampling update of one input vector v = vIn[vOff…] towards `word` (error e into
 * `error`, output rows updated); returns the generator state.
 */
function negativeSampling(job: Word2VecJob, word: number, vIn: Float32Array, vOff: number, alpha: number, r: number, error: Float32Array): number {
  const { dim, output, noise } = job;
  const noiseTotal = noise[noise.length - 1];
  error.fill(0);
  for (let d = 0; d <= job.negative; d++) {
    let target = word, label = 1;
    if (d > 0) {
      target = bisectLeft(noise, Math.floor(r / 65536) % noiseTotal);
      r = lcgNext(r);
      if (target === word) continue;
      label = 0;
    }
    const row = target * dim;
    let dot = 0;
    for (let k = 0; k < dim; k++) dot += vIn[vOff + k] * output[row + k];
    const f = Math.fround(dot);
    if (f <= -MAX_EXP || f >= MAX_EXP) continue;
    const sigma = SIGMOID_TABLE[Math.floor(Math.fround(Math.fround(f + MAX_EXP) * SIGMOID_SCALE))];
    const g = Math.fround(Math.fround(label - sigma) * alpha);
    for (let k = 0; k < dim; k++) {
      error[k] = Math.fround(error[k] + g * output[row + k]);
      output[row + k] = Math.fround(output[row + k] + g * vIn[vOff + k]);
    }
  }
  return r;
}

/** Skip-gram: the context word's vector (input row at `inOff`) learns to predict `word`. */
function trainPair(job: Word2VecJob, word: number, input: Float32Array, inOff: number, alpha: number, r: number, error: Float32Array): number {
  r = negativeSampling(job, word, input, inOff, alpha, r, error);
  for (let k = 0; k < job.dim; k++) input[inOff + k] = Math.fround(input[inOff + k] + error[k]);
  return r;
}

/** CBOW: the (mean of the) context vectors of kept[i] learn to predict it. */
function trainCbow(
  job: Word2VecJob, kept: I32, i: number, from: number, to: number, alpha: number, r: number, hidden: Float32Array, error: Float32Array,
): number {
  const { dim, input } = job;
  hidden.fill(0);
  let count = 0;
  for (let c = from; c < to; c++) {
    if (c === i) continue;
    for (let k = 0, row = kept[c] * dim; k < dim; k++) hidden[k] = Math.fround(hidden[k] + input[row + k]);
    count++;
  }
  if (count === 0) return r;
  const inverse = Math.fround(1 / count);
  if (job.cbowMean) for (let k = 0; k < dim; k++) hidden[k] = Math.fround(hidden[k] * inverse);
  r = negativeSampling(job, kept[i], hidden, 0, alpha, r, error);
  if (!job.cbowMean) for (let k = 0; k < dim; k++) error[k] = Math.fround(error[k] * inverse);
  for (let c = from; c < to; c++) {
    if (c === i) continue;
    for (let k = 0, row = kept[c] * dim; k < dim; k++) input[row + k] = Math.fround(input[row + k] + error[k]);
  }
  return r;
}
