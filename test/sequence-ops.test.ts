/**
 * The sequence-task layers below the models: text pipeline, length buckets, attention and pooling
 * ops (finite-difference gradient checks), the CRF (log-partition and Viterbi against enumeration of
 * every tag sequence, gradient check) and Embedding's padding row.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { gradcheck } from '../src/autograd/gradcheck.ts';
import { backward } from '../src/autograd/tape.ts';
import { Tensor, tensor, zeros } from '../src/tensor/tensor.ts';
import { Random } from '../src/tensor/random.ts';
import { mul, reshape, sum, tanh } from '../src/ops/basic.ts';
import { GRU, LSTM, RNN, type RecurrentLayer } from '../src/nn/rnn.ts';
import { indexSelect } from '../src/ops/shape.ts';
import { attend, attentionScores, maskedSoftmax, pairwiseAdd } from '../src/ops/attention.ts';
import { maxOverTime, meanOverTime } from '../src/ops/pooling.ts';
import { crfNegLogLikelihood, crfViterbi } from '../src/ops/crf.ts';
import { Embedding } from '../src/nn/layers.ts';
import { Tokenizer, Vocabulary, PAD_ID, UNK_ID, BOS_ID, EOS_ID } from '../src/data/text.ts';
import { bucketBatches } from '../src/data/batching.ts';
import { ValueError } from '../src/errors.ts';

function random(rng: Random, shape: number[], requiresGrad = true): Tensor {
  const t = zeros(shape, { requiresGrad });
  for (let i = 0; i < t.size; i++) t.f32[i] = rng.uniform(-1, 1);
  return t;
}

function check(name: string, fn: (inputs: Tensor[]) => Tensor, inputs: Tensor[]): void {
  const result = gradcheck(fn, inputs);
  assert.ok(result.ok, `${name}: max error ${result.maxError} at ${JSON.stringify(result.worst)}`);
}

describe('text pipeline', () => {
  test('char and word tokenizers, lower-casing and a token pattern', () => {
    assert.deepEqual(new Tokenizer({ kind: 'char' }).tokenize('Añ𝄞'), ['A', 'ñ', '𝄞']);
    assert.deepEqual(new Tokenizer({ kind: 'char', lowercase: true }).tokenize('AB'), ['a', 'b']);
    assert.deepEqual(new Tokenizer({ kind: 'word' }).tokenize("Don't stop, 42 times!"), ["Don't", 'stop', ',', '42', 'times', '!']);
    assert.deepEqual(new Tokenizer({ kind: 'word', lowercase: true, pattern: '[a-z]+' }).tokenize('Hello, World 7'), ['hello', 'world']);
    assert.throws(() => new Tokenizer({ kind: 'word', pattern: 'a*' }), ValueError);
    assert.throws(() => new Tokenizer({ kind: 'word', pattern: '(' }), /valid regular expression/);
  });

  test('vocabulary: specials first, by count then code point, min count and max size, <unk>', () => {
    const seqs = [['b', 'a', 'c'], ['a', 'c', 'a'], ['d']];
    const v = Vocabulary.build(seqs);
    assert.deepEqual(v.tokens, ['<pad>', '<unk>', '<s>', '</s>', 'a', 'c', 'b', 'd']);
    assert.deepEqual([PAD_ID, UNK_ID, BOS_ID, EOS_ID], [0, 1, 2, 3]);
    assert.deepEqual(Vocabulary.build(seqs, { minCount: 2 }).tokens.slice(4), ['a', 'c']);
    assert.deepEqual(Vocabulary.build(seqs, { maxSize: 1 }).tokens.slice(4), ['a']);
    assert.deepEqual([...v.encode(['a', 'zz'], { start: true, end: true })], [BOS_ID, 4, UNK_ID, EOS_ID]);
    assert.deepEqual(v.decode([BOS_ID, 4, 5, EOS_ID, 6]), ['a', 'c']);
    assert.deepEqual(Vocabulary.fromJSON(JSON.parse(JSON.stringify(v))).tokens, v.tokens);
  });

  test('a label set has no specials and names the known labels for an unknown one', () => {
    const labels = Vocabulary.build([['male', 'female', 'female']], { specials: false });
    assert.deepEqual(labels.tokens, ['female', 'male']);
    assert.throws(() => labels.idOf('other'), /label: expected one of the 2 known labels \(female, male\), got "other"/);
  });

  test('length buckets cover every index once; without a generator they are sorted by length', () => {
    const rng = new Random(3);
    const lengths = Array.from({ length: 103 }, () => 1 + rng.nextInt(40));
    const sorted = bucketBatches(lengths, 10);
    assert.deepEqual(sorted.flat(), [...sorted.flat()].sort((a, b) => lengths[a] - lengths[b] || a - b));
    const shuffled = bucketBatches(lengths, 10, new Random(1), 4);
    assert.deepEqual(shuffled.flat().sort((a, b) => a - b), lengths.map((_, i) => i));
    assert.deepEqual(bucketBatches(lengths, 10, new Random(1), 4), shuffled, 'same seed, same batches');
    // Pools of 4 batches sorted by length: each batch spans a small part of the range.
    const spread = (b: number[]) => Math.max(...b.map((i) => lengths[i])) - Math.min(...b.map((i) => lengths[i]));
    assert.ok(shuffled.reduce((s, b) => s + spread(b), 0) / shuffled.length < 15);
  });
});

describe('attention and pooling ops', () => {
  const [T, B, S, D] = [3, 2, 4, 3];
  const lengths = Int32Array.from([4, 2]);

  test('gradient checks: scores, masked softmax, context, pairwise sums', () => {
    const rng = new Random(1);
    const q = random(rng, [T, B, D]), k = random(rng, [S, B, D]), v = random(rng, [S, B, 2]);
    check('attentionScores', ([a, b]) => attentionScores(a, b), [q, k]);
    check('maskedSoftmax', ([a]) => maskedSoftmax(reshape(a, [B, T, 2]), lengths.map(() => 2).fill(1, 1)), [random(rng, [B * T * 2])]);
    check('attention chain', ([a, b, c]) => attend(maskedSoftmax(attentionScores(a, b), lengths), c), [q, k, v]);
    check('pairwiseAdd', ([a, b]) => tanh(pairwiseAdd(a, b)), [q, k]);
  });

  test('masked softmax: zero past each length, rows sum to 1', () => {
    const w = maskedSoftmax(random(new Random(2), [B, T, S], false), lengths).f32;
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        const row = Array.from(w.subarray((b * T + t) * S, (b * T + t + 1) * S));
        assert.ok(Math.abs(row.reduce((x, y) => x + y, 0) - 1) < 1e-6);
        assert.ok(row.slice(lengths[b]).every((x) => x === 0));
      }
    }
  });

  test('max and mean over the real steps, with gradients', () => {
    const rng = new Random(4);
    const x = random(rng, [S, B, D]);
    check('maxOverTime', ([a]) => maxOverTime(a, lengths), [x]);
    check('meanOverTime', ([a]) => meanOverTime(a, lengths), [x]);
    check('indexSelect', ([a]) => indexSelect(a, 1, [1, 1, 0]), [x]);
    const m = maxOverTime(x, lengths).f32, mean = meanOverTime(x, lengths).f32;
    const at = (t: number, b: number, d: number) => x.f32[(t * B + b) * D + d];
    assert.equal(m[D + 1], Math.max(at(0, 1, 1), at(1, 1, 1)), 'row 1 looks at 2 steps only');
    assert.ok(Math.abs(mean[D] - (at(0, 1, 0) + at(1, 1, 0)) / 2) < 1e-6);
  });

  test('an embedding padding row starts at zero and gets no gradient', () => {
    const emb = new Embedding(5, 3, { paddingIdx: 0, rng: new Random(0) });
    assert.deepEqual(Array.from(emb.weight.f32.subarray(0, 3)), [0, 0, 0]);
    backward(sum(emb.forward(tensor([0, 2, 0, 4], [4], { dtype: 'int32' }))));
    assert.deepEqual(Array.from(emb.weight.grad!.f32.subarray(0, 3)), [0, 0, 0]);
    assert.deepEqual(Array.from(emb.weight.grad!.f32.subarray(6, 9)), [1, 1, 1]);
  });
});

describe('linear-chain CRF', () => {
  const [T, B, K] = [4, 3, 3];
  const lengths = Int32Array.from([4, 1, 3]);

  /** Every tag sequence of a row with its score. */
  function enumerate(em: Float32Array, b: number, L: number, tr: Float32Array, st: Float32Array, en: Float32Array): [number[], number][] {
    const out: [number[], number][] = [];
    for (let code = 0; code < K ** L; code++) {
      const y = Array.from({ length: L }, (_, t) => Math.floor(code / K ** t) % K);
      let s = st[y[0]] + en[y[L - 1]];
      for (let t = 0; t < L; t++) s += em[(t * B + b) * K + y[t]] + (t > 0 ? tr[y[t - 1] * K + y[t]] : 0);
      out.push([y, s]);
    }
    return out;
  }

  test('the forward algorithm equals enumeration; Viterbi finds the best sequence', () => {
    for (const seed of [1, 2, 3]) {
      const rng = new Random(seed);
      const em = random(rng, [T, B, K], false), tr = random(rng, [K, K], false), st = random(rng, [K], false), en = random(rng, [K], false);
      const tags = Int32Array.from({ length: T * B }, () => rng.nextInt(K));
      const crf = { transitions: tr, start: st, end: en };
      let expected = 0;
      const paths = crfViterbi(em, lengths, crf);
      for (let b = 0; b < B; b++) {
        const all = enumerate(em.f32, b, lengths[b], tr.f32, st.f32, en.f32);
        const logZ = Math.log(all.reduce((s, [, v]) => s + Math.exp(v), 0));
        const gold = all.find(([y]) => y.every((v, t) => v === tags[t * B + b]))![1];
        expected += logZ - gold;
        const best = all.reduce((x, y) => (y[1] > x[1] ? y : x));
        assert.deepEqual(paths[b], best[0], `seed ${seed} row ${b}: Viterbi path`);
      }
      const nll = crfNegLogLikelihood(em, tags, lengths, crf, 'sum').item();
      assert.ok(Math.abs(nll - expected) < 1e-4 * Math.abs(expected), `seed ${seed}: ${nll} vs ${expected}`);
    }
  });

  test('gradient check of the negative log-likelihood', () => {
    const rng = new Random(7);
    const tags = Int32Array.from({ length: T * B }, () => rng.nextInt(K));
    check('crf', ([em, tr, st, en]) => crfNegLogLikelihood(em, tags, lengths, { transitions: tr, start: st, end: en }),
      [random(rng, [T, B, K]), random(rng, [K, K]), random(rng, [K]), random(rng, [K])]);
  });

  test('tags outside [0, K) are rejected with their position', () => {
    const rng = new Random(8);
    const crf = { transitions: random(rng, [K, K]), start: random(rng, [K]), end: random(rng, [K]) };
    const tags = new Int32Array(T * B).fill(5);
    assert.throws(() => crfNegLogLikelihood(random(rng, [T, B, K]), tags, lengths, crf), /tags\)\[0\]: expected a tag id in \[0, 3\), got 5/);
  });
});

describe('recurrent layers over rows of different lengths', () => {
  // RecurrentLayer sorts rows longest first and the fused op then computes only active rows, in a
  // packed layout: each row must come out as if it ran alone, unpadded — outputs, final states and
  // every gradient.
  const [T, B, I, H] = [5, 4, 3, 4];
  const lengths = [2, 5, 1, 4];
  const cases: [string, () => RecurrentLayer][] = [
    ['LSTM', () => new LSTM({ inputSize: I, hiddenSize: H, bidirectional: true, numLayers: 2, rng: new Random(1) })],
    ['GRU', () => new GRU({ inputSize: I, hiddenSize: H, bidirectional: true, rng: new Random(2) })],
    ['GRU reset-before', () => new GRU({ inputSize: I, hiddenSize: H, bidirectional: true, resetBefore: true, rng: new Random(3) })],
    ['RNN', () => new RNN({ inputSize: I, hiddenSize: H, bidirectional: true, rng: new Random(4) })],
  ];
  for (const [name, make] of cases) {
    test(`${name}: a padded batch equals each row run alone`, () => {
      const layer = make();
      const rng = new Random(9);
      const x = random(rng, [T, B, I]);
      const weights = random(rng, [T, B, 2 * H], false);
      const batched = layer.forward(x, { lengths });
      backward(sum(mul(batched.output, weights)));
      const gradX = Float32Array.from(x.grad!.f32);
      const gradW = layer.parameters().map((p) => Float32Array.from(p.grad!.f32));
      layer.zeroGrad();
      const expectedW = layer.parameters().map((p) => new Float32Array(p.size));
      for (let b = 0; b < B; b++) {
        const L = lengths[b];
        const xb = zeros([L, 1, I], { requiresGrad: true });
        for (let t = 0; t < L; t++) xb.f32.set(x.f32.subarray((t * B + b) * I, (t * B + b + 1) * I), t * I);
        const wb = zeros([L, 1, 2 * H]);
        for (let t = 0; t < L; t++) wb.f32.set(weights.f32.subarray((t * B + b) * 2 * H, (t * B + b + 1) * 2 * H), t * 2 * H);
        const alone = layer.forward(xb);
        for (let t = 0; t < T; t++) {
          const got = batched.output.f32.subarray((t * B + b) * 2 * H, (t * B + b + 1) * 2 * H);
          const want = t < L ? alone.output.f32.subarray(t * 2 * H, (t + 1) * 2 * H) : new Float32Array(2 * H);
          got.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-5, `${name} output t=${t} b=${b}`));
        }
        const hN = batched.hN.f32, layers = batched.hN.shape[0];
        for (let k = 0; k < layers; k++) {
          for (let i = 0; i < H; i++) assert.ok(Math.abs(hN[(k * B + b) * H + i] - alone.hN.f32[k * H + i]) < 1e-5, `${name} h_n`);
        }
        backward(sum(mul(alone.output, wb)));
        for (let t = 0; t < L; t++) {
          for (let i = 0; i < I; i++) assert.ok(Math.abs(gradX[(t * B + b) * I + i] - xb.grad!.f32[t * I + i]) < 1e-5, `${name} dx`);
        }
        layer.parameters().forEach((p, k) => expectedW[k].forEach((_, i) => (expectedW[k][i] += p.grad!.f32[i])));
        layer.zeroGrad();
      }
      gradW.forEach((g, k) => g.forEach((v, i) => assert.ok(Math.abs(v - expectedW[k][i]) < 1e-4, `${name} parameter ${k} element ${i}: ${v} vs ${expectedW[k][i]}`)));
    });
  }
});
