/**
 * Memory safety on every available backend: a tensor used after `dispose()` or after the tidy that
 * made it throws DisposedError and never touches memory the backend has handed out again; tidy keeps
 * every tensor reachable from its result; backward refuses a freed or already consumed graph.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor, keep, tensor, tidy, zeros } from '../src/tensor/tensor.ts';
import { backward } from '../src/autograd/tape.ts';
import { add, matmul, mul, reshape, sum, tanh } from '../src/ops/basic.ts';
import { crossEntropy } from '../src/ops/softmax.ts';
import { Linear } from '../src/nn/layers.ts';
import { LSTM } from '../src/nn/rnn.ts';
import { Random } from '../src/tensor/random.ts';
import { DisposedError, GraphError, ValueError } from '../src/errors.ts';
import type { Backend } from '../src/backend/backend.ts';
import { availableBackends } from './reference/backends.ts';

const isDisposedError = (e: unknown): boolean => e instanceof DisposedError && /disposed/.test(e.message);

/** Allocations of every size below, filled with 7: on a backend that reuses freed blocks they land on the freed ones. */
function churn(backend: Backend, sizes: readonly number[]): Tensor[] {
  return sizes.flatMap((n) => Array.from({ length: 4 }, () => {
    const t = zeros([n], { backend });
    t.f32.fill(7);
    return t;
  }));
}

/** A parameter-like leaf [2, 3] with fixed values. */
const leaf = (backend: Backend): Tensor => keep(tensor([0.1, -0.2, 0.3, 0.4, 0.5, -0.6], [2, 3], { backend, requiresGrad: true }));

/** loss = Σ tanh(w · x) for x [3, 2]. */
function lossOf(w: Tensor): Tensor {
  const x = tensor([1, 2, -1, 0.5, 0.25, -2], [3, 2], { backend: w.backend });
  return sum(tanh(matmul(w, x)));
}

for (const { label, backend } of await availableBackends()) {
  describe(`memory safety [${label}]`, () => {
    test('a disposed tensor throws DisposedError on every access to its data, and so do its views', () => {
      const t = tensor([1, 2, 3, 4], [2, 2], { backend });
      const view = t.view([4]);
      const detached = t.detach();
      view.dispose();
      for (const x of [t, view, detached]) {
        assert.equal(x.isDisposed, true);
        assert.throws(() => x.toArray(), isDisposedError);
        assert.throws(() => x.data, isDisposedError);
        assert.throws(() => x.f32, isDisposedError);
        assert.throws(() => x.view([4]), isDisposedError);
        assert.throws(() => x.detach(), isDisposedError);
        assert.throws(() => keep(x), isDisposedError);
        assert.match(String(x), /disposed/);
      }
      const scalar = tensor([5], [1], { backend });
      scalar.dispose();
      assert.throws(() => scalar.item(), isDisposedError);
      t.dispose(); // disposing again does nothing
      const other = tensor([1, 1, 1, 1], [2, 2], { backend });
      assert.throws(() => add(t, other), isDisposedError);
      assert.throws(() => matmul(other, t), isDisposedError);
      assert.throws(() => backward(t), isDisposedError);
    });

    test('a tensor leaked out of tidy cannot read or write the memory of later tensors', () => {
      let leaked: Tensor | null = null;
      let leakedIds: Tensor | null = null;
      tidy(() => {
        leaked = tensor([1, 2, 3, 4, 5, 6], [2, 3], { backend });
        leakedIds = tensor([0, 1], [2], { backend, dtype: 'int32' });
      });
      // A Linear(3, 2) has a [2, 3] weight and a [2] bias: the sizes of the freed blocks.
      const linear = new Linear(3, 2, { backend, rng: new Random(1) });
      const weight = linear.weight.toArray();
      const bias = linear.bias!.toArray();
      const fresh = churn(backend, [6, 2]);
      assert.throws(() => leaked!.toArray(), isDisposedError);
      assert.throws(() => leaked!.f32.fill(99), isDisposedError);
      assert.throws(() => leaked!.data.set([99]), isDisposedError);
      assert.throws(() => leakedIds!.i32.fill(99), isDisposedError);
      assert.throws(() => linear.forward(leaked!), isDisposedError);
      assert.deepEqual(linear.weight.toArray(), weight);
      assert.deepEqual(linear.bias!.toArray(), bias);
      for (const t of fresh) assert.ok(t.toArray().every((v) => v === 7));
    });

    test('tidy keeps every tensor reachable from its result: arrays, objects, Maps, Sets, class instances, any depth, cycles', () => {
      class Holder {
        constructor(readonly inner: { t: Tensor }) {}
      }
      const made: Tensor[] = [];
      const track = (v: number): Tensor => {
        const t = tensor([v, v + 0.5, v + 0.25], [3], { backend });
        made.push(t);
        return t;
      };
      const result = tidy(() => {
        track(-1); // not returned
        const deep: Record<string, unknown> = { t: track(1) };
        let node = deep;
        for (let depth = 0; depth < 12; depth++) node = (node.next = { level: depth }) as Record<string, unknown>;
        node.t = track(2);
        const cycle: Record<string, unknown> = { t: track(3) };
        cycle.self = cycle;
        const mapKey = track(4);
        const out = {
          array: [[[[track(5)]]]],
          map: new Map<unknown, unknown>([[mapKey, 'key'], ['value', new Map([['nested', track(6)]])]]),
          set: new Set([new Set([track(7)])]),
          instance: new Holder({ t: track(8) }),
          deep,
          cycle,
          typed: new Float32Array(4),
          fromInnerTidy: tidy(() => {
            track(-2); // freed by the inner tidy
            return new Map([['inner', track(9)]]);
          }),
        };
        track(-3); // not returned
        return out;
      });
      churn(backend, [3]);
      const values = made.map((t) => (t.isDisposed ? null : t.toArray()[0]));
      assert.deepEqual(values.filter((v) => v === null).length, 3, `the three unreturned tensors are freed: ${values}`);
      assert.deepEqual(values.filter((v) => v !== null).sort((a, b) => a! - b!), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
      for (const t of made) if (!t.isDisposed) assert.deepEqual(t.toArray().slice(1), [t.toArray()[0] + 0.5, t.toArray()[0] + 0.25]);
      assert.equal(result.array[0][0][0][0].toArray()[0], 5);
      for (const t of made) t.dispose();
    });

    test('a tidy inside a tidy hands its result to the outer scope, which frees it unless returned again', () => {
      let inner: Tensor | null = null;
      const kept = tidy(() => {
        const fromInner = tidy(() => new Set([make(backend, 1)]));
        inner = [...fromInner][0];
        assert.equal(inner.isDisposed, false);
        return make(backend, 2);
      });
      assert.equal(inner!.isDisposed, true);
      assert.deepEqual(kept.toArray(), [2, 2]);
      kept.dispose();
    });

    test('a tidy whose function throws frees what it made; an async function is refused', () => {
      let made: Tensor | null = null;
      assert.throws(() => tidy(() => {
        made = make(backend, 1);
        throw new Error('boom');
      }), /boom/);
      assert.equal(made!.isDisposed, true);
      assert.throws(() => tidy(async () => make(backend, 1)), (e: unknown) => e instanceof ValueError && e.argument === 'tidy(fn)');
    });

    test('backward on a loss returned from tidy throws GraphError and leaves the gradients alone', () => {
      const w = leaf(backend);
      const loss = tidy(() => lossOf(w));
      churn(backend, [6, 4, 1]);
      assert.throws(() => backward(loss), (e: unknown) => e instanceof GraphError && /freed/.test(e.message) && /tidy/.test(e.message));
      assert.equal(w.grad, null);
      // The same pass inside the tidy works and gives the analytic gradient: dL/dw = (1 − tanh²(w·x)) xᵀ.
      tidy(() => backward(lossOf(w)));
      const x = [[1, 2], [-1, 0.5], [0.25, -2]];
      const wv = w.toArray();
      const expected: number[] = [];
      for (let i = 0; i < 2; i++) {
        for (let k = 0; k < 3; k++) {
          let g = 0;
          for (let j = 0; j < 2; j++) {
            const y = Math.tanh(wv[i * 3] * x[0][j] + wv[i * 3 + 1] * x[1][j] + wv[i * 3 + 2] * x[2][j]);
            g += (1 - y * y) * x[k][j];
          }
          expected.push(g);
        }
      }
      const grad = w.grad!.toArray();
      grad.forEach((g, i) => assert.ok(Math.abs(g - expected[i]) < 1e-5, `grad[${i}] ${g} vs ${expected[i]}`));
    });

    test('backward through a fused LSTM sequence whose saved buffers were freed throws GraphError', () => {
      const lstm = new LSTM({ inputSize: 3, hiddenSize: 4, backend, rng: new Random(2) });
      const loss = tidy(() => sum(lstm.forward(tensor(Array.from({ length: 2 * 2 * 3 }, (_, i) => Math.sin(i)), [2, 2, 3], { backend })).output));
      churn(backend, [48, 32, 24]);
      assert.throws(() => backward(loss), GraphError);
      for (const p of lstm.parameters()) assert.equal(p.grad, null);
    });

    test('backward after an input or a saved buffer was disposed throws GraphError', () => {
      const w = leaf(backend);
      tidy(() => {
        const x = tensor([1, 2, 3], [3], { backend });
        const loss = sum(mul(reshape(w, [2, 3]), x));
        x.dispose();
        assert.throws(() => backward(loss), (e: unknown) => e instanceof GraphError && /input/.test(e.message));
        const logits = matmul(w, tensor([1, 0, 2, 1, 0, 1], [3, 2], { backend }));
        const targets = tensor([1, 0], [2], { backend, dtype: 'int32' });
        const ce = crossEntropy(logits, targets);
        targets.dispose();
        assert.throws(() => backward(ce), (e: unknown) => e instanceof GraphError && /saved/.test(e.message));
      });
      assert.equal(w.grad, null);
    });

    test('a second backward through the same graph throws GraphError unless the first kept the graph', () => {
      const w = leaf(backend);
      tidy(() => {
        const loss = lossOf(w);
        backward(loss);
        const once = w.grad!.toArray();
        assert.throws(() => backward(loss), (e: unknown) => e instanceof GraphError && /retainGraph/.test(e.message));
        // A new loss over part of the consumed graph is refused too (PyTorch's retain_graph semantics).
        assert.throws(() => backward(add(loss, loss)), GraphError);
        assert.deepEqual(w.grad!.toArray(), once);

        const kept = lossOf(w);
        w.grad!.f32.fill(0);
        backward(kept, null, { retainGraph: true });
        backward(kept, null, { retainGraph: true });
        backward(kept);
        w.grad!.toArray().forEach((g, i) => assert.ok(Math.abs(g - 3 * once[i]) < 1e-5, `three passes accumulate: ${g} vs 3 × ${once[i]}`));
        assert.throws(() => backward(kept), GraphError);
      });
    });
  });
}

function make(backend: Backend, v: number): Tensor {
  return tensor([v, v], [2], { backend });
}
