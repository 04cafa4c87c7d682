/**
 * Word2vec training: the SOTU vocabulary, subsampling thresholds and noise table equal gensim's
 * (test/fixtures/embeddings/gensim.json); the wasm and native kernels equal the reference kernel
 * with one thread (to float rounding) and are deterministic; with two threads (lock-free) they
 * learn as well.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ReferenceBackend } from '../src/backend/reference/index.ts';
import { createWasmBackend } from '../src/backend/wasm/index.ts';
import { loadNativeBackend } from '../src/backend/native/index.ts';
import { buildVocabulary, keepThresholds, noiseTable } from '../src/embeddings/corpus.ts';
import { trainWord2Vec, type Word2VecOptions } from '../src/embeddings/word2vec.ts';
import type { WordVectors } from '../src/embeddings/word-vectors.ts';
import { loadSentences } from '../src/node/word-corpora.ts';
import { Random } from '../src/tensor/random.ts';

const gensim = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'embeddings', 'gensim.json'), 'utf8')).sotu_vocabulary;
const sotu = await loadSentences('sotu');
const reference = new ReferenceBackend();
const wasm1 = await createWasmBackend({ threads: 1 });
const wasm2 = await createWasmBackend({ threads: 2 });
const native1 = loadNativeBackend({ threads: 1 });
const native2 = loadNativeBackend({ threads: 2 });
/** The backends with a word2vec kernel of their own, with one thread and with two. */
const KERNELS = [['wasm', wasm1, wasm2], ['native', native1, native2]] as const;
after(() => {
  for (const [, one, two] of KERNELS) {
    one.close();
    two.close();
  }
});

function relativeDifference(a: Float32Array, b: Float32Array): number {
  let d = 0, s = 0;
  for (let i = 0; i < a.length; i++) {
    d += (a[i] - b[i]) ** 2;
    s += b[i] ** 2;
  }
  return Math.sqrt(d / s);
}

/** Sentences of 10 words, each drawn from one of 8 topics of 12 words, plus 4 words common to all. */
function topicCorpus(sentences: number, rng: Random): { sentences: string[][]; topicOf: Map<string, number> } {
  const topicOf = new Map<string, number>();
  for (let t = 0; t < 8; t++) for (let w = 0; w < 12; w++) topicOf.set(`t${t}w${w}`, t);
  const common = ['the', 'a', 'of', 'and'];
  return {
    topicOf,
    sentences: Array.from({ length: sentences }, () => {
      const t = rng.nextInt(8);
      return Array.from({ length: 10 }, () => (rng.next() < 0.2 ? common[rng.nextInt(4)] : `t${t}w${rng.nextInt(12)}`));
    }),
  };
}

/** Share of topic words whose nearest word is of the same topic. */
function topicAccuracy(vectors: WordVectors, topicOf: Map<string, number>): number {
  let right = 0;
  for (const [word, topic] of topicOf) {
    const nearest = vectors.mostSimilar({ positive: [word], topn: 1 })[0].word;
    if (topicOf.get(nearest) === topic) right++;
  }
  return right / topicOf.size;
}

describe('word2vec', () => {
  test('SOTU vocabulary, subsampling thresholds and noise table equal gensim 4.2', () => {
    const vocab = buildVocabulary(sotu, 5);
    assert.equal(vocab.totalTokens, gensim.corpus_words);
    assert.equal(vocab.words.length, gensim.size);
    assert.deepEqual(vocab.words.slice(0, 30), gensim.words);
    assert.deepEqual(vocab.counts.slice(0, 30), gensim.counts);
    assert.deepEqual(Array.from(keepThresholds(vocab.counts, 1e-3).subarray(0, 30), (k) => k >>> 0), gensim.sample_int);
    const noise = noiseTable(vocab.counts, 0.75);
    assert.deepEqual([...noise.subarray(0, 30), noise[noise.length - 1]], gensim.cum_table);
  });

  for (const [name, one] of KERNELS) {
    for (const mode of ['skipgram', 'cbow'] as const) {
      test(`${mode}: the ${name} kernel with one thread equals the reference kernel`, () => {
        const options: Word2VecOptions = { mode, epochs: 1, dim: 32, seed: 3 };
        const sentences = sotu.slice(0, 1500);
        const a = trainWord2Vec(sentences, { ...options, backend: reference }).vectors;
        const b = trainWord2Vec(sentences, { ...options, backend: one }).vectors;
        const again = trainWord2Vec(sentences, { ...options, backend: one }).vectors;
        assert.deepEqual(b.words, a.words);
        assert.ok(relativeDifference(b.vectors, a.vectors) < 1e-4, `relative difference ${relativeDifference(b.vectors, a.vectors)}`);
        assert.deepEqual(again.vectors, b.vectors);
      });
    }
  }

  test('two threads with lock-free updates learn the topics as well as one', () => {
    const { sentences, topicOf } = topicCorpus(3000, new Random(5));
    for (const mode of ['skipgram', 'cbow'] as const) {
      const options: Word2VecOptions = { mode, dim: 16, epochs: 3, sample: 0, minCount: 1, seed: 2 };
      const one = topicAccuracy(trainWord2Vec(sentences, { ...options, backend: reference }).vectors, topicOf);
      for (const [name, , two] of KERNELS) {
        const accuracy = topicAccuracy(trainWord2Vec(sentences, { ...options, backend: two }).vectors, topicOf);
        assert.ok(one >= 0.95 && accuracy >= 0.95, `${mode}: topic accuracy ${one} (reference, 1 thread), ${accuracy} (${name}, 2 threads)`);
      }
    }
  });

  test('progress is reported and bad options are named', () => {
    for (const [, , two] of KERNELS) {
      const seen: number[] = [];
      trainWord2Vec(sotu.slice(0, 500), { epochs: 2, dim: 8, backend: two, onProgress: (p) => seen.push(p.words) });
      assert.ok(seen.length >= 2 && seen.every((w, i) => i === 0 || w >= seen[i - 1]), JSON.stringify(seen));
    }
    assert.throws(() => trainWord2Vec(sotu.slice(0, 10), { window: 0 }), /window: expected a positive integer, got 0/);
    assert.throws(() => trainWord2Vec(sotu.slice(0, 10), { minCount: 1e9 }), /minCount: .*no word is left/);
    assert.throws(() => trainWord2Vec(sotu.slice(0, 10), { mode: 'glove' as never }), /mode: expected 'skipgram' or 'cbow'/);
  });
});
