/**
 * WordVectors against gensim 4.2 on the same vectors (test/fixtures/embeddings: small.txt/.bin and
 * gensim.json, made by make_gensim_fixture.py beside them): loading text and binary, queries,
 * both evaluations; file round trips and the line-numbered errors of bad files.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { FileFormatError, UnknownWordError } from '../src/errors.ts';
import { formatFloat32, parseDecimal, parseVectors, VectorsReader } from '../src/embeddings/formats.ts';
import { WordVectors, type MostSimilarOptions } from '../src/embeddings/word-vectors.ts';
import { loadWordVectors, saveWordVectors } from '../src/node/vectors.ts';
import { Embedding } from '../src/nn/layers.ts';
import { Random } from '../src/tensor/random.ts';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'embeddings');
const EVAL = join(import.meta.dirname, '..', 'data', 'embeddings-eval');
const gensim = JSON.parse(readFileSync(join(FIXTURES, 'gensim.json'), 'utf8'));
const questions = readFileSync(join(EVAL, 'questions-words.txt'), 'utf8');
const wordsim = readFileSync(join(EVAL, 'wordsim353.tsv'), 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'rnnkit-vectors-'));
const kv = await loadWordVectors(join(FIXTURES, 'small.txt'));

type Pairs = [string, number][];
function assertSameRanking(actual: { word: string; similarity: number }[], expected: Pairs, label: string): void {
  assert.deepEqual(actual.map((r) => r.word), expected.map((r) => r[0]), label);
  actual.forEach((r, i) => assert.ok(Math.abs(r.similarity - expected[i][1]) < 1e-5, `${label}: ${r.word} ${r.similarity} vs ${expected[i][1]}`));
}

const camel = (q: Record<string, unknown>) => ({ positive: q.positive, negative: q.negative, topn: q.topn, restrictVocab: q.restrict_vocab }) as MostSimilarOptions;

describe('WordVectors equals gensim 4.2 on the fixture', () => {
  test('text and binary files load to the same vectors', async () => {
    const binary = await loadWordVectors(join(FIXTURES, 'small.bin'));
    assert.equal(kv.size, 1507);
    assert.equal(kv.dim, 20);
    assert.deepEqual(binary.words, kv.words);
    assert.deepEqual(binary.vectors, kv.vectors);
  });

  test('analogies: accuracy and every correctly answered question, per section', () => {
    for (const [key, options] of [
      ['analogies', { restrictVocab: 30000, caseInsensitive: true }],
      ['analogies_restrict_500', { restrictVocab: 500, caseInsensitive: true }],
      ['analogies_case_sensitive', { restrictVocab: 30000, caseInsensitive: false }],
    ] as const) {
      const result = kv.evaluateAnalogies(questions, options);
      assert.equal(result.accuracy, gensim[key].accuracy, key);
      const expected = gensim[key].sections as { section: string; correct: string[][]; incorrect: number }[];
      assert.deepEqual(result.sections.map((s) => [s.section, s.correct, s.incorrect.length]), expected.map((s) => [s.section, s.correct, s.incorrect]), key);
    }
  });

  test('word pairs: Spearman, Pearson, out-of-vocabulary %', () => {
    for (const [key, options] of [['word_pairs', {}], ['word_pairs_restrict_800', { restrictVocab: 800 }]] as const) {
      const result = kv.evaluateWordPairs(wordsim, options);
      assert.ok(Math.abs(result.spearman - gensim[key].spearman) < 1e-6, `${key} spearman ${result.spearman}`);
      assert.ok(Math.abs(result.pearson - gensim[key].pearson) < 1e-6, `${key} pearson ${result.pearson}`);
      assert.ok(Math.abs(result.oovRatio - gensim[key].oov_ratio) < 1e-9, key);
    }
  });

  test('mostSimilar (3CosAdd, 3CosMul, restrictVocab), nearest, doesntMatch, similarity', () => {
    for (const { query, result } of gensim.most_similar) assertSameRanking(kv.mostSimilar(camel(query)), result, JSON.stringify(query));
    for (const { query, result } of gensim.most_similar_cosmul) {
      assertSameRanking(kv.mostSimilar({ ...camel(query), method: '3cosmul' }), result, `cosmul ${JSON.stringify(query)}`);
    }
    const { result } = gensim.similar_by_vector;
    const sum = kv.vector('peace').map((v, k) => v + kv.vector('war')[k]);
    assertSameRanking(kv.nearest(sum, { topn: 4 }), result, 'nearest');
    for (const { words, result } of gensim.doesnt_match) assert.equal(kv.doesntMatch(words), result);
    for (const { a, b, result } of gensim.similarity) assert.ok(Math.abs(kv.similarity(a, b) - result) < 1e-6);
  });
});

describe('vector files', () => {
  const small = new WordVectors(['a', 'b', 'héllo'], Float32Array.from([0.1, -2.5, 1e-7, 3, 0, -0.333333343267, 1, 2, 3]));

  test('word2vec text and binary round-trip bit for bit; GloVe and fastText .vec read', async () => {
    for (const binary of [false, true]) {
      const path = join(dir, binary ? 'rt.bin' : 'rt.txt');
      await saveWordVectors(path, small, { binary });
      const back = await loadWordVectors(path);
      assert.deepEqual(back.words, small.words);
      assert.deepEqual(back.vectors, small.vectors);
    }
    const glove = parseVectors(new TextEncoder().encode('the 0.1 0.2\nof -1 2e-3\n'));
    assert.deepEqual([glove.words, Array.from(glove.vectors)], [['the', 'of'], Array.from(Float32Array.from([0.1, 0.2, -1, 2e-3]))]);
    const vec = parseVectors(new TextEncoder().encode('2 2\nthe 0.1 0.2 \nof -1 2e-3 \n'));
    assert.deepEqual(vec.words, ['the', 'of']);
  });

  test('a stream cut into small chunks gives the same vectors', () => {
    const chunked = (bytes: Uint8Array, size: number) => {
      const reader = new VectorsReader();
      for (let i = 0; i < bytes.length; i += size) reader.push(bytes.subarray(i, i + size));
      return reader.finish();
    };
    const text = new TextEncoder().encode('3 2\nx 1.5 -2\ny 0.25 1e3\nzz 7 8');
    assert.deepEqual(Array.from(chunked(text, 1).vectors), [1.5, -2, 0.25, 1000, 7, 8]);
    const binary = readFileSync(join(FIXTURES, 'small.bin'));
    const back = chunked(binary, 777);
    assert.deepEqual([back.words, back.vectors], [kv.words, kv.vectors]);
  });

  test('decimal parsing and shortest float32 text', () => {
    const parse = (s: string) => parseDecimal(new TextEncoder().encode(s), 0, s.length);
    for (const s of ['0', '-0.5', '1e-05', '3.', '.25', '+7', '123456789012345678', '1.0000000000000002', '2.5E+30']) assert.equal(parse(s), Number(s), s);
    for (const s of ['', '-', 'abc', '1.2.3', '1e', 'nan', 'inf', '0x10']) assert.ok(Number.isNaN(parse(s)), s);
    for (const v of [0.1, -0.333333343267, 1e-7, 123.456, 3.4e38]) {
      const f = Math.fround(v), text = formatFloat32(f);
      assert.equal(Math.fround(Number(text)), f);
      assert.ok(text.length <= 14, text);
    }
    assert.equal(formatFloat32(Math.fround(0.1)), '0.1');
  });

  test('bad files: errors name the line', () => {
    const bad = (text: string, pattern: RegExp) => {
      const error = (() => { try { parseVectors(new TextEncoder().encode(text), { source: 'v.txt' }); } catch (e) { return e; } })();
      assert.ok(error instanceof FileFormatError, `${JSON.stringify(text)} should fail`);
      assert.match(error.message, pattern);
    };
    bad('3 2\na 1 2\nb 3 4\n', /v\.txt, line 4: the header promises 3 words but the file ends after 2/);
    bad('1 2\na 1 2\nb 3 4\n', /line 3: more lines than the header's count of 1/);
    bad('2 2\na 1 2\nb 3 x4\n', /line 3: "x4" \(number 2\) is not a number/);
    bad('2 3\na 1 2 3\nb 3 4\n', /line 3: expected 3 numbers after the word, got 2/);
    bad('2 2\na 1 2\nb 3 4 5\n', /line 3: expected 2 numbers after the word, got more/);
    bad('a 1 2\nb 1\n', /line 2: expected 2 numbers/);
    bad('', /line 1: the file is empty/);
  });

  test('unknown words are named; an all-unknown query says so', () => {
    assert.throws(() => kv.similarity('war', 'zzzz'), (e: Error) => e instanceof UnknownWordError && /"zzzz"/.test(e.message));
    assert.throws(() => kv.mostSimilar({ positive: ['qqq', 'war'] }), /words? not in the vocabulary: "qqq"/);
    assert.throws(() => kv.mostSimilar({ positive: ['qqq'], negative: ['rrr'] }), /positive\/negative: none of the words is in the vocabulary: "qqq", "rrr"/);
  });
});

test('Embedding.fromPretrained: known rows copied (lower-cased lookup too), others random at the vectors\' scale, freeze', () => {
  const vocab = ['<pad>', 'war', 'Peace', 'zzzunknown'];
  const table = Embedding.fromPretrained(kv, vocab, { rng: new Random(1), freeze: true });
  const row = (i: number) => Array.from(table.weight.f32.subarray(i * kv.dim, (i + 1) * kv.dim));
  assert.deepEqual(row(1), Array.from(kv.vector('war')));
  assert.deepEqual(row(2), Array.from(kv.vector('peace')));
  assert.equal(table.coverage, 2);
  const std = (xs: number[]) => Math.sqrt(xs.reduce((s, x) => s + x * x, 0) / xs.length);
  const pretrainedStd = std(Array.from(kv.vectors));
  assert.ok(std([...row(0), ...row(3)]) > pretrainedStd / 3 && std([...row(0), ...row(3)]) < pretrainedStd * 3);
  assert.equal(table.weight.requiresGrad, false);
  assert.equal(Embedding.fromPretrained(kv, vocab).weight.requiresGrad, true);
});
