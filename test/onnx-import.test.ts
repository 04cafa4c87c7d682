/**
 * ONNX import: ONNX's own RNN / LSTM / GRU node tests (generated from python3-onnx into
 * test/fixtures/onnx/node) and models exported by PyTorch (test/fixtures/onnx/torch) pass as
 * backend tests; every attribute of the recurrent operators agrees with ONNX Runtime on random
 * single-node models (layout = 1, which ONNX Runtime refuses, against layout = 0); bad files and
 * unsupported operators are one-line ModelFormatErrors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import ort from 'onnxruntime-node';
import { runOnnxTestDirectory } from '../src/node/onnx.ts';
import { loadOnnx } from '../src/io/onnx/model.ts';
import { GraphBuilder, type AttributeValue } from '../src/io/onnx/builder.ts';
import { onnxTensor, type OnnxTensor } from '../src/io/onnx/tensor.ts';
import { ModelFormatError } from '../src/errors.ts';
import { Random } from '../src/tensor/random.ts';
import { relativeError } from './reference/cases.ts';

ort.env.logLevel = 'error';
const FIXTURES = new URL('./fixtures/onnx/', import.meta.url).pathname;

const NODE_TESTS = [
  'test_gru_batchwise', 'test_gru_defaults', 'test_gru_seq_length', 'test_gru_with_initial_bias',
  'test_lstm_batchwise', 'test_lstm_defaults', 'test_lstm_with_initial_bias', 'test_lstm_with_peepholes',
  'test_rnn_seq_length', 'test_simple_rnn_batchwise', 'test_simple_rnn_defaults', 'test_simple_rnn_with_initial_bias',
];

test("ONNX's RNN, LSTM and GRU node tests pass (all twelve, layout = 1 included)", () => {
  assert.deepEqual(readdirSync(`${FIXTURES}node`).sort(), NODE_TESTS);
  for (const name of NODE_TESTS) {
    const result = runOnnxTestDirectory(`${FIXTURES}node/${name}`);
    assert.ok(result.passed, `${name}: ${result.error}`);
    assert.ok(result.maxAbsError! < 1e-6, `${name}: max error ${result.maxAbsError}`);
  }
});

test('models exported by PyTorch (embeddings, stacked and bidirectional layers, packed batches, initial states) give PyTorch\'s outputs', () => {
  const names = readdirSync(`${FIXTURES}torch`).sort();
  assert.equal(names.length, 9);
  for (const name of names) {
    const result = runOnnxTestDirectory(`${FIXTURES}torch/${name}`);
    assert.ok(result.passed, `${name}: ${result.error}`);
  }
});

type Kind = 'RNN' | 'LSTM' | 'GRU';
interface Case {
  kind: Kind;
  attributes?: Record<string, AttributeValue>;
  lengths?: boolean;
  states?: boolean;
  peepholes?: boolean;
}

const [T, B, I, H] = [5, 3, 4, 6];

/** A single-node model and its random feeds. */
function singleNode(c: Case, seed: number, layout = 0): { bytes: Uint8Array; feeds: Record<string, OnnxTensor>; outputs: string[] } {
  const rng = new Random(seed);
  const rand = (dims: number[], s = 0.5): OnnxTensor => onnxTensor('float32', dims, Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => rng.normal() * s));
  const direction = c.attributes?.direction;
  const D = direction && 'string' in direction && direction.string === 'bidirectional' ? 2 : 1;
  const G = { RNN: 1, LSTM: 4, GRU: 3 }[c.kind];
  const g = new GraphBuilder('case');
  const feeds: Record<string, OnnxTensor> = {};
  const feed = (name: string, t: OnnxTensor): string => {
    feeds[name] = t;
    return g.input(name, t.type, t.dims);
  };
  const x = rand([T, B, I], 1), h0 = rand([D, B, H]), c0 = rand([D, B, H]);
  const swap = (t: OnnxTensor): OnnxTensor => {
    if (layout === 0) return t;
    const [a, b, d] = t.dims, out = onnxTensor('float32', [b, a, d]);
    for (let i = 0; i < a; i++) for (let j = 0; j < b; j++) out.data.set(t.data.subarray((i * b + j) * d, (i * b + j + 1) * d), (j * a + i) * d);
    return out;
  };
  const inputs = [feed('X', swap(x)), feed('W', rand([D, G * H, I])), feed('R', rand([D, G * H, H])), feed('B', rand([D, 2 * G * H]))];
  inputs.push(c.lengths ? feed('sequence_lens', onnxTensor('int32', [B], [5, 2, 4])) : '');
  inputs.push(c.states ? feed('initial_h', swap(h0)) : '');
  if (c.kind === 'LSTM') inputs.push(c.states ? feed('initial_c', swap(c0)) : '', c.peepholes ? feed('P', rand([D, 3 * H])) : '');
  while (inputs[inputs.length - 1] === '') inputs.pop();
  const outputs = g.node(c.kind, inputs, c.kind === 'LSTM' ? ['Y', 'Y_h', 'Y_c'] : ['Y', 'Y_h'], { hidden_size: { int: H }, layout: { int: layout }, ...c.attributes });
  const dims = layout === 0 ? [[T, D, B, H], [D, B, H], [D, B, H]] : [[B, T, D, H], [B, D, H], [B, D, H]];
  outputs.forEach((o, i) => g.output(o, o, 'float32', dims[i]));
  return { bytes: g.build({ opset: 14 }), feeds, outputs };
}

const bidirectional: Record<string, AttributeValue> = { direction: { string: 'bidirectional' } };
const CASES: Case[] = [
  ...(['RNN', 'LSTM', 'GRU'] as Kind[]).flatMap((kind) => ['forward', 'reverse', 'bidirectional'].map((d) => ({
    kind, attributes: { direction: { string: d } }, lengths: true, states: true,
  }))),
  { kind: 'LSTM', attributes: bidirectional, lengths: true, states: true, peepholes: true },
  { kind: 'LSTM', attributes: { ...bidirectional, input_forget: { int: 1 }, clip: { float: 0.7 } }, states: true },
  { kind: 'LSTM', attributes: { activations: { strings: ['HardSigmoid', 'LeakyRelu', 'Softsign'] }, activation_alpha: { floats: [0.3, 0.2] }, activation_beta: { floats: [0.4] } }, lengths: true, peepholes: true },
  { kind: 'GRU', attributes: { ...bidirectional, linear_before_reset: { int: 1 } }, lengths: true, states: true },
  { kind: 'GRU', attributes: { activations: { strings: ['Elu', 'Softplus'] }, clip: { float: 1.1 }, linear_before_reset: { int: 1 } }, lengths: true },
  { kind: 'RNN', attributes: { ...bidirectional, activations: { strings: ['Relu', 'ScaledTanh'] }, activation_alpha: { floats: [1.5] }, activation_beta: { floats: [0.5] } }, lengths: true },
  { kind: 'RNN', attributes: { activations: { strings: ['Affine'] }, activation_alpha: { floats: [0.5] }, activation_beta: { floats: [0.1] } } },
];

test('every direction, sequence_lens, initial states, peepholes, input_forget, clip, linear_before_reset and activation agree with ONNX Runtime', async () => {
  for (const [k, c] of CASES.entries()) {
    const { bytes, feeds, outputs } = singleNode(c, k);
    const mine = loadOnnx(bytes).run(feeds);
    const session = await ort.InferenceSession.create(bytes);
    const theirs = await session.run(Object.fromEntries(Object.entries(feeds).map(([n, t]) => [n, new ort.Tensor(t.type, t.data as Float32Array | Int32Array, [...t.dims])])));
    for (const o of outputs) {
      assert.deepEqual(mine[o].dims, theirs[o].dims, `case ${k} ${o}`);
      const err = relativeError(mine[o].data, theirs[o].data as Float32Array);
      assert.ok(err < 1e-5, `case ${k} (${c.kind} ${JSON.stringify(c.attributes)}) ${o}: relative error ${err}`);
    }
  }
});

test('layout = 1 gives the transposed results of layout = 0', () => {
  for (const [k, c] of CASES.slice(0, 9).entries()) {
    const [a, b] = [0, 1].map((layout) => {
      const { bytes, feeds, outputs } = singleNode(c, k, layout);
      return { out: loadOnnx(bytes).run(feeds), outputs };
    });
    const D = a.out.Y.dims[1];
    for (let t = 0; t < T; t++) for (let d = 0; d < D; d++) for (let r = 0; r < B; r++) for (let j = 0; j < H; j++) {
      assert.equal(b.out.Y.data[((r * T + t) * D + d) * H + j], a.out.Y.data[((t * D + d) * B + r) * H + j]);
    }
    for (const o of a.outputs.slice(1)) {
      for (let d = 0; d < D; d++) for (let r = 0; r < B; r++) for (let j = 0; j < H; j++) {
        assert.equal(b.out[o].data[(r * D + d) * H + j], a.out[o].data[(d * B + r) * H + j]);
      }
    }
  }
});

test('the protobuf descriptor is the one generated from the official onnx.proto beside it', () => {
  const r = spawnSync(process.execPath, [new URL('../scripts/generate-onnx-proto.mjs', import.meta.url).pathname, '--check'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});

test('a truncated file, a file of another kind, an unsupported operator or attribute: one-line ModelFormatErrors', () => {
  const model = readFileSync(`${FIXTURES}node/test_lstm_defaults/model.onnx`);
  const oneLine = (fn: () => unknown, pattern: RegExp): void => {
    assert.throws(fn, (e: unknown) => e instanceof ModelFormatError && !e.message.includes('\n') && pattern.test(e.message), String(pattern));
  };
  oneLine(() => loadOnnx(model.subarray(0, model.length - 20)), /truncated or not ONNX|not an ONNX model/);
  oneLine(() => loadOnnx(new TextEncoder().encode('{"modelTopology": {"class_name": "Sequential"}}')), /not ONNX|not an ONNX model/);
  oneLine(() => loadOnnx(new Uint8Array(0)), /not an ONNX model/);
  const g = new GraphBuilder('bad');
  g.output(g.node('Conv', [g.input('x', 'float32', [1, 1, 3, 3]), g.input('w', 'float32', [1, 1, 1, 1])])[0], 'y', 'float32', []);
  oneLine(() => loadOnnx(g.build({ opset: 14 })), /Conv node 'Conv': operator 'Conv' is not supported/);
  const bad = (attributes: Record<string, AttributeValue>): Uint8Array => {
    const b = new GraphBuilder('bad');
    const ins = ['X', 'W', 'R'].map((n) => b.input(n, 'float32', []));
    b.output(b.node('LSTM', ins, ['Y'], { hidden_size: { int: 2 }, ...attributes })[0], 'Y', 'float32', []);
    return b.build({ opset: 14 });
  };
  oneLine(() => loadOnnx(bad({ activations: { strings: ['ThresholdedRelu', 'Tanh', 'Tanh'] } })), /activation 'ThresholdedRelu' is not supported/);
  oneLine(() => loadOnnx(bad({ direction: { string: 'sideways' } })), /direction 'sideways'/);
  oneLine(() => loadOnnx(bad({ frobnicate: { int: 1 } })), /attribute frobnicate not supported/);
  oneLine(() => loadOnnx(bad({ activations: { strings: ['Tanh'] } })), /expected 3/);
});

test('the operators around recurrent layers agree with ONNX Runtime (opset 11 and 14 semantics)', async () => {
  for (const opset of [11, 14]) {
    const rng = new Random(opset);
    const g = new GraphBuilder('ops');
    const feeds: Record<string, OnnxTensor> = {
      x: onnxTensor('float32', [2, 3, 4], Array.from({ length: 24 }, () => rng.normal())),
      w: onnxTensor('float32', [3, 4, 5], Array.from({ length: 60 }, () => rng.normal())),
      b: onnxTensor('float32', [4], Array.from({ length: 4 }, () => rng.uniform(0.5, 2))),
    };
    const [x, w, b] = Object.entries(feeds).map(([name, t]) => g.input(name, t.type, t.dims));
    const i64 = (v: number[]): string => g.initializer('c', onnxTensor('int64', [v.length], v));
    const one = (op: string, inputs: string[], attributes: Record<string, AttributeValue> = {}): string => g.node(op, inputs, 1, attributes)[0];
    const t = one('Transpose', [x], { perm: { ints: [1, 0, 2] } }); // [3, 2, 4]
    const s = one('Softmax', [t], { axis: { int: opset < 13 ? 1 : 0 } });
    const arith = one('Neg', [one('Div', [one('Sub', [one('Mul', [s, b]), t]), b])]);
    const acts = one('Add', [one('Tanh', [arith]), one('Mul', [one('Sigmoid', [arith]), one('Relu', [one('Log', [one('Exp', [arith])])])])]);
    const [left, right] = g.node('Split', opset < 13 ? [acts] : [acts, i64([1, 3])], 2, { axis: { int: 2 }, ...(opset < 13 ? { split: { ints: [1, 3] } } : {}) });
    const joined = one('Concat', [right, one('Dropout', [left])], { axis: { int: 2 } });
    const product = one('MatMul', [joined, w]); // [3, 2, 5] batched
    const flat = one('Flatten', [one('Identity', [product])], { axis: { int: 2 } }); // [6, 5]
    const squeezed = one('Squeeze', opset < 13 ? [one('Unsqueeze', [flat], { axes: { ints: [0] } })] : [one('Unsqueeze', [flat, i64([0])]), i64([0])], opset < 13 ? { axes: { ints: [0] } } : {});
    const last = one('LogSoftmax', [one('Reshape', [squeezed, i64([3, -1])])], opset < 13 ? {} : { axis: { int: 0 } });
    g.output(last, 'y', 'float32', [3, 10]);
    g.output(one('Gemm', [squeezed, one('Reshape', [one('Slice', [w, i64([0, 0]), i64([1, 1]), i64([0, 1])]), i64([1, 5])])], { transB: { int: 1 }, alpha: { float: 0.5 } }), 'z', 'float32', [6, 1]);
    const bytes = g.build({ opset });
    const mine = loadOnnx(bytes).run(feeds);
    const session = await ort.InferenceSession.create(bytes);
    const theirs = await session.run(Object.fromEntries(Object.entries(feeds).map(([n, v]) => [n, new ort.Tensor('float32', v.data as Float32Array, [...v.dims])])));
    for (const o of ['y', 'z']) {
      assert.deepEqual(mine[o].dims, theirs[o].dims, `opset ${opset} ${o}`);
      assert.ok(relativeError(mine[o].data, theirs[o].data as Float32Array) < 1e-5, `opset ${opset} ${o}: ${relativeError(mine[o].data, theirs[o].data as Float32Array)}`);
    }
  }
});
