/** The fused sequence ops allocate a fixed set of buffers per call, whatever the sequence length. */
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
