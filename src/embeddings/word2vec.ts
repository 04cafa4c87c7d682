/**
 * Training word vectors: skip-gram or CBOW with negative sampling, the recipe of word2vec and
 * gensim (frequency-sorted vocabulary with a minimum count, subsampling of frequent words,
 * unigram^0.75 noise, a randomly shrunk window, learning rate decaying linearly from alpha to
 * minAlpha over all words of all epochs, vectors initialised U(−1/dim, 1/dim), output vectors 0).
 * The corpus is cut into chunks of about 10,000 words; the backend's word2vecTrain runs them
 * (reference/word2vec.ts states the algorithm), on all its threads with lock-free updates.
 * Same seed, backend and one thread: the same vectors; more threads race as word2vec's do.
 */
import type { Backend, Word2VecJob } from '../backend/backend.ts';
import { getBackend } from '../backend/registry.ts';
import { ValueError } from '../errors.ts';
import { Random } from '../tensor/random.ts';
import { buildVocabulary, encodeCorpus, keepThresholds, noiseTable } from './corpus.ts';
import { WordVectors } from './word-vectors.ts';

export interface Word2VecOptions {
  /** 'skipgram' (default) or 'cbow'. */
  mode?: 'skipgram' | 'cbow';
  /** Vector size (default 100). */
  dim?: number;
  /** Largest distance between a word and its context (default 5). */
  window?: number;
  /** Noise words per target (default 5). */
  negative?: number;
  /** Words seen fewer times are dropped (default 5). */
  minCount?: number;
  /** Subsampling threshold (default 1e-3; 0 keeps every word). */
  sample?: number;
  /** Learning rate at the start and the end (defaults 0.025 and 0.0001). */
  alpha?: number;
  minAlpha?: number;
  epochs?: number;
  /** CBOW: mean (default) or sum of the context vectors. */
  cbowMean?: boolean;
  /** Exponent of the noise distribution (default 0.75). */
  nsExponent?: number;
  seed?: number;
  /** Compute backend (default: the current one); its thread count is the training's. */
  backend?: Backend;
  /** Called now and then during training. */
  onProgress?: (progress: Word2VecProgress) => void;
}

export interface Word2VecProgress {
  epoch: number;
  /** Corpus words processed (all tokens, as gensim counts them) and to process in all epochs. */
  words: number;
  totalWords: number;
  wordsPerSecond: number;
}

export interface Word2VecResult {
  vectors: WordVectors;
  /** Occurrences of each word of `vectors` in the corpus. */
  counts: number[];
  /** Tokens in the corpus (rare words included) and seconds from the vocabulary scan to the end. */
  corpusWords: number;
  seconds: number;
  /** corpusWords · epochs / seconds. */
  wordsPerSecond: number;
}

export const WORD2VEC_DEFAULTS = {
  mode: 'skipgram', dim: 100, window: 5, negative: 5, minCount: 5, sample: 1e-3, alpha: 0.025, minAlpha: 0.0001,
  epochs: 5, cbowMean: true, nsExponent: 0.75, seed: 1,
} as const;

/** Words per chunk (gensim's batch_words). */
const CHUNK_WORDS = 10_000;

export function trainWord2Vec(sentences: readonly (readonly string[])[], options: Word2VecOptions = {}): Word2VecResult {
  const o = { ...WORD2VEC_DEFAULTS, ...options };
  checkOptions(o);
  const backend = options.backend ?? getBackend();
  const start = performance.now();
  const vocab = buildVocabulary(sentences, o.minCount);
  const corpus = encodeCorpus(sentences, vocab.words, CHUNK_WORDS);
  const chunks = corpus.chunkStarts.length - 1, jobs = chunks * o.epochs, V = vocab.words.length;
  const words = corpus.wordsBefore[chunks];
  const rng = new Random(o.seed);

  const own: Parameters<Backend['free']>[0][] = [];
  const put = <T extends Float32Array | Int32Array>(values: T): T => {
    const a = backend.alloc(values.length, values instanceof Int32Array ? 'int32' : 'float32') as T;
    a.set(values);
    own.push(a);
    return a;
  };
  try {
    const input = put(Float32Array.from({ length: V * o.dim }, () => (rng.next() * 2 - 1) / o.dim));
    const job: Word2VecJob = {
      mode: o.mode, cbowMean: o.cbowMean, dim: o.dim, window: o.window, negative: o.negative,
      input, output: put(new Float32Array(V * o.dim)),
      tokens: put(corpus.tokens), chunkStarts: put(corpus.chunkStarts),
      keep: o.sample > 0 ? put(keepThresholds(vocab.counts, o.sample)) : null,
      noise: put(noiseTable(vocab.counts, o.nsExponent)),
      alphas: put(Float32Array.from({ length: jobs }, (_, j) => {
        const progress = (Math.floor(j / chunks) * words + corpus.wordsBefore[j % chunks]) / (o.epochs * words);
        return Math.max(o.minAlpha, o.alpha - (o.alpha - o.minAlpha) * progress);
      })),
      seeds: put(Int32Array.from({ length: 2 * jobs }, () => rng.nextUint32() >>> 8)),
    };
    const scale = vocab.totalTokens / words;
    backend.word2vecTrain(job, options.onProgress && ((done) => {
      const processed = (Math.floor(done / chunks) * words + corpus.wordsBefore[done % chunks]) * scale;
      options.onProgress!({
        epoch: Math.min(o.epochs, Math.floor(done / chunks) + 1), words: processed, totalWords: vocab.totalTokens * o.epochs,
        wordsPerSecond: processed / ((performance.now() - start) / 1000),
      });
    }));
    const seconds = (performance.now() - start) / 1000;
    return {
      vectors: new WordVectors(vocab.words, Float32Array.from(input)),
      counts: vocab.counts,
      corpusWords: vocab.totalTokens,
      seconds,
      wordsPerSecond: (vocab.totalTokens * o.epochs) / seconds,
    };
  } finally {
    for (const a of own) backend.free(a);
  }
}

function checkOptions(o: Required<Omit<Word2VecOptions, 'backend' | 'onProgress'>>): void {
  if (o.mode !== 'skipgram' && o.mode !== 'cbow') throw new ValueError('mode', "'skipgram' or 'cbow'", JSON.stringify(o.mode));
  for (const name of ['dim', 'window', 'negative', 'minCount', 'epochs'] as const) {
    if (!Number.isInteger(o[name]) || o[name] < (name === 'negative' ? 0 : 1)) throw new ValueError(name, 'a positive integer', String(o[name]));
  }
  if (!(o.sample >= 0 && o.sample < 1)) throw new ValueError('sample', 'a number in [0, 1)', String(o.sample));
  if (!(o.alpha > 0) || !(o.minAlpha >= 0 && o.minAlpha <= o.alpha)) throw new ValueError('alpha, minAlpha', '0 ≤ minAlpha ≤ alpha, alpha > 0', `${o.alpha}, ${o.minAlpha}`);
}
