/**
 * Bad input at the public API gets a typed error (ShapeError / ValueError) naming the argument, the
 * expected and the actual value; nothing crashes and nothing turns into NaN.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor, full, tensor, zeros } from '../src/tensor/tensor.ts';
import { backward } from '../src/autograd/tape.ts';
import { sum } from '../src/ops/basic.ts';
import { crossEntropy } from '../src/ops/softmax.ts';
import { embedding } from '../src/ops/embedding.ts';
import { Embedding } from '../src/nn/layers.ts';
import { GRU, LSTM, RNN } from '../src/nn/rnn.ts';
import { GRUCell, LSTMCell, RNNCell, SimplifiedGRUCell } from '../src/nn/cells.ts';
import { dynamicRNN } from '../src/nn/dynamic-rnn.ts';
import { ShapeError, ValueError } from '../src/errors.ts';

type ErrorClass = typeof ShapeError | typeof ValueError;

/** fn throws `kind` for `argument`, its expected text containing `expected` and its actual text `actual`. */
function throwsTyped(fn: () => unknown, kind: ErrorClass, argument: string, expected: string, actual: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof kind, `expected a ${kind.name}, got ${e}`);
    assert.equal(e.argument, argument, e.message);
    assert.ok(e.expected.includes(expected), `expected part "${e.expected}" lacks "${expected}"`);
    assert.equal(e.actual, actual, e.message);
    for (const part of [argument, expected, actual]) assert.ok(e.message.includes(part), `message "${e.message}" lacks "${part}"`);
    return true;
  });
}

const [T, B, I, H] = [5, 2, 3, 4];
const lstm = new LSTM({ inputSize: I, hiddenSize: H });

test('recurrent layers: wrong input rank, feature size, state shapes', () => {
  throwsTyped(() => lstm.forward(zeros([T, I])), ShapeError, 'input', 'rank 3', '[5, 3] (rank 2)');
  throwsTyped(() => lstm.forward(zeros([T, B, I + 1])), ShapeError, 'input', '[T, B, 3]', '[5, 2, 4]');
  throwsTyped(() => new GRU({ inputSize: I, hiddenSize: H, batchFirst: true }).forward(zeros([B, T, 1])), ShapeError, 'input', '[B, T, 3]', '[2, 5, 1]');
  throwsTyped(() => lstm.forward(zeros([T, B, I]), { h0: zeros([1, B + 1, H]) }), ShapeError, 'h0', '[1, 2, 4]', '[1, 3, 4]');
  throwsTyped(() => lstm.forward(zeros([T, B, I]), { c0: zeros([2, B, H]) }), ShapeError, 'c0', '[1, 2, 4]', '[2, 2, 4]');
  throwsTyped(() => new RNN({ inputSize: I, hiddenSize: H }).forward(zeros([T, B, I]), { c0: zeros([1, B, H]) }), ShapeError, 'c0', 'only an LSTM', '[1, 2, 4]');
});

test('recurrent layers: lengths longer than T, below 1, not integers, or of the wrong count', () => {
  const x = zeros([T, B, I]);
  throwsTyped(() => lstm.forward(x, { lengths: [6, 2] }), ValueError, 'lengths[0]', '[1, 5]', '6');
  throwsTyped(() => lstm.forward(x, { lengths: [3, 0] }), ValueError, 'lengths[1]', '[1, 5]', '0');
  throwsTyped(() => lstm.forward(x, { lengths: [-1, 2] }), ValueError, 'lengths[0]', '[1, 5]', '-1');
  throwsTyped(() => lstm.forward(x, { lengths: [2.5, 2] }), ValueError, 'lengths[0]', 'integer', '2.5');
  throwsTyped(() => lstm.forward(x, { lengths: [2 ** 32 + 2, 2] }), ValueError, 'lengths[0]', '[1, 5]', '4294967298');
  throwsTyped(() => lstm.forward(x, { lengths: [1, 2, 3] }), ShapeError, 'lengths', '2 lengths', '3');
});

test('cells: wrong input rank, feature size and state shape', () => {
  const cell = new RNNCell({ inputSize: I, hiddenSize: H });
  throwsTyped(() => cell.forward(zeros([1, B, I]), cell.zeroState(B)), ShapeError, 'input', 'rank 2', '[1, 2, 3] (rank 3)');
  throwsTyped(() => cell.forward(zeros([B, I + 2]), cell.zeroState(B)), ShapeError, 'input', '[2, 3]', '[2, 5]');
  throwsTyped(() => cell.forward(zeros([B, I]), zeros([B, H + 1])), ShapeError, 'state', '[2, 4]', '[2, 5]');
  throwsTyped(() => new GRUCell({ inputSize: I, hiddenSize: H }).forward(zeros([B, I]), zeros([B + 1, H])), ShapeError, 'state', '[2, 4]', '[3, 4]');
  throwsTyped(() => new SimplifiedGRUCell({ inputSize: I, hiddenSize: H }).forward(zeros([B, I]), zeros([H])), ShapeError, 'state', '[2, 4]', '[4]');
  const lstmCell = new LSTMCell({ inputSize: I, hiddenSize: H });
  throwsTyped(() => lstmCell.forward(zeros([B, I]), { h: zeros([B, H]), c: zeros([B, 1]) }), ShapeError, 'state.c', '[2, 4]', '[2, 1]');
  const missingC = { h: zeros([B, H]) } as unknown as { h: Tensor; c: Tensor };
  throwsTyped(() => lstmCell.forward(zeros([B, I]), missingC), ValueError, 'state.c', 'a tensor [2, 4]', 'undefined');
  throwsTyped(() => lstmCell.forward(zeros([B, I]), zeros([B, H]) as unknown as { h: Tensor; c: Tensor }), ValueError, 'state', 'an object {h, c}', 'a tensor [2, 4]');
  throwsTyped(() => new RNNCell({ inputSize: I, hiddenSize: H, nonlinearity: 'sigmoid' as 'tanh' }), ValueError, 'nonlinearity', '"tanh" or "relu"', '"sigmoid"');
  throwsTyped(() => new LSTMCell({ inputSize: 0, hiddenSize: H }), ValueError, 'inputSize', 'a positive integer', '0');
});

test('dynamicRNN: wrong rank, feature size, initial state, lengths', () => {
  const cell = new LSTMCell({ inputSize: I, hiddenSize: H });
  const x = zeros([B, T, I]);
  throwsTyped(() => dynamicRNN(cell, zeros([B, I])), ShapeError, 'x', 'rank 3 [B, T, features]', '[2, 3] (rank 2)');
  throwsTyped(() => dynamicRNN(cell, zeros([B, T, 2])), ShapeError, 'x', '[B ≥ 1, T ≥ 1, 3]', '[2, 5, 2]');
  throwsTyped(() => dynamicRNN(cell, zeros([T, B, 2]), { timeMajor: true }), ShapeError, 'x', '[T ≥ 1, B ≥ 1, 3]', '[5, 2, 2]');
  throwsTyped(() => dynamicRNN(cell, zeros([B, 0, I])), ShapeError, 'x', 'T ≥ 1', '[2, 0, 3]');
  throwsTyped(() => dynamicRNN(cell, x, { initialState: { h: zeros([B, H]), c: zeros([B + 1, H]) } }), ShapeError, 'initialState.c', '[2, 4]', '[3, 4]');
  const asTensor = zeros([B, H]) as unknown as { h: Tensor; c: Tensor };
  throwsTyped(() => dynamicRNN(cell, x, { initialState: asTensor }), ValueError, 'initialState', 'an object {h, c} of tensors', 'a tensor [2, 4]');
  const gru = new GRUCell({ inputSize: I, hiddenSize: H });
  throwsTyped(() => dynamicRNN(gru, x, { initialState: zeros([1, B, H]) }), ShapeError, 'initialState', '[2, 4]', '[1, 2, 4]');
  throwsTyped(() => dynamicRNN(gru, x, { lengths: [T + 1, 1] }), ValueError, 'lengths[0]', '[1, 5]', '6');
  throwsTyped(() => dynamicRNN(gru, x, { lengths: [1, 0] }), ValueError, 'lengths[1]', '[1, 5]', '0');
  throwsTyped(() => dynamicRNN(gru, x, { lengths: [1] }), ShapeError, 'lengths', '2 lengths', '1');
});

test('token ids: non-integers from a JS array or a float tensor, and ids out of the embedding\'s range', () => {
  const emb = new Embedding(5, 3);
  // ids from a JS array become an int32 tensor: a non-integer is refused there
  throwsTyped(() => tensor([0, 1.5, 2], [3], { dtype: 'int32' }), ValueError, 'values[1]', 'an integer', '1.5');
  // a float tensor is not taken as token ids at all
  throwsTyped(() => emb.forward(tensor([0, 1, 2])), ValueError, 'embedding(ids)', 'an int32 tensor', 'a float32 tensor');
  throwsTyped(() => emb.forward(tensor([0, 5, 1], [3], { dtype: 'int32' })), ValueError, 'embedding(ids)[1]', '[0, 5)', '5');
  throwsTyped(() => embedding(tensor([[1, -1]], [1, 2], { dtype: 'int32' }), emb.weight), ValueError, 'embedding(ids)[1]', '[0, 5)', '-1');
});

test('cross-entropy: targets out of range, of the wrong count or dtype', () => {
  const logits = zeros([3, 4]);
  const ids = (values: number[]) => tensor(values, [values.length], { dtype: 'int32' });
  throwsTyped(() => crossEntropy(logits, ids([0, 4, 1])), ValueError, 'crossEntropy(targets)[1]', '[0, 4)', '4');
  throwsTyped(() => crossEntropy(logits, ids([0, 1, -2])), ValueError, 'crossEntropy(targets)[2]', '[0, 4)', '-2');
  throwsTyped(() => crossEntropy(logits, ids([0, 1])), ShapeError, 'crossEntropy(targets)', '3 class ids', '[2]');
  throwsTyped(() => crossEntropy(logits, tensor([0, 1, 2])), ValueError, 'crossEntropy(targets)', 'an int32 tensor', 'a float32 tensor');
});

const finite = (t: Tensor | null): boolean => t !== null && t.toArray().every(Number.isFinite);

test('no NaN: extreme inputs through every layer, cell and the loss give finite values and gradients', () => {
  for (const value of [1e4, -1e30]) {
    const layers = [new RNN({ inputSize: I, hiddenSize: H }), lstm, new GRU({ inputSize: I, hiddenSize: H, resetBefore: true })];
    for (const layer of layers) {
      layer.zeroGrad();
      const x = full([T, B, I], value, { requiresGrad: true });
      const { output, hN } = layer.forward(x, { lengths: [T, 2] });
      backward(sum(output));
      assert.ok(finite(output) && finite(hN) && finite(x.grad), `${layer.mode} with inputs ${value}`);
      assert.ok(layer.parameters().every((p) => finite(p.grad)), `${layer.mode} gradients with inputs ${value}`);
    }
    const cell = new SimplifiedGRUCell({ inputSize: I, hiddenSize: H });
    const { outputs } = dynamicRNN(cell, full([B, T, I], value), { lengths: [1, T] });
    backward(sum(outputs));
    assert.ok(finite(outputs) && cell.parameters().every((p) => finite(p.grad)), `SimplifiedGRUCell with inputs ${value}`);

    const logits = full([2, 3], value, { requiresGrad: true });
    logits.f32[1] = -value;
    const loss = crossEntropy(logits, tensor([1, 2], [2], { dtype: 'int32' }));
    backward(loss);
    assert.ok(finite(loss) && finite(logits.grad), `crossEntropy with logits ±${value}`);
  }
});

test('a failed call leaves the layer usable', () => {
  assert.throws(() => lstm.forward(zeros([T, B, I]), { lengths: [9, 9] }), ValueError);
  const { output } = lstm.forward(full([T, B, I], 0.5), { lengths: [3, T] });
  assert.deepEqual(output.shape, [T, B, H]);
  assert.ok(finite(output));
});
