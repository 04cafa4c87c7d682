/**
 * Drawing the next token from one row of logits: softmax with temperature, optional top-k and
 * nucleus (top-p) filtering, then a categorical draw with a seeded generator; or greedy argmax.
 */
import { Random, globalRandom } from '../tensor/random.ts';
import { ValueError, positiveInteger } from '../errors.ts';

export interface SamplingOptions {
  /** Divides the logits before the softmax: < 1 sharpens, > 1 flattens. Default 1; must be > 0. */
  temperature?: number;
  /** Keep only the k most probable tokens (k ≥ 1; larger than the vocabulary means all). */
  topK?: number;
  /** Keep the smallest set of most probable tokens whose probability sums to ≥ p, p in (0, 1]. */
  topP?: number;
}

/** Index of the largest logit (the first one on ties). */
export function greedy(logits: ArrayLike<number>): number {
  checkLogits(logits);
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
  return best;
}

/** Draws a token id from softmax(logits / temperature), filtered by topK then topP. */
export function sampleNext(logits: ArrayLike<number>, options: SamplingOptions = {}, rng: Random = globalRandom): number {
  const { temperature = 1, topK, topP } = options;
  checkTemperature(temperature);
  if (topK !== undefined) positiveInteger('topK', topK);
  if (topP !== undefined && !(topP > 0 && topP <= 1)) throw new ValueError('topP', 'a number in (0, 1]', String(topP));
  const weights = softmaxWeights(logits, temperature);
  if ((topK !== undefined && topK < weights.length) || (topP !== undefined && topP < 1)) {
    keepMostProbable(weights, topK ?? weights.length, topP ?? 1);
  }
  return rng.categorical(weights);
}

/** softmax(logits / temperature) in float64 (the distribution `sampleNext` draws from before filtering). */
export function probabilities(logits: ArrayLike<number>, temperature = 1): Float64Array {
  checkTemperature(temperature);
  const weights = softmaxWeights(logits, temperature);
  let total = 0;
  for (const w of weights) total += w;
  for (let i = 0; i < weights.length; i++) weights[i] /= total;
  return weights;
}

/** Unnormalised softmax weights exp((x − max) / temperature) in float64. */
function softmaxWeights(logits: ArrayLike<number>, temperature: number): Float64Array {
  const max = logits[greedy(logits)];
  const weights = new Float64Array(logits.length);
  for (let i = 0; i < logits.length; i++) weights[i] = Math.exp((logits[i] - max) / temperature);
  return weights;
}

/**
 * Zeroes every weight outside the k largest, then outside the smallest prefix (in decreasing
 * order, ties by index) of the survivors whose share of their total reaches p.
 */
function keepMostProbable(weights: Float64Array, k: number, p: number): void {
  const order = Array.from(weights.keys()).sort((a, b) => weights[b] - weights[a] || a - b);
  const kept = Math.min(k, order.length);
  let total = 0;
  for (let r = 0; r < kept; r++) total += weights[order[r]];
  let cumulative = 0;
  let rank = 0;
  while (rank < kept && cumulative < p * total) cumulative += weights[order[rank++]];
  for (let r = rank; r < order.length; r++) weights[order[r]] = 0;
}

function checkTemperature(temperature: number): void {
  if (!(temperature > 0 && temperature < Infinity)) throw new ValueError('temperature', 'a finite number > 0', String(temperature));
}

/** Rejects an empty row, NaN, +∞, or a row with no finite logit. */
function checkLogits(logits: ArrayLike<number>): void {
  let finite = false;
  for (let i = 0; i < logits.length; i++) {
    const x = logits[i];
    if (Number.isNaN(x) || x === Infinity) throw new ValueError(`logits[${i}]`, 'a number < +∞', String(x));
    if (x > -Infinity) finite = true;
  }
  if (!finite) throw new ValueError('logits', 'at least one finite value', logits.length === 0 ? 'an empty row' : 'only −∞');
}
