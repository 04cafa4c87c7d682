/**
 * The sequence-task models learn small synthetic tasks in a few hundred steps, and their decoding
 * paths agree with each other: beam 1 = greedy, a batched beam search = one source at a time.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { tidy } from '../src/tensor/tensor.ts';
import { Random } from '../src/tensor/random.ts';
import { backward } from '../src/autograd/tape.ts';
import { Adam } from '../src/optim/index.ts';
import { paddedBatch } from '../src/data/batching.ts';
import { PAD_ID } from '../src/data/text.ts';
import { SequenceClassifier, POOLINGS } from '../src/models/classifier.ts';
import { SequenceTagger } from '../src/models/tagger.ts';
import { Seq2Seq, pairBatch } from '../src/models/seq2seq.ts';
import { ConditionalGenerator } from '../src/models/generator.ts';
import type { Module } from '../src/nn/module.ts';
import type { Tensor } from '../src/tensor/tensor.ts';

/** Ids 4…4+n−1 (0–3 are the specials). */
const randomSeq = (rng: Random, minLen: number, maxLen: number, n: number) =>
  Int32Array.from({ length: minLen + rng.nextInt(maxLen - minLen + 1) }, () => 4 + rng.nextInt(n));

function fit(model: Module, steps: number, lr: number, loss: (step: number) => Tensor): number {
  const opt = new Adam(model.parameters(), { lr });
  let last = NaN;
  for (let s = 0; s < steps; s++) {
    tidy(() => {
      opt.zeroGrad();
      const l = loss(s);
      last = l.item();
      backward(l);
      opt.step();
    });
  }
  return last;
}

describe('SequenceClassifier', () => {
  // Label: does the sequence contain token 4? (position anywhere, lengths 2…9)
  const rng = new Random(1);
  const seqs = Array.from({ length: 256 }, () => randomSeq(rng, 2, 9, 6));
  const labels = Int32Array.from(seqs, (s) => (s.includes(4) ? 1 : 0));
  for (const pooling of POOLINGS) {
    test(`${pooling} pooling learns "contains token 4"`, () => {
      const model = new SequenceClassifier({
        vocabSize: 10, numClasses: 2, cell: 'gru', embeddingSize: 8, hiddenSize: 16, numLayers: 1, bidirectional: true, pooling, dropout: 0,
      }, { rng: new Random(2) });
      fit(model, 150, 0.02, (s) => {
        const lo = (s * 32) % 256;
        return model.loss(paddedBatch(seqs.slice(lo, lo + 32), PAD_ID), labels.slice(lo, lo + 32));
      });
      const probs = tidy(() => Array.from(model.probabilities(paddedBatch(seqs, PAD_ID)).f32));
      const correct = labels.reduce((n, y, i) => n + (probs[2 * i + y] > 0.5 ? 1 : 0), 0);
      assert.ok(correct / 256 > 0.95, `${pooling}: accuracy ${correct / 256}`);
    });
  }
});

describe('SequenceTagger', () => {
  // Tag of token x at t: 1 when the previous token equals x, else 0 (needs context).
  const rng = new Random(3);
  const seqs = Array.from({ length: 128 }, () => randomSeq(rng, 3, 8, 3));
  const tagsOf = (s: Int32Array) => Array.from(s, (x, t) => (t > 0 && s[t - 1] === x ? 1 : 0));
  for (const crf of [false, true]) {
    test(`learns "same as previous token" ${crf ? 'with a CRF (Viterbi)' : 'with softmax'}`, () => {
      const model = new SequenceTagger({ vocabSize: 7, numTags: 2, cell: 'lstm', embeddingSize: 8, hiddenSize: 12, numLayers: 1, bidirectional: true, dropout: 0, crf }, { rng: new Random(4) });
      const batchTags = (batch: Int32Array[], T: number) => {
        const tags = new Int32Array(T * batch.length);
        batch.forEach((s, b) => tagsOf(s).forEach((y, t) => (tags[t * batch.length + b] = y)));
        return tags;
      };
      fit(model, 120, 0.03, (s) => {
        const batch = seqs.slice((s * 32) % 128, (s * 32) % 128 + 32);
        const padded = paddedBatch(batch, PAD_ID);
        return model.loss(padded, batchTags(batch, padded.T));
      });
      const predicted = model.predict(paddedBatch(seqs, PAD_ID));
      let right = 0, total = 0;
      seqs.forEach((s, b) => tagsOf(s).forEach((y, t) => { right += predicted[b][t] === y ? 1 : 0; total++; }));
      assert.ok(right / total > 0.97, `accuracy ${right / total}`);
      assert.deepEqual(predicted.map((p) => p.length), seqs.map((s) => s.length));
    });
  }
});

describe('Seq2Seq', () => {
  // Reverse a sequence of 2…6 tokens.
  const rng = new Random(5);
  const sources = Array.from({ length: 256 }, () => randomSeq(rng, 2, 6, 5));
  const targets = sources.map((s) => s.slice().reverse());
  const make = (attention: 'general' | 'dot' | 'additive') => new Seq2Seq({
    sourceVocabSize: 9, targetVocabSize: 9, cell: 'lstm', embeddingSize: 12, encoderHidden: 16, encoderLayers: 1, bidirectional: true,
    decoderHidden: 32, decoderLayers: 1, attention,
  }, { rng: new Random(6) });
  const trained = new Map<string, Seq2Seq>();
  const train = (attention: 'general' | 'dot' | 'additive') => {
    const model = make(attention);
    fit(model, 250, 0.01, (s) => {
      const lo = (s * 32) % 256;
      return model.loss(pairBatch(sources.slice(lo, lo + 32), targets.slice(lo, lo + 32)));
    });
    trained.set(attention, model);
    return model;
  };

  for (const attention of ['general', 'dot', 'additive'] as const) {
    test(`${attention} attention learns to reverse; greedy output exact on most`, () => {
      const model = train(attention);
      const out = model.greedy(sources.slice(0, 64));
      const exact = out.filter((h, i) => h.tokens.join() === Array.from(targets[i]).join()).length;
      assert.ok(exact / 64 > 0.9, `${attention}: ${exact}/64 exact`);
      // attention weights: one row per output step (+ </s>) over the source, each summing to 1
      assert.equal(out[0].attention.length, out[0].tokens.length + 1);
      const row = out[0].attention[0];
      assert.equal(row.length, Math.max(...sources.slice(0, 64).map((s) => s.length)));
      assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-5);
    });
  }

  test('beam 1 equals greedy; a batched beam search equals one source at a time; beams score ≥ greedy', () => {
    const model = trained.get('general') ?? train('general');
    const few = sources.slice(0, 12);
    assert.deepEqual(model.beamSearch(few, { beam: 1 }).map((h) => h.tokens), model.greedy(few).map((h) => h.tokens));
    const batched = model.beamSearch(few, { beam: 4 });
    const single = few.map((s) => model.beamSearch([s], { beam: 4 })[0]);
    assert.deepEqual(batched.map((h) => h.tokens), single.map((h) => h.tokens));
    batched.forEach((h, i) => assert.ok(Math.abs(h.logProb - single[i].logProb) < 1e-4));
    const greedy = model.greedy(few);
    batched.forEach((h, i) => assert.ok(h.logProb >= greedy[i].logProb - 1e-5, `source ${i}: beam ${h.logProb} < greedy ${greedy[i].logProb}`));
  });

  test('maximum length and length penalty are respected', () => {
    const model = trained.get('general') ?? train('general');
    const out = model.beamSearch(sources.slice(0, 4), { beam: 3, maxLength: 2 });
    for (const h of out) assert.ok(h.tokens.length <= 2);
    assert.throws(() => model.beamSearch(sources.slice(0, 1), { beam: 0 }), /beam: expected an integer ≥ 1/);
    assert.throws(() => model.beamSearch(sources.slice(0, 1), { lengthPenalty: -1 }), /lengthPenalty/);
  });
});

describe('ConditionalGenerator', () => {
  test('samples the pattern of the chosen class', () => {
    // class 0: 4 4 4 …; class 1: 5 6 5 6 …; lengths 2…5
    const rng = new Random(7);
    const data = Array.from({ length: 128 }, (_, i) => {
      const n = 2 + rng.nextInt(4), k = i % 2;
      return { k, seq: Int32Array.from({ length: n }, (_, t) => (k === 0 ? 4 : 5 + (t % 2))) };
    });
    const model = new ConditionalGenerator({ vocabSize: 7, numClasses: 2, conditionSize: 4, cell: 'gru', embeddingSize: 8, hiddenSize: 16, numLayers: 1, dropout: 0 }, { rng: new Random(8) });
    fit(model, 150, 0.02, (s) => {
      const batch = data.slice((s * 32) % 128, (s * 32) % 128 + 32);
      return model.loss(batch.map((d) => d.seq), model.classCondition(Int32Array.from(batch, (d) => d.k)));
    });
    const zeros = model.generate(0, { count: 20, seed: 1, temperature: 0.5 });
    const alternating = model.generate(1, { count: 20, seed: 1, temperature: 0.5 });
    assert.ok(zeros.filter((s) => s.length > 0 && s.every((x) => x === 4)).length >= 18, JSON.stringify(zeros));
    assert.ok(alternating.filter((s) => s.length > 0 && s.every((x, t) => x === 5 + (t % 2))).length >= 18, JSON.stringify(alternating));
    assert.deepEqual(model.generate(1, { count: 3, seed: 9 }), model.generate(1, { count: 3, seed: 9 }), 'same seed, same samples');
    assert.throws(() => model.generate(2), /classes\[0\]: expected a class id in \[0, 2\), got 2/);
  });
});
