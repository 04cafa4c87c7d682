/**
 * The fused sequence ops allocate a fixed set of buffers per call, whatever the sequence length, and
 * never read the padding past a row's length.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Backend, DType } from '../src/backend/backend.ts';
import { ReferenceBackend } from '../src/backend/reference/index.ts';
import { tensor, tidy } from '../src/tensor/tensor.ts';
import { Random } from '../src/tensor/random.ts';
import { backward } from '../src/autograd/tape.ts';
import { sum } from '../src/ops/basic.ts';
import { recurrentSequence, type RecurrentMode } from '../src/ops/recurrent.ts';
import { LSTM, GRU, RNN } from '../src/nn/rnn.ts';

/** A reference backend that counts allocations. */
function countingBackend(): Backend & { allocations: number } {
  const backend = Object.assign(new ReferenceBackend(), { allocations: 0 });
  const alloc = backend.alloc.bind(backend);
  backend.alloc = ((n: number, dtype: DType) => {
    backend.allocations++;
    return alloc(n, dtype);
  }) as Backend['alloc'];
  return backend;
}

function allocationsFor(mode: RecurrentMode, T: number, resetBefore = false): number {
  const backend = countingBackend();
  const options = { inputSize: 3, hiddenSize: 4, backend, rng: new Random(1) };
  const layer = mode === 'LSTM' ? new LSTM(options) : mode === 'GRU' ? new GRU({ ...options, resetBefore }) : new RNN(options);
  const w = layer.layerWeights(0);
  const rng = new Random(2);
  const x = tensor(Array.from({ length: T * 2 * 3 }, () => rng.normal()), [T, 2, 3], { backend });
  x.requiresGrad = true;
  backend.allocations = 0;
  tidy(() => {
    const { output, h } = recurrentSequence(mode, x, w, null, null, { lengths: Int32Array.of(T, Math.max(1, T - 2)), reverse: true, resetBefore });
    backward(sum(output));
    return h;
  });
  return backend.allocations;
}

for (const [mode, resetBefore] of [['RNN_TANH', false], ['LSTM', false], ['GRU', false], ['GRU', true]] as const) {
  test(`${mode}${resetBefore ? ' reset-before' : ''}: no allocation inside the time loop (same count for T = 3 and T = 40)`, () => {
    assert.equal(allocationsFor(mode, 40, resetBefore), allocationsFor(mode, 3, resetBefore));
  });
}

test('padding past a row\'s length (even NaN) changes no output and no gradient', () => {
  const backend = new ReferenceBackend();
  const [T, B, I] = [5, 3, 4];
  const lengths = Int32Array.of(5, 2, 3);
  const run = (pad: number) => {
    const layer = new LSTM({ inputSize: I, hiddenSize: 3, backend, rng: new Random(1) });
    const rng = new Random(2);
    const values = Array.from({ length: T * B * I }, (_, i) => {
      const v = rng.normal();
      const t = Math.floor(i / (B * I)), b = Math.floor(i / I) % B;
      return t < lengths[b] ? v : pad;
    });
    const x = tensor(values, [T, B, I], { backend });
    x.requiresGrad = true;
    const { output } = recurrentSequence('LSTM', x, layer.layerWeights(0), null, null, { lengths });
    backward(sum(output));
    return [output, x.grad!, ...layer.parameters().map((p) => p.grad!)].map((t) => Array.from(t.f32.subarray(0, t.size)));
  };
  const withZeros = run(0), withNaN = run(Number.NaN);
  assert.ok(withNaN.every((a) => a.every(Number.isFinite)), 'no NaN reaches an output or a gradient');
  assert.deepEqual(withNaN, withZeros);
});
