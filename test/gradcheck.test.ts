import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gradcheck } from '../src/autograd/gradcheck.ts';
import { record } from '../src/autograd/tape.ts';
import { add, div, linear, matmul, mul, sigmoid, tanh } from '../src/ops/basic.ts';
import { Tensor, tensor, zeros } from '../src/tensor/tensor.ts';
import { Random } from '../src/tensor/random.ts';
import { ValueError } from '../src/errors.ts';

const rng = new Random(42);

/** A tensor of U(low, high) values that requires grad. */
function param(shape: number[], low = -1, high = 1): Tensor {
  const t = zeros(shape, { requiresGrad: true });
  for (let i = 0; i < t.size; i++) t.f32[i] = rng.uniform(low, high);
  return t;
}

const cases: [string, () => Tensor[], (x: Tensor[]) => Tensor][] = [
  ['tanh', () => [param([3, 4])], ([x]) => tanh(x)],
  ['sigmoid', () => [param([2, 5], -3, 3)], ([x]) => sigmoid(x)],
  ['matmul', () => [param([3, 4]), param([4, 2])], ([a, b]) => matmul(a, b)],
  ['matmul transposed', () => [param([4, 3]), param([2, 4])], ([a, b]) => matmul(a, b, true, true)],
  ['linear', () => [param([2, 3, 4]), param([5, 4]), param([5])], ([x, w, b]) => linear(x, w, b)],
  ['add with broadcast', () => [param([4, 3]), param([3])], ([a, b]) => add(a, b)],
  ['mul with broadcast', () => [param([2, 3]), param([2, 3]), param([3])], ([a, b, c]) => mul(mul(a, b), c)],
  ['div', () => [param([3, 3]), param([3, 3], 0.5, 2)], ([a, b]) => div(a, b)],
  ['tanh(x·W) · sigmoid(x)', () => [param([3, 3]), param([3, 3])], ([x, w]) => mul(tanh(matmul(x, w)), sigmoid(x))],
];

for (const [name, make, fn] of cases) {
  test(`gradcheck passes for ${name}`, () => {
    const result = gradcheck(fn, make());
    assert.ok(result.ok, `${name}: max error ${result.maxError} at ${JSON.stringify(result.worst)}`);
    assert.ok(result.checked > 0);
  });
}

/** tanh with a wrong derivative (1 − y instead of 1 − y²). */
function wrongTanh(x: Tensor): Tensor {
  const y = zeros(x.shape);
  x.backend.unary('tanh', x.f32, y.f32, x.size);
  return record(y, 'wrongTanh', [x], (dy, grad) => {
    const dx = grad(0);
    if (dx) for (let i = 0; i < x.size; i++) dx[i] += dy[i] * (1 - y.f32[i]);
  });
}

test('gradcheck fails on a wrong backward and names the worst element', () => {
  const x = param([2, 3]);
  const result = gradcheck(([t]) => wrongTanh(t), [x]);
  assert.equal(result.ok, false);
  assert.ok(result.maxError > 0.1, `max error ${result.maxError}`);
  assert.equal(result.worst.input, 0);
  const y = Math.tanh(x.f32[result.worst.index]);
  assert.ok(Math.abs(result.worst.numeric / result.worst.analytic - (1 - y * y) / (1 - y)) < 1e-2);
});

test('gradcheck samples large inputs, skips inputs without requiresGrad, and keeps .grad', () => {
  const a = param([20, 30]);
  const b = tensor(Array.from({ length: 30 }, (_, i) => i / 30), [30]);
  const previous = zeros([20, 30]);
  previous.f32.fill(7);
  a.grad = previous;
  const result = gradcheck(([x, y]) => mul(x, y), [a, b], { maxPerInput: 10 });
  assert.ok(result.ok, `max error ${result.maxError}`);
  assert.equal(result.checked, 10);
  assert.equal(a.grad, previous);
  assert.equal(a.grad.f32[0], 7);
});

test('gradcheck rejects bad arguments', () => {
  const x = tensor([1, 2, 3], [3]);
  assert.throws(() => gradcheck(([t]) => tanh(t), [x]), ValueError);
  assert.throws(() => gradcheck(([t]) => tanh(t), [param([2])], { eps: 0 }), ValueError);
});
