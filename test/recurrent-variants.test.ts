/**
 * Recurrent layers with other activations, clipping, peepholes and a coupled forget gate
 * (src/ops/recurrent-variants.ts): the composed steps equal the fused op where both apply, and
 * their gradients pass a finite-difference check; clamp and every named activation too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor, zeros } from '../src/tensor/tensor.ts';
import { Random } from '../src/tensor/random.ts';
import { gradcheck } from '../src/autograd/gradcheck.ts';
import { noGrad } from '../src/autograd/tape.ts';
import { clamp, mul, reshape } from '../src/ops/basic.ts';
import { concat } from '../src/ops/shape.ts';
import { activate, ACTIVATION_NAMES } from '../src/ops/activations.ts';
import { recurrentSequence, GATES, type RecurrentMode, type SequenceWeights } from '../src/ops/recurrent.ts';
import { variantRecurrentSequence, type CellVariant } from '../src/ops/recurrent-variants.ts';
import { relativeError } from './reference/cases.ts';

const [T, B, I, H] = [4, 3, 2, 3];

function random(rng: Random, shape: number[], requiresGrad = false): Tensor {
  const t = zeros(shape, { requiresGrad });
  for (let i = 0; i < t.size; i++) t.f32[i] = rng.uniform(-1, 1);
  return t;
}

function weights(rng: Random, mode: RecurrentMode, grad = false): SequenceWeights {
  const G = GATES[mode] * H;
  return { weightIh: random(rng, [G, I], grad), weightHh: random(rng, [G, H], grad), biasIh: random(rng, [G], grad), biasHh: random(rng, [G], grad) };
}

const flat = (r: { output: Tensor; h: Tensor; c: Tensor | null }): Tensor =>
  concat([reshape(r.output, [T * B * H]), reshape(r.h, [B * H]), ...(r.c ? [reshape(r.c, [B * H])] : [])], 0);

test('composed steps equal the fused op (every mode, both directions, lengths, initial states, reset-before GRU)', () => {
  const rng = new Random(7);
  for (const mode of ['RNN_TANH', 'RNN_RELU', 'LSTM', 'GRU'] as RecurrentMode[]) {
    for (const [reverse, resetBefore] of [[false, false], [true, false], [false, true], [true, true]]) {
      if (resetBefore && mode !== 'GRU') continue;
      const w = weights(rng, mode), x = random(rng, [T, B, I]), h0 = random(rng, [B, H]);
      const c0 = mode === 'LSTM' ? random(rng, [B, H]) : null;
      const options = { lengths: Int32Array.of(4, 2, 3), reverse, resetBefore };
      const fused = noGrad(() => flat(recurrentSequence(mode, x, w, h0, c0, options)));
      // A clip no pre-activation reaches forces the composed steps without changing the result.
      const composed = noGrad(() => flat(variantRecurrentSequence(mode, x, w, h0, c0, { ...options, clip: 1e6 })));
      const err = relativeError(composed.f32, fused.f32);
      assert.ok(err < 1e-6, `${mode} reverse=${reverse} resetBefore=${resetBefore}: ${err}`);
    }
  }
});

/** Central differences are wrong at kinks (clip bounds, ReLU-like 0): the seed keeps pre-activations farther than eps from them. */
test('peepholes, input-forget coupling, clip and other activations have the gradients finite differences give', () => {
  const cases: [RecurrentMode, CellVariant][] = [
    ['LSTM', { inputForget: true, activations: [{ name: 'hardSigmoid' }, { name: 'softsign' }, { name: 'elu', alpha: 0.7 }] }],
    ['GRU', { clip: 0.8, activations: [{ name: 'sigmoid' }, { name: 'elu' }] }],
    ['RNN_TANH', { activations: [{ name: 'scaledTanh', alpha: 1.3, beta: 0.6 }] }],
  ];
  for (const [mode, variant] of cases) {
    const rng = new Random(11);
    const w = weights(rng, mode, true);
    const x = random(rng, [T, B, I], true), h0 = random(rng, [B, H], true);
    const c0 = mode === 'LSTM' ? random(rng, [B, H], true) : null;
    const peephole = mode === 'LSTM' ? random(rng, [3 * H], true) : null;
    const inputs = [x, h0, w.weightIh, w.weightHh, w.biasIh!, w.biasHh!, ...(c0 ? [c0, peephole!] : [])];
    const result = gradcheck(() => flat(variantRecurrentSequence(mode, x, w, h0, c0, {
      ...variant, peephole, lengths: Int32Array.of(4, 2, 3), reverse: true,
    })), inputs);
    assert.ok(result.ok, `${mode} ${JSON.stringify(variant)}: max error ${result.maxError}`);
  }
});

test('peepholes enter the gates as c_prev ⊙ p (i, f) and c ⊙ p (o)', () => {
  const rng = new Random(3);
  const w = weights(rng, 'LSTM'), x = random(rng, [1, 1, I]), c0 = random(rng, [1, H]);
  const p = random(rng, [3 * H]);
  const got = noGrad(() => variantRecurrentSequence('LSTM', x, { ...w, biasIh: null, biasHh: null }, null, c0, { peephole: p }));
  // One step by hand: gates from W_ih x (h0 = 0).
  const σ = (v: number): number => 1 / (1 + Math.exp(-v));
  for (let j = 0; j < H; j++) {
    const pre = (k: number): number => w.weightIh.f32[(k * H + j) * I] * x.f32[0] + w.weightIh.f32[(k * H + j) * I + 1] * x.f32[1];
    const cp = c0.f32[j];
    const i = σ(pre(0) + p.f32[j] * cp), f = σ(pre(1) + p.f32[H + j] * cp), g = Math.tanh(pre(2));
    const c = f * cp + i * g;
    const o = σ(pre(3) + p.f32[2 * H + j] * c);
    assert.ok(Math.abs(got.c!.f32[j] - c) < 1e-6 && Math.abs(got.h.f32[j] - o * Math.tanh(c)) < 1e-6, `unit ${j}`);
  }
});

test('clamp: bounds included in the gradient, NaN kept; every named activation has its gradient', () => {
  const x = zeros([5], { requiresGrad: true });
  x.f32.set([-2, -0.5, 0.25, 1, Number.NaN]);
  const y = noGrad(() => clamp(x, -0.5, 1));
  assert.deepEqual(Array.from(y.f32.subarray(0, 4)), [-0.5, -0.5, 0.25, 1]);
  assert.ok(Number.isNaN(y.f32[4]));
  assert.throws(() => clamp(x, 1, 0), /lo ≤ hi/);
  const rng = new Random(5);
  for (const name of ACTIVATION_NAMES) {
    // Inputs kept away from the kinks (0 for relu-like ones, 6 for relu6, ±2.5 for hardSigmoid).
    const v = zeros([8], { requiresGrad: true });
    for (let i = 0; i < v.size; i++) v.f32[i] = (rng.uniform(0.2, 2) * (i % 2 ? 1 : -1));
    const result = gradcheck(() => mul(activate(v, { name }), activate(v, { name })), [v]);
    assert.ok(result.ok, `${name}: max error ${result.maxError}`);
  }
});
