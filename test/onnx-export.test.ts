/**
 * ONNX export: every character-model kind (LSTM, GRU, RNN with tanh and relu, one and two layers,
 * an LSTM with Keras' hard-sigmoid gates)
 * as a sequence graph and as a step graph with the states as inputs and outputs, run in ONNX
 * Runtime and compared with rnnkit (relative error ≤ 1e-5); the same files read back by loadOnnx.
 * Sequence classifiers (last and mean pooling) and taggers over padded batches of rows of
 * different lengths, against rnnkit's logits and emissions in ONNX Runtime; seq2seq models as an
 * encoder graph and a decoder-step graph with attention, fed step by step.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import ort from 'onnxruntime-node';
import { CharLM, type CharLMConfig } from '../src/models/charlm.ts';
import { CharVocab } from '../src/data/vocab.ts';
import { GRU, LSTM, RNN, type RecurrentLayer } from '../src/nn/rnn.ts';
import { exportOnnx } from '../src/io/onnx/export.ts';
import { loadOnnx } from '../src/io/onnx/model.ts';
import { onnxTensor } from '../src/io/onnx/tensor.ts';
import { Random } from '../src/tensor/random.ts';
import { tensor } from '../src/tensor/tensor.ts';
import { noGrad } from '../src/autograd/tape.ts';
import { ValueError } from '../src/errors.ts';
import { relativeError } from './reference/cases.ts';
import { TextClassifier } from '../src/models/text-classifier.ts';
import { TextTagger } from '../src/models/text-tagger.ts';
import { paddedBatch } from '../src/data/batching.ts';
import { Translator } from '../src/models/translator.ts';

ort.env.logLevel = 'error';

const vocab = CharVocab.fromText('the quick brown fox jumps over the lazy dog');
const [T, B] = [7, 3];
const ids = Array.from({ length: T * B }, (_, i) => (i * 5 + 3) % vocab.size);
const int64 = (values: number[], dims: number[]): ort.Tensor => new ort.Tensor('int64', BigInt64Array.from(values.map(BigInt)), dims);

/** Layers CharLM does not build (relu units, Keras-style activations), swapped in with the same shapes. */
const OTHER_LAYERS = {
  relu: (layers: number): RecurrentLayer => new RNN({ inputSize: 6, hiddenSize: 8, numLayers: layers, nonlinearity: 'relu', rng: new Random(5) }),
  keras: (layers: number): RecurrentLayer => new LSTM({
    inputSize: 6, hiddenSize: 8, numLayers: layers, rng: new Random(6),
    activations: [{ name: 'hardSigmoid' }, { name: 'tanh' }, { name: 'softsign' }],
  }),
  relu6: (layers: number): RecurrentLayer => new GRU({ inputSize: 6, hiddenSize: 8, numLayers: layers, activations: [{ name: 'sigmoid' }, { name: 'relu6' }] }),
};

function model(config: Partial<CharLMConfig>, other?: keyof typeof OTHER_LAYERS): CharLM {
  const lm = new CharLM(vocab, { cell: 'lstm', embeddingSize: 6, hiddenSize: 8, numLayers: 2, dropout: 0, sequences: false, ...config }, { rng: new Random(4) });
  if (other) Object.defineProperty(lm.net, 'rnn', { value: OTHER_LAYERS[other](lm.config.numLayers) });
  return lm;
}

const KINDS: [string, Partial<CharLMConfig>, (keyof typeof OTHER_LAYERS)?][] = [
  ['lstm 2 layers', { cell: 'lstm' }],
  ['gru 2 layers', { cell: 'gru' }],
  ['rnn tanh 1 layer', { cell: 'rnn', numLayers: 1 }],
  ['rnn relu 2 layers', { cell: 'rnn' }, 'relu'],
  ['lstm with hard-sigmoid gates and softsign output', { cell: 'lstm' }, 'keras'],
];

test('sequence graphs run in ONNX Runtime and give rnnkit\'s logits and final states', async () => {
  for (const [label, config, other] of KINDS) {
    const lm = model(config, other);
    const expected = noGrad(() => lm.net.forward(tensor(ids, [T, B], { dtype: 'int32' })));
    const bytes = exportOnnx(lm, { graph: 'sequence' });
    const session = await ort.InferenceSession.create(bytes);
    const out = await session.run({ ids: int64(ids, [T, B]) });
    assert.deepEqual(out.logits.dims, [T, B, vocab.size]);
    assert.ok(relativeError(out.logits.data as Float32Array, expected.logits.f32) <= 1e-5, `${label}: logits`);
    assert.ok(relativeError(out.h_n.data as Float32Array, expected.state.h.f32) <= 1e-5, `${label}: h_n`);
    if (expected.state.c) assert.ok(relativeError(out.c_n.data as Float32Array, expected.state.c.f32) <= 1e-5, `${label}: c_n`);
    const back = loadOnnx(bytes).run({ ids: onnxTensor('int64', [T, B], ids) });
    assert.ok(relativeError(back.logits.data, expected.logits.f32) <= 1e-5, `${label}: read back by loadOnnx`);
  }
});

test('step graphs, fed one token at a time with their own states, follow the sequence', async () => {
  for (const [label, config, other] of KINDS) {
    const lm = model(config, other);
    const expected = noGrad(() => lm.net.forward(tensor(ids, [T, B], { dtype: 'int32' })));
    const session = await ort.InferenceSession.create(exportOnnx(lm, { graph: 'step' }));
    const { numLayers: L, hiddenSize: H } = lm.net.rnn;
    const V = vocab.size;
    let h: Float32Array = new Float32Array(L * B * H), c: Float32Array = new Float32Array(L * B * H);
    for (let t = 0; t < T; t++) {
      const feeds: Record<string, ort.Tensor> = { ids: int64(ids.slice(t * B, (t + 1) * B), [B]), h: new ort.Tensor('float32', h, [L, B, H]) };
      if (lm.config.cell === 'lstm') feeds.c = new ort.Tensor('float32', c, [L, B, H]);
      const out = await session.run(feeds);
      const err = relativeError(out.logits.data as Float32Array, expected.logits.f32.subarray(t * B * V, (t + 1) * B * V));
      assert.ok(err <= 1e-5, `${label}: step ${t} relative error ${err}`);
      h = out.h_next.data as Float32Array;
      if (lm.config.cell === 'lstm') c = out.c_next.data as Float32Array;
    }
  }
});

test('the vocabulary and configuration travel in the metadata; a bad opset or graph, an activation ONNX lacks: ValueErrors', () => {
  const lm = model({ cell: 'gru', numLayers: 1 });
  const meta = JSON.parse(loadOnnx(exportOnnx(lm, { graph: 'step', opset: 14 })).metadata.rnnkit);
  assert.equal(meta.kind, 'charlm');
  assert.equal(meta.graph, 'step');
  assert.deepEqual(meta.config, lm.config);
  assert.deepEqual(CharVocab.fromJSON(meta.vocab).decode(vocab.encode('lazy dog')), 'lazy dog');
  assert.throws(() => exportOnnx(lm, { opset: 13 }), ValueError);
  assert.throws(() => exportOnnx(lm, { graph: 'stream' }), ValueError);
  assert.throws(() => exportOnnx(model({ cell: 'gru' }, 'relu6')), /activations ONNX's GRU operator has .*relu6/);
});

const SENTENCES = ['the cat sat', 'a dog ran far away', 'the fox', 'cats and dogs and foxes sat on the mat', 'away'];

/** A padded batch of SENTENCES through `encode`, as ONNX Runtime feeds (ids int64 [T, B], lengths int32 [B]). */
function feeds(encode: (text: string) => Int32Array) {
  const batch = paddedBatch(SENTENCES.map(encode), 0);
  const feed = { ids: int64(Array.from(batch.tokens), [batch.T, batch.batch]), lengths: new ort.Tensor('int32', Int32Array.from(batch.lengths), [batch.batch]) };
  return { batch, feed };
}

test('classifiers (last and mean pooling, uni- and bidirectional, stacked) and taggers export to graphs ONNX Runtime runs to rnnkit\'s numbers', async () => {
  const examples = SENTENCES.map((text, i) => ({ text, label: i % 2 ? 'odd' : 'even' }));
  for (const [cell, pooling, bidirectional, numLayers] of [['gru', 'last', true, 1], ['lstm', 'mean', true, 2], ['rnn', 'last', false, 2], ['lstm', 'mean', false, 1]] as const) {
    const label = `classifier ${cell} ${pooling} ${bidirectional ? 'bi' : 'uni'} ${numLayers}`;
    const model = TextClassifier.build(examples, { kind: 'word' }, { cell, pooling, bidirectional, numLayers, embeddingSize: 6, hiddenSize: 5, dropout: 0 }, { seed: 3 });
    const { batch, feed } = feeds((t) => model.encode(t).ids);
    const expected = model.module.inference(() => model.module.forward(batch).logits.f32.slice());
    const out = await (await ort.InferenceSession.create(exportOnnx(model))).run(feed);
    assert.deepEqual(out.logits.dims, [SENTENCES.length, 2], label);
    assert.ok(relativeError(out.logits.data as Float32Array, expected) <= 1e-5, `${label}: logits`);
  }
  const attention = TextClassifier.build(examples, { kind: 'word' }, { pooling: 'attention', embeddingSize: 4, hiddenSize: 4 }, { seed: 3 });
  assert.throws(() => exportOnnx(attention), /"last" or "mean" pooling .*"attention"/);

  const sentences = SENTENCES.map((text) => ({ tokens: text.split(' '), tags: text.split(' ').map((w) => (w.length > 3 ? 'LONG' : 'SHORT')) }));
  for (const [cell, crf] of [['lstm', false], ['gru', true]] as const) {
    const tagger = TextTagger.build(sentences, { cell, crf, numLayers: 2, embeddingSize: 6, hiddenSize: 5, dropout: 0 }, { seed: 4 });
    const { batch, feed } = feeds((t) => tagger.encode(t.split(' ')));
    const expected = tagger.module.inference(() => tagger.module.emissions(batch).f32.slice());
    const out = await (await ort.InferenceSession.create(exportOnnx(tagger))).run(feed);
    const { T, batch: B, lengths } = batch, K = tagger.module.config.numTags;
    assert.deepEqual(out.emissions.dims, [T, B, K]);
    // compare the real tokens only (rnnkit's padded positions are not defined)
    const real = (e: Float32Array) => Float32Array.from(Array.from({ length: T * B * K }, (_, i) => i).filter((i) => Math.floor(i / (B * K)) < lengths[Math.floor(i / K) % B]), (i) => e[i]);
    assert.ok(relativeError(real(out.emissions.data as Float32Array), real(expected)) <= 1e-5, `tagger ${cell}${crf ? ' + CRF' : ''}: emissions`);
  }
});

test('seq2seq models export as an encoder and a decoder step with attention that ONNX Runtime runs, step by step, to rnnkit\'s logits, states and weights', async () => {
  const pairs = SENTENCES.map((source) => ({ source, target: [...source].reverse().join('') }));
  const tokenizers = { source: { kind: 'char' as const }, target: { kind: 'char' as const } };
  for (const [cell, attention, bidirectional, decoderLayers] of [['lstm', 'general', true, 1], ['gru', 'additive', false, 2], ['lstm', 'dot', true, 2]] as const) {
    const label = `seq2seq ${cell} ${attention} ${bidirectional ? 'bi' : 'uni'} decoder ${decoderLayers}`;
    const hidden = 6;
    const translator = Translator.build(pairs, tokenizers, {
      cell, attention, bidirectional, decoderLayers, embeddingSize: 5, encoderHidden: hidden, decoderHidden: bidirectional ? 2 * hidden : hidden,
    }, { seed: 7 });
    const net = translator.module;
    const batch = paddedBatch(SENTENCES.map((t) => translator.encodeSource(t).ids), 0);
    const { T: S, batch: B, lengths } = batch;
    const encoder = await (await ort.InferenceSession.create(exportOnnx(translator, { graph: 'encoder' }))).run({
      src: int64(Array.from(batch.tokens), [S, B]), src_lengths: new ort.Tensor('int32', Int32Array.from(lengths), [B]),
    });
    const decoder = await ort.InferenceSession.create(exportOnnx(translator, { graph: 'decoder_step' }));
    const targets = Array.from({ length: 4 }, (_, t) => Array.from({ length: B }, (_, b) => 1 + ((t * 3 + b) % (net.config.targetVocabSize - 1))));
    net.inference(() => {
      const encoded = net.encode(batch.tokens, S, lengths);
      assert.ok(relativeError(encoder.h.data as Float32Array, encoded.h.f32) <= 1e-5, `${label}: initial h`);
      return null;
    });
    let h = encoder.h, c = encoder.c;
    for (let t = 0; t < targets.length; t++) {
      const expected = net.inference(() => {
        const encoded = net.encode(batch.tokens, S, lengths);
        const result = net.decode(Int32Array.from(targets.slice(0, t + 1).flat()), t + 1, encoded, encoded.h, encoded.c);
        const V = net.config.targetVocabSize;
        return { logits: result.logits.f32.slice(t * B * V, (t + 1) * B * V), h: result.h.f32.slice(), weights: result.weights.f32.slice() };
      });
      const feed: Record<string, ort.Tensor> = { ids: int64(targets[t], [B]), h, values: encoder.values, keys: encoder.keys, src_lengths: new ort.Tensor('int32', Int32Array.from(lengths), [B]) };
      if (c) feed.c = c;
      const out = await decoder.run(feed);
      assert.ok(relativeError(out.logits.data as Float32Array, expected.logits) <= 1e-5, `${label}: step ${t} logits`);
      assert.ok(relativeError(out.h_next.data as Float32Array, expected.h) <= 1e-5, `${label}: step ${t} h`);
      // rnnkit's weights [B, T, S]: this step's row of each
      const stepWeights = Float32Array.from({ length: B * S }, (_, i) => expected.weights[(Math.floor(i / S) * (t + 1) + t) * S + (i % S)]);
      assert.ok(relativeError(out.attention.data as Float32Array, stepWeights) <= 1e-5, `${label}: step ${t} attention`);
      h = out.h_next;
      if (c) c = out.c_next;
    }
  }
});
