/** CharLM pieces: the one-token Stepper matches the full forward pass; sampling is seeded and never yields a marker; trainCharLM learns. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor } from '../src/tensor/tensor.ts';
import { Random } from '../src/tensor/random.ts';
import { noGrad } from '../src/autograd/tape.ts';
import { getBackend } from '../src/backend/registry.ts';
import { createWasmBackend } from '../src/backend/wasm/index.ts';
import { loadNativeBackend } from '../src/backend/native/index.ts';
import { CharLMNet, type CellKind } from '../src/models/charlm-net.ts';
import { Stepper } from '../src/models/stepper.ts';
import { CharLM, END, START } from '../src/models/charlm.ts';
import { CharVocab } from '../src/data/vocab.ts';
import { Embedding, Linear } from '../src/nn/layers.ts';
import { GRU } from '../src/nn/rnn.ts';
import { trainCharLM } from '../src/models/charlm-task.ts';
import { relativeError } from './reference/cases.ts';

const backends = [getBackend('reference'), await createWasmBackend({ threads: 1 }), loadNativeBackend({ threads: 1 })];

for (const backend of backends) {
  for (const cell of ['lstm', 'gru', 'rnn'] as CellKind[]) {
    test(`Stepper equals the full forward pass: ${cell}, 2 layers [${backend.name}]`, () => {
      const net = new CharLMNet({ cell, vocabSize: 11, embeddingSize: 5, hiddenSize: 7, numLayers: 2, backend, rng: new Random(3) });
      const ids = [3, 1, 4, 1, 5, 9, 2, 6];
      const full = noGrad(() => net.forward(tensor(ids, [ids.length, 1], { dtype: 'int32', backend })).logits.f32);
      const stepper = new Stepper(net);
      ids.forEach((id, t) => {
        const row = stepper.step(id);
        const err = relativeError(Array.from(row), Array.from(full.subarray(t * 11, (t + 1) * 11)));
        assert.ok(err < 1e-5, `step ${t}: relative error ${err}`);
      });
      stepper.reset();
      assert.ok(relativeError(Array.from(stepper.step(ids[0])), Array.from(full.subarray(0, 11))) < 1e-5, 'reset restarts from zeros');
      assert.throws(() => stepper.step(11), /token id in \[0, 11\)/);
      stepper.dispose();
    });
  }
}

for (const backend of backends) {
  test(`Stepper equals the full forward pass: GRU reset-before, 2 layers [${backend.name}]`, () => {
    const rng = new Random(4);
    const net = {
      embedding: new Embedding(9, 5, { backend, rng }),
      rnn: new GRU({ inputSize: 5, hiddenSize: 6, numLayers: 2, resetBefore: true, backend, rng }),
      linear: new Linear(6, 9, { backend, rng }),
    };
    const ids = [1, 8, 2, 7, 3];
    const full = noGrad(() => net.linear.forward(net.rnn.forward(net.embedding.forward(tensor(ids, [ids.length, 1], { dtype: 'int32', backend }))).output).f32);
    const stepper = new Stepper(net);
    ids.forEach((id, t) => {
      const err = relativeError(Array.from(stepper.step(id)), Array.from(full.subarray(t * 9, (t + 1) * 9)));
      assert.ok(err < 1e-5, `step ${t}: relative error ${err}`);
    });
    stepper.dispose();
  });
}

test('samples never contain a marker token: a sequence model draws neither <s> nor, except to end, </s>', () => {
  const vocab = CharVocab.fromText('abcde', { specials: [START, END] });
  const model = new CharLM(vocab, { cell: 'gru', embeddingSize: 4, hiddenSize: 8, numLayers: 1, dropout: 0, sequences: true }, { rng: new Random(2) });
  // an untrained model: without the rule, <s> (1 in 7 tokens) would turn up many times in 20 × 50 draws
  for (let seed = 0; seed < 20; seed++) {
    const text = model.sample({ length: 50, seed, temperature: 2 });
    assert.ok(!text.includes('<') && !text.includes('>'), `seed ${seed}: ${text}`);
  }
});

test('stream() runs at the speed of generation (no timer wait per character)', async () => {
  const vocab = CharVocab.fromText('abcdefgh');
  const model = new CharLM(vocab, { cell: 'lstm', embeddingSize: 4, hiddenSize: 8, numLayers: 1, dropout: 0, sequences: false }, { rng: new Random(2) });
  const started = performance.now();
  let count = 0;
  for await (const _ of model.stream({ length: 2000, seed: 1 })) count++;
  const ms = performance.now() - started;
  assert.equal(count, 2000);
  // waiting for a timer per character (≥ 1 ms each) took ≥ 2 s
  assert.ok(ms < 1000, `2,000 characters took ${ms.toFixed(0)} ms`);
});

test('trainCharLM lowers validation bits per character; samples are seeded', () => {
  const text = 'abcabdabcabd '.repeat(300);
  const { model, trainer } = trainCharLM(text, { hiddenSize: 24, numLayers: 1, embeddingSize: 8, batchSize: 8, seqLen: 16, steps: 120, lr: 1e-2 });
  const first = trainer.losses.points()[0].loss / Math.LN2;
  const validation = trainer.evaluations.at(-1)!;
  assert.equal(validation.step, 120);
  assert.ok(validation.metrics.bpc < first / 2, `validation ${validation.metrics.bpc} bpc vs first train loss ${first} bpc`);
  const a = model.sample({ prime: 'ab', length: 30, seed: 5, temperature: 0.5 });
  assert.equal(a, model.sample({ prime: 'ab', length: 30, seed: 5, temperature: 0.5 }));
  assert.equal(a.length, 30);
});

for (const [label, create] of [
  ['wasm', () => createWasmBackend({ threads: 2 })],
  ['native', async () => loadNativeBackend({ threads: 2 })],
] as const) test(`same seed and thread count give bit-identical training (${label}, 2 threads)`, async () => {
  const backend = await create();
  const rng = new Random(11);
  const text = Array.from({ length: 6000 }, () => 'abcdefgh ,.'[rng.nextInt(11)]).join('');
  const train = () => {
    const { model } = trainCharLM(text, { hiddenSize: 128, numLayers: 2, embeddingSize: 32, batchSize: 32, seqLen: 32, steps: 3, seed: 4, backend });
    return model.net.parameters().map((p) => Array.from(p.f32));
  };
  const first = train();
  assert.deepEqual(train(), first);
});
