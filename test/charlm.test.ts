/** CharLM pieces: the one-token Stepper matches the full forward pass; sampling is seeded; CharLM.train learns. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor } from '../src/tensor/tensor.ts';
import { Random } from '../src/tensor/random.ts';
import { noGrad } from '../src/autograd/tape.ts';
import { getBackend } from '../src/backend/registry.ts';
import { createWasmBackend } from '../src/backend/wasm/index.ts';
import { CharLMNet, type CellKind } from '../src/models/charlm-net.ts';
import { Stepper } from '../src/models/stepper.ts';
import { CharLM } from '../src/models/charlm.ts';
import { relativeError } from './reference/cases.ts';

const backends = [getBackend('reference'), await createWasmBackend({ threads: 1 })];

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

test('CharLM.train lowers validation bits per character; samples are seeded', () => {
  const text = 'abcabdabcabd '.repeat(300);
  const { model, trainer } = CharLM.train(text, { hiddenSize: 24, numLayers: 1, embeddingSize: 8, batchSize: 8, seqLen: 16, steps: 120, lr: 1e-2 });
  const first = trainer.history.find((p) => Number.isFinite(p.loss))!.loss / Math.LN2;
  assert.ok(trainer.lastValBpc! < first / 2, `validation ${trainer.lastValBpc} bpc vs first train loss ${first} bpc`);
  const a = model.sample({ prime: 'ab', length: 30, seed: 5, temperature: 0.5 });
  assert.equal(a, model.sample({ prime: 'ab', length: 30, seed: 5, temperature: 0.5 }));
  assert.equal(a.length, 30);
});

test('same seed and thread count give bit-identical training (wasm, 2 threads)', async () => {
  const backend = await createWasmBackend({ threads: 2 });
  const rng = new Random(11);
  const text = Array.from({ length: 6000 }, () => 'abcdefgh ,.'[rng.nextInt(11)]).join('');
  const train = () => {
    const { model } = CharLM.train(text, { hiddenSize: 128, numLayers: 2, embeddingSize: 32, batchSize: 32, seqLen: 32, steps: 3, seed: 4, backend });
    return model.net.parameters().map((p) => Array.from(p.f32));
  };
  const first = train();
  assert.deepEqual(train(), first);
});
