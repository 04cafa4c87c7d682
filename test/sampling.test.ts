import { test } from 'node:test';
import assert from 'node:assert/strict';
import { greedy, sampleNext, type SamplingOptions } from '../src/sampling/index.ts';
import { Random } from '../src/tensor/random.ts';
import { ValueError } from '../src/errors.ts';

/** Relative frequency of each id over n draws with a fixed seed. */
function frequencies(logits: number[], options: SamplingOptions, n = 20000, seed = 7): number[] {
  const rng = new Random(seed);
  const counts = new Array<number>(logits.length).fill(0);
  for (let i = 0; i < n; i++) counts[sampleNext(Float32Array.from(logits), options, rng)]++;
  return counts.map((c) => c / n);
}

function softmax(logits: number[], temperature = 1): number[] {
  const e = logits.map((x) => Math.exp(x / temperature));
  const total = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / total);
}

const logits = [2, 1, 0.5, -1, 0];

test('draws follow softmax(logits / temperature)', () => {
  for (const temperature of [1, 0.8, 2]) {
    const expected = softmax(logits, temperature);
    frequencies(logits, { temperature }).forEach((f, i) => assert.ok(Math.abs(f - expected[i]) < 0.012, `T=${temperature} id ${i}: ${f} vs ${expected[i]}`));
  }
});

test('the same seed gives the same draws', () => {
  const draw = () => {
    const rng = new Random(3);
    return Array.from({ length: 50 }, () => sampleNext(logits, { temperature: 0.8, topP: 0.9 }, rng));
  };
  assert.deepEqual(draw(), draw());
});

test('topK = 1 is the argmax, and greedy picks the first maximum', () => {
  const rng = new Random(1);
  for (let i = 0; i < 200; i++) assert.equal(sampleNext([0.3, 4, -2, 3.9], { topK: 1, temperature: 5 }, rng), 1);
  assert.equal(greedy([1, 5, 5, -Infinity]), 1);
});

test('topK keeps the k most probable tokens in their renormalised proportions', () => {
  const kept = softmax(logits.slice(0, 2));
  const f = frequencies(logits, { topK: 2 });
  assert.deepEqual(f.slice(2), [0, 0, 0]);
  assert.ok(Math.abs(f[0] - kept[0]) < 0.012);
  assert.equal(frequencies(logits, { topK: 99 }).filter((x) => x > 0).length, logits.length);
});

test('topP keeps the smallest most-probable set whose probability reaches p', () => {
  // probabilities 0.5, 0.3, 0.15, 0.05
  const probs = [0.5, 0.3, 0.15, 0.05];
  const ln = probs.map(Math.log);
  const support = (topP: number) => frequencies(ln, { topP }, 4000).map((f) => f > 0);
  assert.deepEqual(support(0.5), [true, false, false, false]);
  assert.deepEqual(support(0.51), [true, true, false, false]);
  assert.deepEqual(support(0.8), [true, true, false, false]);
  assert.deepEqual(support(0.81), [true, true, true, false]);
  assert.deepEqual(support(1), [true, true, true, true]);
  const f = frequencies(ln, { topP: 0.8 });
  assert.ok(Math.abs(f[0] - 0.5 / 0.8) < 0.012);
});

test('topK applies before topP', () => {
  const ln = [0.4, 0.3, 0.2, 0.1].map(Math.log);
  // top-2 renormalised: 4/7, 3/7; p = 0.6 needs both.
  assert.deepEqual(frequencies(ln, { topK: 2, topP: 0.6 }, 4000).map((f) => f > 0), [true, true, false, false]);
});

test('bad options and logits are typed errors naming the argument', () => {
  const named = (argument: string) => (e: unknown) => e instanceof ValueError && e.argument === argument;
  for (const temperature of [0, -1, NaN, Infinity]) assert.throws(() => sampleNext(logits, { temperature }), named('temperature'));
  for (const topK of [0, -3, 1.5]) assert.throws(() => sampleNext(logits, { topK }), named('topK'));
  for (const topP of [0, -0.1, 1.01, NaN]) assert.throws(() => sampleNext(logits, { topP }), named('topP'));
  assert.throws(() => sampleNext([1, NaN]), named('logits[1]'));
  assert.throws(() => greedy([]), named('logits'));
  assert.throws(() => greedy([-Infinity, -Infinity]), named('logits'));
});
