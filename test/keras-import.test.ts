/**
 * TensorFlow.js / Keras import: models built and saved with @tensorflow/tfjs (Embedding, SimpleRNN,
 * LSTM, GRU, Bidirectional with each merge mode, Dense, TimeDistributed, go_backwards, hard-sigmoid
 * and sigmoid gates) give TensorFlow.js's predictions once loaded; a reset_after GRU — which
 * TensorFlow.js cannot build, Keras writes it — is checked against Keras' equations in tfjs ops;
 * files on disk with several weight shards load; bad model.json files are one-line errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadTfjsModel, type TfjsModelJson } from '../src/io/keras/tfjs.ts';
import { loadTfjsModelFile } from '../src/node/tfjs.ts';
import { noGrad } from '../src/autograd/tape.ts';
import { ModelFormatError } from '../src/errors.ts';
import { relativeError } from './reference/cases.ts';

/** The model.json and weight bytes model.save() writes. */
async function saved(model: tf.LayersModel): Promise<{ json: TfjsModelJson; weights: Uint8Array }> {
  let artifacts: tf.io.ModelArtifacts | null = null;
  await model.save(tf.io.withSaveHandler(async (a) => {
    artifacts = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  const a = artifacts!;
  const json = { modelTopology: a.modelTopology, weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: a.weightSpecs! }], format: 'layers-model' };
  return { json: json as TfjsModelJson, weights: new Uint8Array(a.weightData as ArrayBuffer) };
}

const bias = { biasInitializer: 'randomNormal' } as const;
const ids = [[1, 2, 3, 4, 5, 6], [9, 8, 7, 0, 1, 1]];
const floats = Array.from({ length: 2 }, (_, b) => Array.from({ length: 6 }, (_, t) => Array.from({ length: 3 }, (_, f) => Math.sin(1 + b * 7 + t * 3 + f))));

const MODELS: [string, () => tf.LayersModel, number[][] | number[][][]][] = [
  ['Embedding → Bidirectional(GRU, concat) → LSTM (hard sigmoid) → SimpleRNN → TimeDistributed(Dense softmax)', () => tf.sequential({
    layers: [
      tf.layers.embedding({ inputDim: 10, outputDim: 4, inputLength: 6 }),
      tf.layers.bidirectional({ layer: tf.layers.gru({ units: 3, returnSequences: true, ...bias }) as tf.RNN, mergeMode: 'concat' }),
      tf.layers.lstm({ units: 5, returnSequences: true, ...bias }),
      tf.layers.simpleRNN({ units: 4, returnSequences: true, ...bias }),
      tf.layers.timeDistributed({ layer: tf.layers.dense({ units: 6, activation: 'softmax' }) }),
    ],
  }), ids],
  ['Embedding → Bidirectional(LSTM sigmoid, sum), last state → Dropout → Dense tanh', () => tf.sequential({
    layers: [
      tf.layers.embedding({ inputDim: 10, outputDim: 4, inputLength: 6 }),
      tf.layers.bidirectional({ layer: tf.layers.lstm({ units: 3, recurrentActivation: 'sigmoid', ...bias }) as tf.RNN, mergeMode: 'sum' }),
      tf.layers.dropout({ rate: 0.5 }),
      tf.layers.dense({ units: 2, activation: 'tanh' }),
    ],
  }), ids],
  ['features → GRU go_backwards (sigmoid) → Bidirectional(SimpleRNN relu, ave) → Bidirectional(GRU, mul) → Dense', () => tf.sequential({
    layers: [
      tf.layers.gru({ units: 4, returnSequences: true, goBackwards: true, recurrentActivation: 'sigmoid', inputShape: [6, 3], ...bias }),
      tf.layers.bidirectional({ layer: tf.layers.simpleRNN({ units: 3, activation: 'relu', returnSequences: true, ...bias }) as tf.RNN, mergeMode: 'ave' }),
      tf.layers.bidirectional({ layer: tf.layers.gru({ units: 2, ...bias }) as tf.RNN, mergeMode: 'mul' }),
      tf.layers.dense({ units: 3 }),
    ],
  }), floats],
];

test('models saved by TensorFlow.js give its predictions after import', async () => {
  for (const [label, build, input] of MODELS) {
    const model = build();
    const expected = (model.predict(input === ids ? tf.tensor2d(ids, undefined, 'int32') : tf.tensor3d(floats)) as tf.Tensor).dataSync();
    const { json, weights } = await saved(model);
    const imported = loadTfjsModel(JSON.stringify(json), weights);
    const got = noGrad(() => imported.predict(input));
    assert.deepEqual(got.shape, (model.outputs[0].shape as number[]).map((d, i) => d ?? [2, 6][i]));
    const err = relativeError(got.f32, expected);
    assert.ok(err <= 1e-5, `${label}: relative error ${err}`);
  }
});

test('a Keras GRU with reset_after (which TensorFlow.js cannot build) follows Keras\' equations', () => {
  const [T, I, H] = [6, 3, 4];
  const seeded = (shape: number[], seed: number): tf.Tensor => tf.randomNormal(shape, 0, 0.5, 'float32', seed);
  const kernel = seeded([I, 3 * H], 1), recurrent = seeded([H, 3 * H], 2), biases = seeded([2, 3 * H], 3);
  const topology = {
    class_name: 'Sequential', keras_version: '2.15.0',
    config: { name: 'sequential', layers: [{ class_name: 'GRU', config: {
      name: 'gru', units: H, activation: 'tanh', recurrent_activation: 'sigmoid', use_bias: true, reset_after: true,
      return_sequences: true, batch_input_shape: [null, T, I],
    } }] },
  };
  const specs = [['gru/gru_cell/kernel', kernel], ['gru/gru_cell/recurrent_kernel', recurrent], ['gru/gru_cell/bias', biases]] as const;
  const data = new Float32Array(specs.flatMap(([, t]) => Array.from(t.dataSync())));
  const json = { modelTopology: topology, weightsManifest: [{ paths: ['w.bin'], weights: specs.map(([name, t]) => ({ name, shape: t.shape, dtype: 'float32' })) }] };
  const model = loadTfjsModel(json as TfjsModelJson, new Uint8Array(data.buffer));
  const got = noGrad(() => model.predict(floats));
  // Keras GRUCell, reset_after=True: x·W + b_in and h·U + b_rec split into z, r, h blocks;
  // z, r = σ(x_· + inner_·); hh = tanh(x_h + r ⊙ inner_h); h = z ⊙ h' + (1 − z) ⊙ hh.
  const x = tf.tensor3d(floats);
  let h = tf.zeros([2, H]);
  const outputs: tf.Tensor[] = [];
  const [bIn, bRec] = tf.split(biases, 2, 0).map((b) => b.reshape([3 * H]));
  for (let t = 0; t < T; t++) {
    const xt = x.slice([0, t, 0], [2, 1, I]).reshape([2, I]);
    const [xz, xr, xh] = tf.split(tf.add(tf.matMul(xt, kernel), bIn), 3, 1);
    const [iz, ir, ih] = tf.split(tf.add(tf.matMul(h, recurrent), bRec), 3, 1);
    const z = tf.sigmoid(tf.add(xz, iz)), r = tf.sigmoid(tf.add(xr, ir));
    const hh = tf.tanh(tf.add(xh, tf.mul(r, ih)));
    h = tf.add(tf.mul(z, h), tf.mul(tf.sub(1, z), hh));
    outputs.push(h);
  }
  const expected = tf.stack(outputs, 1).dataSync();
  assert.ok(relativeError(got.f32, expected) <= 1e-5, `relative error ${relativeError(got.f32, expected)}`);
});

test('model.json with weights in several shard files loads from disk', async () => {
  const [label, build, input] = MODELS[1];
  const model = build();
  const expected = (model.predict(tf.tensor2d(input as number[][], undefined, 'int32')) as tf.Tensor).dataSync();
  const { json, weights } = await saved(model);
  const dir = mkdtempSync(join(tmpdir(), 'rnnkit-tfjs-'));
  try {
    const cut = 4 * Math.floor(weights.length / 8);
    writeFileSync(join(dir, 'a.bin'), weights.subarray(0, cut));
    writeFileSync(join(dir, 'b.bin'), weights.subarray(cut));
    json.weightsManifest![0].paths = ['a.bin', 'b.bin'];
    writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
    const got = noGrad(() => loadTfjsModelFile(join(dir, 'model.json')).predict(input));
    assert.ok(relativeError(got.f32, expected) <= 1e-5, label);
    writeFileSync(join(dir, 'b.bin'), weights.subarray(cut, weights.length - 8));
    assert.throws(() => loadTfjsModelFile(join(dir, 'model.json')), /fewer than the manifest lists \(truncated\?\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an unknown layer, masking, a non-JSON file: one-line ModelFormatErrors naming the problem', async () => {
  const oneLine = (fn: () => unknown, pattern: RegExp): void => {
    assert.throws(fn, (e: unknown) => e instanceof ModelFormatError && !e.message.includes('\n') && pattern.test(e.message), String(pattern));
  };
  const conv = tf.sequential({ layers: [tf.layers.conv1d({ filters: 2, kernelSize: 2, inputShape: [6, 3] })] });
  const a = await saved(conv);
  oneLine(() => loadTfjsModel(a.json, a.weights), /layer 'conv1d_Conv1D\d+' has class Conv1D, which rnnkit does not import/);
  const masked = tf.sequential({ layers: [tf.layers.embedding({ inputDim: 5, outputDim: 2, maskZero: true, inputLength: 3 }), tf.layers.lstm({ units: 2 })] });
  const b = await saved(masked);
  oneLine(() => loadTfjsModel(b.json, b.weights), /mask_zero = true is not supported/);
  oneLine(() => loadTfjsModel('{"modelTopology": ', new Uint8Array(0)), /model.json is not JSON/);
  oneLine(() => loadTfjsModel('{"format": "graph-model"}', new Uint8Array(0)), /no modelTopology/);
});
