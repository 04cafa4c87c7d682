import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VanillaRNN } from '../src/models/vanilla-rnn.ts';
import { Random } from '../src/tensor/random.ts';
import { ShapeError, ValueError } from '../src/errors.ts';

test('VanillaRNN learns a tiny sequence with sgdStep', () => {
  const rnn = new VanillaRNN(5, 8, { rng: new Random(1) });
  const x = [0, 1, 2, 3, 4, 0, 1, 2];
  const y = [1, 2, 3, 4, 0, 1, 2, 3];
  const before = rnn.loss(x, y);
  let previous = before;
  for (let epoch = 0; epoch < 200; epoch++) {
    rnn.sgdStep(x, y, 0.05);
    if (epoch < 20) {
      const l = rnn.loss(x, y);
      assert.ok(l < previous, `epoch ${epoch}: loss ${l} did not decrease from ${previous}`);
      previous = l;
    }
  }
  const after = rnn.loss(x, y);
  assert.ok(after < before / 10, `loss ${before} → ${after}`);
  assert.deepEqual(rnn.predict(x), y);
});

test('VanillaRNN full BPTT matches central finite differences of the loss', () => {
  const x = [3, 1, 4, 1, 5, 2];
  const y = [1, 4, 1, 5, 2, 0];
  const rnn = new VanillaRNN(6, 4, { rng: new Random(7), bpttTruncate: x.length });
  const grads = rnn.bptt(x, y);
  const eps = 1e-5;
  let worst = 0;
  for (const [p, d] of [[rnn.U, grads.dU], [rnn.W, grads.dW], [rnn.V, grads.dV]] as const) {
    for (let i = 0; i < p.length; i++) {
      const saved = p[i];
      p[i] = saved + eps;
      const plus = rnn.loss(x, y);
      p[i] = saved - eps;
      const minus = rnn.loss(x, y);
      p[i] = saved;
      const numeric = (plus - minus) / (2 * eps);
      worst = Math.max(worst, Math.abs(numeric - d[i]) / Math.max(1e-3, Math.abs(numeric), Math.abs(d[i])));
    }
  }
  assert.ok(worst < 1e-6, `max relative error ${worst}`);
});

test('VanillaRNN truncation changes dW but not dV', () => {
  const x = [0, 1, 2, 3, 0, 1, 2, 3];
  const y = [1, 2, 3, 0, 1, 2, 3, 0];
  const rnn = new VanillaRNN(4, 3, { rng: new Random(3), bpttTruncate: 2 });
  const truncated = rnn.bptt(x, y);
  rnn.bpttTruncate = x.length;
  const full = rnn.bptt(x, y);
  assert.deepEqual(truncated.dV, full.dV, 'dV does not depend on truncation');
  assert.notDeepEqual(truncated.dW, full.dW);
});

test('VanillaRNN rejects bad arguments with typed errors', () => {
  const rnn = new VanillaRNN(4, 3);
  assert.throws(() => rnn.forward([0, 4]), (e) => e instanceof ValueError && e.argument === 'x[1]');
  assert.throws(() => rnn.forward([-1]), ValueError);
  assert.throws(() => rnn.forward([1.5]), ValueError);
  assert.throws(() => rnn.loss([0, 1], [1, 7]), (e) => e instanceof ValueError && e.argument === 'y[1]');
  assert.throws(() => rnn.bptt([0, 1], [1]), ShapeError);
  assert.throws(() => rnn.sgdStep([0], [1], -0.1), ValueError);
  assert.throws(() => new VanillaRNN(0, 3), ValueError);
  assert.throws(() => new VanillaRNN(4, 3, { bpttTruncate: -1 }), ValueError);
});
