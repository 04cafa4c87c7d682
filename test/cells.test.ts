/**
 * Cells and dynamicRNN: stepping a cell with dynamicRNN gives what the fused layer gives (outputs,
 * final state, gradients of input, initial state and parameters), and user-defined cells run too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor, tensor, zeros } from '../src/tensor/tensor.ts';
import { Random } from '../src/tensor/random.ts';
import { backward } from '../src/autograd/tape.ts';
import { add, linear, mul, reshape, sum, tanh } from '../src/ops/basic.ts';
import { GRU, LSTM, RNN, type RecurrentLayer } from '../src/nn/rnn.ts';
import { GRUCell, LSTMCell, RNNCell, SimplifiedGRUCell, type Cell, type CellState, type LSTMState } from '../src/nn/cells.ts';
import { dynamicRNN } from '../src/nn/dynamic-rnn.ts';

const rng = new Random(7);
const [B, T, I, H] = [3, 5, 4, 3];

function random(shape: number[], requiresGrad = false): Tensor {
  const t = zeros(shape, { requiresGrad });
  for (let i = 0; i < t.size; i++) t.f32[i] = rng.uniform(-1, 1);
  return t;
}

/** A leaf with the same values as t. */
function copyOf(t: Tensor): Tensor {
  return tensor(t.f32, t.shape, { requiresGrad: t.requiresGrad });
}

/** ‖a − b‖ / ‖b‖ over the first b.size elements. */
function relativeError(a: Tensor, b: Tensor): number {
  let diff = 0, norm = 0;
  for (let i = 0; i < b.size; i++) {
    diff += (a.data[i] - b.data[i]) ** 2;
    norm += b.data[i] ** 2;
  }
  return Math.sqrt(diff / Math.max(norm, 1e-30));
}

function assertClose(name: string, actual: Tensor | null, expected: Tensor | null, tol = 1e-5): void {
  assert.ok(actual && expected, `${name}: missing tensor`);
  assert.equal(actual.size, expected.size, `${name}: sizes`);
  const e = relativeError(actual, expected);
  assert.ok(e <= tol, `${name}: relative error ${e}`);
}

/** Σ_i Σ t_i · w_i, with w_i fixed random weights of t_i's shape. */
function projection(tensors: Tensor[], weights: Tensor[]): Tensor {
  return tensors.map((t, i) => sum(mul(t, reshape(weights[i], t.shape)))).reduce(add);
}

const stateTensors = (s: CellState): Tensor[] => (s instanceof Tensor ? [s] : Object.values(s));

interface Pair {
  name: string;
  layer: () => RecurrentLayer;
  cell: () => Cell & { loadStateDict(s: Record<string, Tensor>): void; stateDict(): Record<string, Tensor> };
  lstm?: boolean;
}

const sizes = { inputSize: I, hiddenSize: H };
const pairs: Pair[] = [
  { name: 'RNN tanh', layer: () => new RNN({ ...sizes, batchFirst: true }), cell: () => new RNNCell(sizes) },
  {
    name: 'RNN relu',
    layer: () => new RNN({ ...sizes, batchFirst: true, nonlinearity: 'relu' }),
    cell: () => new RNNCell({ ...sizes, nonlinearity: 'relu' }),
  },
  { name: 'LSTM', layer: () => new LSTM({ ...sizes, batchFirst: true }), cell: () => new LSTMCell(sizes), lstm: true },
  { name: 'GRU reset-after', layer: () => new GRU({ ...sizes, batchFirst: true }), cell: () => new GRUCell(sizes) },
  {
    name: 'GRU reset-before',
    layer: () => new GRU({ ...sizes, batchFirst: true, resetBefore: true }),
    cell: () => new GRUCell({ ...sizes, resetBefore: true }),
  },
];

for (const pair of pairs) {
  for (const lengths of [null, [3, 5, 1]]) {
    test(`${pair.name}${lengths ? ' with lengths' : ''}: dynamicRNN over the cell matches the fused layer`, () => {
      const layer = pair.layer();
      const cell = pair.cell();
      const layerParams = layer.stateDict();
      cell.loadStateDict(Object.fromEntries(Object.keys(cell.stateDict()).map((k) => [k, layerParams[`${k}_l0`]])));

      const x = random([B, T, I], true);
      const h0 = random([1, B, H], true);
      const c0 = pair.lstm ? random([1, B, H], true) : null;
      const fused = layer.forward(x, { h0, c0, lengths });
      const fusedState = [fused.hN, ...(fused.cN ? [fused.cN] : [])];

      const xc = copyOf(x);
      const initial = [h0, ...(c0 ? [c0] : [])].map((s) => tensor(s.f32, [B, H], { requiresGrad: true }));
      const initialState = pair.lstm ? { h: initial[0], c: initial[1] } : initial[0];
      const stepped = dynamicRNN(cell as Cell, xc, { initialState, lengths });
      const steppedState = stateTensors(stepped.state);

      assert.deepEqual(stepped.outputs.shape, [B, T, H]);
      assertClose('outputs', stepped.outputs, fused.output);
      fusedState.forEach((s, i) => assertClose(`state ${i}`, steppedState[i], s));
      if (lengths) {
        // past its length, row 2 (length 1) gives zeros and its state is the one after step 0
        for (let t = 1; t < T; t++) for (let j = 0; j < H; j++) assert.equal(stepped.outputs.f32[(2 * T + t) * H + j], 0);
        for (let j = 0; j < H; j++) assert.equal(steppedState[0].f32[2 * H + j], stepped.outputs.f32[2 * T * H + j]);
      }

      const weights = [fused.output, ...fusedState].map((t) => random([t.size]));
      backward(projection([fused.output, ...fusedState], weights));
      backward(projection([stepped.outputs, ...steppedState], weights));
      assertClose('grad x', xc.grad, x.grad);
      initial.forEach((s, i) => assertClose(`grad initial state ${i}`, s.grad, [h0, c0][i]!.grad));
      for (const [name, p] of Object.entries(cell.stateDict())) assertClose(`grad ${name}`, p.grad, layerParams[`${name}_l0`].grad);
    });
  }
}

test('cells have PyTorch parameter names and shapes', () => {
  const shapes = (m: { stateDict(): Record<string, Tensor> }) =>
    Object.fromEntries(Object.entries(m.stateDict()).map(([k, v]) => [k, v.shape]));
  assert.deepEqual(shapes(new LSTMCell(sizes)), { weight_ih: [4 * H, I], weight_hh: [4 * H, H], bias_ih: [4 * H], bias_hh: [4 * H] });
  assert.deepEqual(shapes(new GRUCell({ ...sizes, bias: false })), { weight_ih: [3 * H, I], weight_hh: [3 * H, H] });
  assert.deepEqual(shapes(new SimplifiedGRUCell(sizes)), { weight_c: [H, H + I], bias_c: [H], weight_u: [H, H + I], bias_u: [H] });
  const bound = 1 / Math.sqrt(H);
  for (const p of new RNNCell(sizes).parameters()) assert.ok(p.toArray().every((v) => Math.abs(v) <= bound));
});

test('SimplifiedGRUCell computes c̃ = tanh(W_c[c, x] + b_c), Γu = σ(W_u[c, x] + b_u), c′ = Γu·c̃ + (1 − Γu)·c', () => {
  const cell = new SimplifiedGRUCell(sizes);
  const x = random([B, I]);
  const c = random([B, H]);
  const { output, state } = cell.forward(x, c);
  assert.equal(output, state);
  const [wc, bc, wu, bu] = [cell.weightC, cell.biasC!, cell.weightU, cell.biasU!].map((t) => t.f32);
  for (let b = 0; b < B; b++) {
    const cx = [...c.f32.subarray(b * H, b * H + H), ...x.f32.subarray(b * I, b * I + I)];
    for (let j = 0; j < H; j++) {
      const dot = (w: Float32Array) => cx.reduce((s, v, k) => s + w[j * (H + I) + k] * v, 0);
      const candidate = Math.tanh(dot(wc) + bc[j]);
      const update = 1 / (1 + Math.exp(-(dot(wu) + bu[j])));
      const expected = update * candidate + (1 - update) * c.f32[b * H + j];
      assert.ok(Math.abs(output.f32[b * H + j] - expected) < 1e-6, `row ${b}, unit ${j}`);
    }
  }
});

/** A user's "minimal RNN" written with ops: h′ = tanh(W_x x + W_h h + b). */
function minimalRNN(inputSize: number, hiddenSize: number): Cell<Tensor> & { params: Tensor[] } {
  const [wx, wh, b] = [random([hiddenSize, inputSize], true), random([hiddenSize, hiddenSize], true), random([hiddenSize], true)];
  return {
    inputSize,
    stateSize: hiddenSize,
    params: [wx, wh, b],
    zeroState: (batch) => zeros([batch, hiddenSize]),
    forward(x, h) {
      const next = tanh(add(linear(x, wx, b), linear(h, wh)));
      return { output: next, state: next };
    },
  };
}

test('a user-defined cell runs through dynamicRNN, with lengths, and matches a plain loop', () => {
  const cell = minimalRNN(I, H);
  const x = random([B, T, I], true);
  const lengths = [5, 2, 4];
  const { outputs, state } = dynamicRNN(cell, x, { lengths });
  assert.deepEqual(outputs.shape, [B, T, H]);
  const [wx, wh, bias] = cell.params.map((p) => p.f32);
  for (let b = 0; b < B; b++) {
    let h = new Array<number>(H).fill(0);
    for (let t = 0; t < T; t++) {
      const active = t < lengths[b];
      if (active) {
        h = h.map((_, j) => {
          let s = bias[j];
          for (let k = 0; k < I; k++) s += wx[j * I + k] * x.f32[(b * T + t) * I + k];
          for (let k = 0; k < H; k++) s += wh[j * H + k] * h[k];
          return Math.tanh(s);
        });
      }
      for (let j = 0; j < H; j++) {
        const expected = active ? h[j] : 0;
        assert.ok(Math.abs(outputs.f32[(b * T + t) * H + j] - expected) < 1e-5, `output ${b}, ${t}, ${j}`);
      }
    }
    for (let j = 0; j < H; j++) assert.ok(Math.abs(state.f32[b * H + j] - h[j]) < 1e-5, `state ${b}, ${j}`);
  }
  backward(sum(outputs));
  for (const p of [x, ...cell.params]) assert.ok(p.grad && p.grad.toArray().every(Number.isFinite));
  // x past a row's length cannot influence anything
  for (let t = 2; t < T; t++) for (let k = 0; k < I; k++) assert.equal(x.grad!.f32[(1 * T + t) * I + k], 0);
});

test('a user-defined cell with an array state, time-major, keeps each row\'s state at its own end', () => {
  // state [h, count [B, 1]]: count' = count + 1 counts the steps a row has taken
  const inner = minimalRNN(I, H);
  const cell: Cell<readonly Tensor[]> = {
    inputSize: I,
    stateSize: H,
    zeroState: (batch) => [inner.zeroState(batch), zeros([batch, 1])],
    forward(x, [h, count]) {
      const { output } = inner.forward(x, h);
      return { output, state: [output, add(count, tensor([1], [1]))] };
    },
  };
  const x = random([T, B, I]);
  const { outputs, state } = dynamicRNN(cell, x, { lengths: [1, 5, 3], timeMajor: true });
  assert.deepEqual(outputs.shape, [T, B, H]);
  assert.deepEqual(state[1].toArray(), [1, 5, 3]);
});

test('LSTMCell and GRUCell step once like the layer with T = 1, and zeroState is zeros', () => {
  const cell = new LSTMCell(sizes);
  const state: LSTMState = cell.zeroState(B);
  assert.deepEqual([state.h.shape, state.c.shape], [[B, H], [B, H]]);
  assert.ok([...state.h.toArray(), ...state.c.toArray()].every((v) => v === 0));
  const x = random([B, I]);
  const a = cell.forward(x, state);
  const b = dynamicRNN(cell, reshape(x, [B, 1, I]));
  assertClose('h', a.state.h, b.state.h, 0);
  assertClose('c', a.state.c, b.state.c, 0);
  assert.equal(a.output, a.state.h);
});
