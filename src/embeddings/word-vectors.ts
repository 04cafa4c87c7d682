/**
 * WordVectors: a vocabulary and its vectors in one row-major Float32Array [size, dim], with the
 * queries users of gensim's KeyedVectors know (similarity, mostSimilar with 3CosAdd or 3CosMul,
 * doesntMatch, nearest words to any vector) and gensim's two evaluations. Words keep their order
 * (for trained or word2vec-format vectors: most frequent first, which `restrictVocab` relies on).
 */
import { UnknownWordError, ValueError } from '../errors.ts';
import { evaluateAnalogies, evaluateWordPairs, type AnalogyOptions, type AnalogyResult, type WordPairOptions, type WordPairResult } from './evaluate.ts';

/** A word, or a vector of the same dimension standing for one (as gensim accepts both). */
export type WordOrVector = string | Float32Array;

export interface MostSimilarOptions {
  positive?: WordOrVector | readonly WordOrVector[];
  negative?: WordOrVector | readonly WordOrVector[];
  /** How many words to return (default 10). */
  topn?: number;
  /** Search only the first `restrictVocab` words (the most frequent ones in frequency-sorted vectors). */
  restrictVocab?: number;
  /**
   * '3cosadd' (default): cosine to the normalised mean of the unit vectors, positive words +1,
   * negative −1 (gensim most_similar). '3cosmul': Π_pos (1 + cos)/2 / (Π_neg (1 + cos)/2 + 1e-6),
   * an empty product being 1 (Levy & Goldberg 2014; gensim most_similar_cosmul).
   */
  method?: '3cosadd' | '3cosmul';
}

export interface SimilarWord {
  word: string;
  similarity: number;
}

export class WordVectors {
  readonly dim: number;
  private readonly index = new Map<string, number>();
  private normCache: Float64Array | null = null;

  /**
   * @param words the vocabulary, one entry per row (no duplicates)
   * @param vectors row i is the vector of words[i]: words.length · dim floats
   */
  constructor(
    readonly words: readonly string[],
    readonly vectors: Float32Array,
  ) {
    if (words.length === 0) throw new ValueError('words', 'at least one word', 'an empty list');
    if (vectors.length % words.length !== 0 || vectors.length === 0) {
      throw new ValueError('vectors', `a multiple of ${words.length} floats (one row per word)`, `${vectors.length} floats`);
    }
    this.dim = vectors.length / words.length;
    words.forEach((word, i) => {
      if (this.index.has(word)) throw new ValueError('words', 'distinct words', `${JSON.stringify(word)} twice (rows ${this.index.get(word)} and ${i})`);
      this.index.set(word, i);
    });
  }

  get size(): number {
    return this.words.length;
  }

  /** Row of `word`, or −1. */
  indexOf(word: string): number {
    return this.index.get(word) ?? -1;
  }

  has(word: string): boolean {
    return this.index.has(word);
  }

  /** The vector of `word` (a view into `vectors`). */
  vector(word: string): Float32Array {
    const i = this.requireIndex(word, 'word');
    return this.vectors.subarray(i * this.dim, (i + 1) * this.dim);
  }

  /** Euclidean norm of every row (computed once, float64). */
  get norms(): Float64Array {
    if (!this.normCache) {
      const { dim, vectors } = this;
      const norms = new Float64Array(this.size);
      for (let i = 0; i < norms.length; i++) {
        let s = 0;
        for (let k = i * dim, end = k + dim; k < end; k++) s += vectors[k] * vectors[k];
        norms[i] = Math.sqrt(s);
      }
      this.normCache = norms;
    }
    return this.normCache;
  }

  /** Cosine similarity of two words. */
  similarity(a: string, b: string): number {
    const i = this.requireIndex(a, 'a'), j = this.requireIndex(b, 'b');
    return this.dotRows(i, j) / (this.norms[i] * this.norms[j]);
  }

  /** The `topn` words nearest (by cosine) to the combination of positive and negative words; the query words are left out. */
  mostSimilar(options: MostSimilarOptions): SimilarWord[] {
    const positive = asList(options.positive), negative = asList(options.negative);
    const topn = options.topn ?? 10;
    if (!Number.isInteger(topn) || topn < 1) throw new ValueError('topn', 'a positive integer', String(options.topn));
    if (positive.length === 0) throw new ValueError('positive', 'at least one word or vector', 'none');
    this.requireKnown(positive, negative);
    const exclude = new Set([...positive, ...negative].filter((w): w is string => typeof w === 'string').map((w) => this.indexOf(w)));
    const limit = this.restriction(options.restrictVocab);
    const scores = options.method === '3cosmul'
      ? this.cosMulScores(positive, negative, limit)
      : this.cosineScores(this.weightedMean(positive, negative), limit);
    return this.topWords(scores, topn, exclude);
  }

  /** The `topn` words nearest (by cosine) to a vector. */
  nearest(vector: Float32Array, options: { topn?: number; restrictVocab?: number } = {}): SimilarWord[] {
    return this.mostSimilar({ positive: [vector], ...options });
  }

  /** The word furthest from the normalised mean of the unit vectors of `words` (unknown words are ignored, as gensim does). */
  doesntMatch(words: readonly string[]): string {
    const used = words.filter((w) => this.has(w));
    if (used.length === 0) throw new UnknownWordError('words', words.length > 0 ? words : ['(none given)'], true);
    const mean = unitVector(this.weightedMean(used, []));
    let worst = used[0], worstScore = Infinity;
    for (const word of used) {
      const i = this.indexOf(word);
      const score = this.dotRow(i, mean) / this.norms[i];
      if (score < worstScore) [worst, worstScore] = [word, score];
    }
    return worst;
  }

  /** Analogy accuracy on a questions-words.txt-format text (gensim evaluate_word_analogies). */
  evaluateAnalogies(text: string, options?: AnalogyOptions): AnalogyResult {
    return evaluateAnalogies(this, text, options);
  }

  /** Spearman and Pearson correlation with human similarity judgements in a tab-separated text (gensim evaluate_word_pairs). */
  evaluateWordPairs(text: string, options?: WordPairOptions): WordPairResult {
    return evaluateWordPairs(this, text, options);
  }

  /** ⟨row i, row j⟩ in float64. */
  dotRows(i: number, j: number): number {
    const { dim, vectors } = this;
    let s = 0;
    for (let a = i * dim, b = j * dim, end = a + dim; a < end; a++, b++) s += vectors[a] * vectors[b];
    return s;
  }

  /** ⟨row i, x⟩ in float64. */
  dotRow(i: number, x: ArrayLike<number>): number {
    const { dim, vectors } = this;
    let s = 0;
    for (let k = 0, a = i * dim; k < dim; k++, a++) s += vectors[a] * x[k];
    return s;
  }

  /** The row count a restrictVocab option leaves. */
  restriction(restrictVocab: number | undefined): number {
    if (restrictVocab === undefined) return this.size;
    if (!Number.isInteger(restrictVocab) || restrictVocab < 1) throw new ValueError('restrictVocab', 'a positive integer', String(restrictVocab));
    return Math.min(restrictVocab, this.size);
  }

  private requireIndex(word: string, argument: string): number {
    const i = this.indexOf(word);
    if (i < 0) throw new UnknownWordError(argument, [word]);
    return i;
  }

  private requireKnown(positive: readonly WordOrVector[], negative: readonly WordOrVector[]): void {
    const all = [...positive, ...negative];
    for (const item of all) {
      if (typeof item !== 'string' && item.length !== this.dim) throw new ValueError('positive/negative', `vectors of ${this.dim} floats`, `${item.length} floats`);
    }
    const unknown = all.filter((w): w is string => typeof w === 'string' && !this.has(w));
    if (unknown.length === 0) return;
    throw new UnknownWordError('positive/negative', unknown, unknown.length === all.length);
  }

  /** (Σ_pos unit(v) − Σ_neg unit(v)) / (count), each word's vector normalised first (gensim get_mean_vector). */
  private weightedMean(positive: readonly WordOrVector[], negative: readonly WordOrVector[]): Float64Array {
    const mean = new Float64Array(this.dim);
    const add = (item: WordOrVector, weight: number) => {
      if (typeof item !== 'string') {
        for (let k = 0; k < this.dim; k++) mean[k] += weight * item[k];
        return;
      }
      const i = this.indexOf(item), scale = weight / this.norms[i];
      for (let k = 0, a = i * this.dim; k < this.dim; k++, a++) mean[k] += scale * this.vectors[a];
    };
    for (const item of positive) add(item, 1);
    for (const item of negative) add(item, -1);
    const total = positive.length + negative.length;
    for (let k = 0; k < this.dim; k++) mean[k] /= total;
    return mean;
  }

  /** cos(row i, mean) for i < limit. */
  private cosineScores(mean: Float64Array, limit: number): Float64Array {
    const unit = unitVector(mean), norms = this.norms, scores = new Float64Array(limit);
    for (let i = 0; i < limit; i++) scores[i] = this.dotRow(i, unit) / norms[i];
    return scores;
  }

  private cosMulScores(positive: readonly WordOrVector[], negative: readonly WordOrVector[], limit: number): Float64Array {
    const shifted = (item: WordOrVector) => {
      const cos = this.cosineScores(this.weightedMean([item], []), limit);
      return cos.map((c) => (1 + c) / 2);
    };
    const product = (items: readonly WordOrVector[]) => {
      const p = new Float64Array(limit).fill(1);
      for (const item of items) shifted(item).forEach((s, i) => (p[i] *= s));
      return p;
    };
    const numerator = product(positive), denominator = product(negative); // an empty product is 1, as numpy's
    return numerator.map((n, i) => n / (denominator[i] + 1e-6));
  }

  /** The topn best-scoring rows not in `exclude`, best first. */
  private topWords(scores: Float64Array, topn: number, exclude: ReadonlySet<number>): SimilarWord[] {
    return topIndices(scores, topn, exclude).map((i) => ({ word: this.words[i], similarity: scores[i] }));
  }
}

/** Indices of the `k` largest scores not in `exclude`, largest first (ties: lower index first). */
export function topIndices(scores: ArrayLike<number>, k: number, exclude: ReadonlySet<number> = new Set()): number[] {
  const best: number[] = [];
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i];
    if (best.length === k && !(s > scores[best[k - 1]])) continue;
    if (exclude.has(i) || Number.isNaN(s)) continue;
    let pos = best.length < k ? best.length : k - 1;
    while (pos > 0 && s > scores[best[pos - 1]]) pos--;
    best.splice(pos, 0, i);
    if (best.length > k) best.pop();
  }
  return best;
}

/** x / ‖x‖ (x itself when it is zero). */
export function unitVector(x: Float64Array): Float64Array {
  let s = 0;
  for (let k = 0; k < x.length; k++) s += x[k] * x[k];
  const norm = Math.sqrt(s);
  return norm > 0 ? x.map((v) => v / norm) : x;
}

function asList(items: WordOrVector | readonly WordOrVector[] | undefined): WordOrVector[] {
  if (items === undefined) return [];
  return typeof items === 'string' || items instanceof Float32Array ? [items] : [...items];
}
