/**
 * Finite-difference gradient checks of the recurrent layers (fused, hand-written backward) and of
 * cells stepped by dynamicRNN, with respect to the input, the initial states and every parameter.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gradcheck } from '../src/autograd/gradcheck.ts';
import { Tensor, zeros } from '../src/tensor/tensor.ts';
import { Random } from '../src/tensor/random.ts';
import { add, linear, mul, reshape, sigmoid, sub, tanh } from '../src/ops/basic.ts';
import { concat } from '../src/ops/shape.ts';
import { GRU, LSTM, RNN, type RNNOptions, type RecurrentLayer } from '../src/nn/rnn.ts';
import { SimplifiedGRUCell, type Cell } from '../src/nn/cells.ts';
import { dynamicRNN } from '../src/nn/dynamic-rnn.ts';

const [T, B, I, H] = [4, 3, 2, 2];

/**
 * U(−1, 1) values from the test's own generator, so a test's numbers do not depend on the others.
 * ReLU has a kink at 0 where central differences are wrong: the seeds keep every pre-activation
 * farther than eps from 0 (a kink shows as an error ≈ 0.5, the left and right slopes disagreeing).
 */
function random(rng: Random, shape: number[]): Tensor {
  const t = zeros(shape, { requiresGrad: true });
  for (let i = 0; i < t.size; i++) t.f32[i] = rng.uniform(-1, 1);
  return t;
}

/** All tensors flattened into one vector: the function gradcheck projects. */
const joined = (tensors: (Tensor | null)[]): Tensor =>
  concat(tensors.filter((t): t is Tensor => t !== null).map((t) => reshape(t, [t.size])), 0);

function check(name: string, fn: (inputs: Tensor[]) => Tensor, inputs: Tensor[], diagnostic: (s: string) => void): void {
  const result = gradcheck(fn, inputs);
  diagnostic(`${name}: max error ${result.maxError.toExponential(2)} over ${result.checked} elements`);
  assert.ok(result.ok, `${name}: max error ${result.maxError} at ${JSON.stringify(result.worst)}`);
}

type Make = (options: RNNOptions) => RecurrentLayer;
const layers: [string, Make][] = [
  ['RNN tanh', (o) => new RNN({ ...o, nonlinearity: 'tanh' })],
  ['RNN relu', (o) => new RNN({ ...o, nonlinearity: 'relu' })],
  ['LSTM', (o) => new LSTM(o)],
  ['GRU', (o) => new GRU(o)],
  ['GRU reset-before', (o) => new GRU({ ...o, resetBefore: true })],
];

for (const [name, make] of layers) {
  test(`gradcheck: ${name}, one layer, batchFirst`, (t) => {
    const rng = new Random(1);
    const layer = make({ inputSize: I, hiddenSize: H, batchFirst: true, rng });
    const x = random(rng, [B, T, I]);
    check(name, ([input]) => {
      const { output, hN, cN } = layer.forward(input);
      return joined([output, hN, cN]);
    }, [x, ...layer.parameters()], (s) => t.diagnostic(s));
  });

  test(`gradcheck: ${name}, 3 layers, bidirectional, unsorted lengths, initial states`, (t) => {
    const rng = new Random(2);
    const layer = make({ inputSize: I, hiddenSize: H, numLayers: 3, bidirectional: true, dropout: 0.5, rng }).eval();
    const lstm = layer.mode === 'LSTM';
    const x = random(rng, [T, B, I]);
    const h0 = random(rng, [6, B, H]);
    const c0 = lstm ? random(rng, [6, B, H]) : null;
    const lengths = [2, 4, 1];
    check(`${name} 3-layer bidirectional`, ([input, h, c]) => {
      const { output, hN, cN } = layer.forward(input, { h0: h, c0: lstm ? c : null, lengths });
      return joined([output, hN, cN]);
    }, [x, h0, ...(c0 ? [c0] : []), ...layer.parameters()], (s) => t.diagnostic(s));
  });
}

test('gradcheck: SimplifiedGRUCell through dynamicRNN with lengths and an initial state', (t) => {
  const rng = new Random(3);
  const cell = new SimplifiedGRUCell({ inputSize: I, hiddenSize: H, rng });
  const x = random(rng, [B, T, I]);
  const c0 = random(rng, [B, H]);
  check('SimplifiedGRUCell', ([input, initialState]) => {
    const { outputs, state } = dynamicRNN(cell, input, { initialState, lengths: [3, 1, 4] });
    return joined([outputs, state]);
  }, [x, c0, ...cell.parameters()], (s) => t.diagnostic(s));
});

/**
 * A user's minimal gated unit written with ops:
 *   f = σ(W_f [h, x] + b_f),  h̃ = tanh(W_h [f ⊙ h, x] + b_h),  h′ = h + f ⊙ (h̃ − h).
 */
function minimalGatedUnit(rng: Random, inputSize: number, hiddenSize: number): Cell<Tensor> & { params: Tensor[] } {
  const params = [random(rng, [hiddenSize, hiddenSize + inputSize]), random(rng, [hiddenSize]), random(rng, [hiddenSize, hiddenSize + inputSize]), random(rng, [hiddenSize])];
  const [wf, bf, wh, bh] = params;
  return {
    inputSize,
    stateSize: hiddenSize,
    params,
    zeroState: (batch) => zeros([batch, hiddenSize]),
    forward(x, h) {
      const f = sigmoid(linear(concat([h, x], 1), wf, bf));
      const candidate = tanh(linear(concat([mul(f, h), x], 1), wh, bh));
      const next = add(h, mul(f, sub(candidate, h)));
      return { output: next, state: next };
    },
  };
}

test('gradcheck: a user-defined cell through dynamicRNN, time-major, with lengths', (t) => {
  const rng = new Random(4);
  const cell = minimalGatedUnit(rng, I, H);
  const x = random(rng, [T, B, I]);
  const h0 = random(rng, [B, H]);
  check('user cell', ([input, initialState]) => {
    const { outputs, state } = dynamicRNN(cell, input, { initialState, lengths: [4, 2, 3], timeMajor: true });
    return joined([outputs, state]);
  }, [x, h0, ...cell.params], (s) => t.diagnostic(s));
});
