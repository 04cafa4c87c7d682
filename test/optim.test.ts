import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SGD, Adam, AdamW, RMSprop, Adagrad, clipGradNorm, constant, cosine, stepDecay, warmup, type Optimizer } from '../src/optim/index.ts';
import { Tensor, tensor, tidy } from '../src/tensor/tensor.ts';
import { ShapeError, ValueError } from '../src/errors.ts';

/** A parameter holding `values` whose gradient holds `grad`. */
function paramWithGrad(values: number[], grad: number[]): Tensor {
  const p = tensor(values, [values.length], { requiresGrad: true });
  p.grad = tensor(grad, [grad.length]);
  return p;
}

test('clipGradNorm returns the total norm over all grads and scales them to maxNorm', () => {
  const a = paramWithGrad([0, 0], [3, 0]);
  const b = paramWithGrad([0, 0, 0], [0, 4, 0]);
  const noGrad = tensor([1], [1], { requiresGrad: true });
  assert.equal(clipGradNorm([a, b, noGrad], 1), 5);
  const c = 1 / (5 + 1e-6);
  assert.deepEqual(a.grad!.toArray(), [Math.fround(3 * c), 0]);
  assert.deepEqual(b.grad!.toArray(), [0, Math.fround(4 * c), 0]);
  // Below the limit nothing changes, and the norm is still returned.
  assert.ok(Math.abs(clipGradNorm([a, b], 10) - 1) < 1e-6);
  assert.deepEqual(a.grad!.toArray(), [Math.fround(3 * c), 0]);
  assert.throws(() => clipGradNorm([a], -1), ValueError);
});

test('SGD steps p −= lr·g and zeroGrad clears gradients', () => {
  const p = paramWithGrad([1, 2], [0.5, -1]);
  const opt = new SGD([p], { lr: 0.1 });
  opt.step();
  assert.deepEqual(p.toArray(), [Math.fround(0.95), Math.fround(2.1)]);
  opt.zeroGrad();
  assert.deepEqual(p.grad!.toArray(), [0, 0]);
  assert.equal(opt.stepCount, 1);
});

test('optimizers reject bad options with typed errors naming the option', () => {
  const p = paramWithGrad([1], [1]);
  const named = (argument: string) => (e: unknown) => e instanceof ValueError && e.argument === argument;
  assert.throws(() => new SGD([p], { lr: -0.1 }), named('lr'));
  assert.throws(() => new SGD([p], { lr: NaN }), named('lr'));
  assert.throws(() => new SGD([p], { lr: 0.1, nesterov: true }), named('nesterov'));
  assert.throws(() => new SGD([p], { lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true }), named('nesterov'));
  assert.throws(() => new SGD([p], { lr: 0.1, momentum: -1 }), named('momentum'));
  assert.throws(() => new SGD([p], { lr: 0.1, weightDecay: -1 }), named('weightDecay'));
  assert.throws(() => new Adam([p], { betas: [0.9, 1] }), named('betas[1]'));
  assert.throws(() => new AdamW([p], { eps: -1 }), named('eps'));
  assert.throws(() => new RMSprop([p], { alpha: -0.5 }), named('alpha'));
  assert.throws(() => new Adagrad([p], { lrDecay: -1 }), named('lrDecay'));
  assert.throws(() => new Adam([]), named('params'));
  assert.throws(() => new Adam([tensor([1], [1], { dtype: 'int32' })]), named('params[0]'));
  const opt = new Adam([p]);
  assert.throws(() => (opt.lr = -1), named('lr'));
});

test('schedules give the documented learning rates', () => {
  assert.equal(constant(0.5)(100), 0.5);
  assert.deepEqual([0, 1, 2, 3, 4].map(stepDecay(1, 2, 0.5)), [1, 1, 0.5, 0.5, 0.25]);
  const cos = cosine(1, 4, 0.2);
  assert.equal(cos(0), 1);
  assert.ok(Math.abs(cos(2) - 0.6) < 1e-12);
  assert.ok(Math.abs(cos(4) - 0.2) < 1e-12 && Math.abs(cos(9) - 0.2) < 1e-12);
  assert.deepEqual([0, 1, 2, 3].map(warmup(2, constant(1))), [0.5, 1, 1, 1]);
  assert.throws(() => stepDecay(1, 0), ValueError);
  assert.throws(() => cosine(-1, 10), ValueError);
});

test('setSchedule drives lr before every step', () => {
  const p = paramWithGrad([0], [1]);
  const opt = new SGD([p], { lr: 1 });
  opt.setSchedule(stepDecay(1, 1, 0.5));
  const lrs: number[] = [];
  for (let i = 0; i < 3; i++) {
    opt.step();
    lrs.push(opt.lr);
  }
  assert.deepEqual(lrs, [1, 0.5, 0.25]);
  assert.equal(p.f32[0], -1.75);
  assert.equal(opt.lr, 0.25, 'lr is that of the last step until the next one');
  opt.setSchedule(null);
  opt.lr = 2;
  opt.step();
  assert.equal(p.f32[0], -3.75);
});

/** Runs `steps` steps with fixed gradients; returns the parameter values. */
function run(opt: Optimizer, params: Tensor[], steps: number, from = 0): number[][] {
  for (let s = from; s < from + steps; s++) {
    params.forEach((p, i) => p.grad!.f32.forEach((_, j, g) => (g[j] = Math.sin(s + i + j))));
    opt.step();
  }
  return params.map((p) => p.toArray());
}

const makers: [string, (ps: Tensor[]) => Optimizer][] = [
  ['SGD', (ps) => new SGD(ps, { lr: 0.1, momentum: 0.9, nesterov: true })],
  ['Adam', (ps) => new Adam(ps, { lr: 0.01 })],
  ['AdamW', (ps) => new AdamW(ps, { lr: 0.01 })],
  ['RMSprop', (ps) => new RMSprop(ps)],
  ['Adagrad', (ps) => new Adagrad(ps, { lr: 0.1, lrDecay: 0.01 })],
];

for (const [name, make] of makers) {
  test(`${name} state() → loadState() resumes exactly`, () => {
    const fresh = () => [paramWithGrad([1, -2, 3], [0, 0, 0]), paramWithGrad([0.5, 0.25], [0, 0])];
    const straight = fresh();
    const expected = run(make(straight), straight, 6);

    const first = fresh();
    const opt = make(first);
    run(opt, first, 3);
    const state = opt.state();
    // as a checkpoint stores it: the buffers as plain arrays
    const saved = { ...state, params: state.params.map((ps) => ps && { step: ps.step, buffers: Object.fromEntries(Object.entries(ps.buffers).map(([k, b]) => [k, Array.from(b)])) }) };
    assert.equal(saved.step, 3);
    assert.equal(saved.params[0]!.step, 3);
    const resumed = fresh();
    resumed.forEach((p, i) => p.f32.set(first[i].f32));
    const opt2 = make(resumed);
    opt2.loadState(saved);
    assert.deepEqual(run(opt2, resumed, 3, 3), expected);
  });
}

test('loadState validates before changing anything', () => {
  const p = paramWithGrad([1, 2], [1, 1]);
  const opt = new Adam([p]);
  opt.step();
  const good = opt.state();
  assert.throws(() => opt.loadState({ ...good, params: [] }), ValueError);
  const wrongSize = { step: 1, lr: 1e-3, params: [{ step: 1, buffers: { exp_avg: [0], exp_avg_sq: [0, 0] } }] };
  assert.throws(() => opt.loadState(wrongSize), ShapeError);
  const wrongName = { step: 1, lr: 1e-3, params: [{ step: 1, buffers: { momentum_buffer: [0, 0] } }] };
  assert.throws(() => opt.loadState(wrongName), ValueError);
  assert.deepEqual(opt.state(), good);
});

test('parameters without a gradient are skipped and keep their own step count', () => {
  const a = paramWithGrad([1], [1]);
  const b = tensor([1], [1], { requiresGrad: true });
  const opt = new Adam([a, b], { lr: 0.1 });
  opt.step();
  assert.equal(b.f32[0], 1);
  b.grad = tensor([1], [1]);
  opt.step();
  const state = opt.state();
  assert.equal(state.params[0]!.step, 2);
  assert.equal(state.params[1]!.step, 1);
  // A first Adam step moves by lr·sign(g), whatever the optimizer's global step.
  assert.ok(Math.abs(b.f32[0] - 0.9) < 1e-6);
});

test('optimizer state buffers survive tidy scopes', () => {
  const p = paramWithGrad([1, 2], [1, 1]);
  const opt = new SGD([p], { lr: 0.1, momentum: 0.9 });
  tidy(() => opt.step());
  tidy(() => opt.step());
  assert.deepEqual(opt.state().params[0]!.buffers.momentum_buffer, Float32Array.from([1.9, 1.9]));
});
