/**
 * The text-level models (tokenizer + vocabulary + network): trained briefly on real data, they
 * predict, evaluate with the task's metrics, and rebuild from their description with the same outputs.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { tidy } from '../src/tensor/tensor.ts';
import { Random } from '../src/tensor/random.ts';
import { backward } from '../src/autograd/tape.ts';
import { Adam, clipGradNorm } from '../src/optim/index.ts';
import type { Module } from '../src/nn/module.ts';
import type { Tensor } from '../src/tensor/tensor.ts';
import { loadSequenceDataset } from '../src/node/datasets.ts';
import { generateDates } from '../src/data/dates.ts';
import { TextClassifier } from '../src/models/text-classifier.ts';
import { TextTagger } from '../src/models/text-tagger.ts';
import { Translator } from '../src/models/translator.ts';
import { TextGenerator } from '../src/models/text-generator.ts';
import type { LabeledText, Split, TaggedSentence } from '../src/data/builtin.ts';

function fit<B>(module: Module, epochs: number, lr: number, batches: (rng: Random) => B[], loss: (b: B) => Tensor): void {
  const params = module.parameters();
  const opt = new Adam(params, { lr });
  const rng = new Random(0);
  for (let e = 0; e < epochs; e++) {
    for (const b of batches(rng)) {
      tidy(() => {
        opt.zeroGrad();
        backward(loss(b));
        clipGradNorm(params, 5);
        opt.step();
      });
    }
  }
}

/** The same model rebuilt from its description with its weights. */
function reload<M extends { module: Module; describe(): object }>(model: M, fromDescription: (d: unknown) => M): M {
  const again = fromDescription(JSON.parse(JSON.stringify(model.describe())));
  again.module.loadStateDict(model.module.stateDict());
  return again;
}

describe('text models', () => {
  test('TextClassifier on names-gender: beats the majority baseline; confusion matrix; reloads', async () => {
    const d = await loadSequenceDataset('names-gender', 'classify');
    const { train, test: held } = d.split as Split<LabeledText>;
    if (d.task !== 'classify') throw new Error('classify');
    const model = TextClassifier.build(train, d.tokenizer, { hiddenSize: 32, embeddingSize: 16, dropout: 0 });
    fit(model.module, 1, 0.01, (rng) => model.batches(train.slice(0, 1600), 64, rng), (b) => model.module.loss(b.batch, b.labels));
    const e = model.evaluate(held.slice(0, 300), train);
    assert.ok(e.accuracy > e.majority_baseline + 0.05, `accuracy ${e.accuracy} vs majority ${e.majority_baseline}`);
    assert.deepEqual(e.labels, ['female', 'male']);
    assert.equal(e.confusion.flat().reduce((a, b) => a + b, 0), 300);
    const again = reload(model, (x) => TextClassifier.fromDescription(x));
    assert.deepEqual(again.predict(['Anna', 'Bob']), model.predict(['Anna', 'Bob']));
    assert.throws(() => model.evaluate([{ text: 'x', label: 'other' }]), /unseen "other"/);
    const long = model.predict(['a'.repeat(model.config.maxLength + 5)])[0];
    assert.ok(long.truncated);
  });

  test('TextTagger with a CRF on the CoNLL NER file: entity F1 and per-tag scores; reloads', async () => {
    const d = await loadSequenceDataset(join(import.meta.dirname, 'fixtures', 'data', 'ner.conll'), 'tag');
    const { train } = d.split as Split<TaggedSentence>;
    const all = [...train, ...(d.split as Split<TaggedSentence>).dev];
    const model = TextTagger.build(all, { crf: true, embeddingSize: 16, hiddenSize: 16, dropout: 0, lowercase: false, unkReplace: 0 });
    fit(model.module, 40, 0.02, (rng) => model.batches(all, 8, rng), (b) => model.module.loss(b.batch, b.tags));
    const e = model.evaluate(all, all);
    assert.ok(e.f1 !== undefined && e.f1 > 0.9, `entity F1 ${e.f1}`);
    assert.ok(e.accuracy > 0.95 && e.perTag['B-PER'].support > 0);
    const again = reload(model, (x) => TextTagger.fromDescription(x));
    assert.deepEqual(again.predict([['Anna', 'lives', 'in', 'Oslo', '.']]), model.predict([['Anna', 'lives', 'in', 'Oslo', '.']]));
    assert.throws(() => model.evaluate([{ tokens: ['x'], tags: ['B-MISC'] }], all), /unseen "B-MISC"/);
  });

  test('Translator on dates: learns some, evaluates WER / PER / exact match, attention per output step; reloads', () => {
    const { train, test: held } = generateDates(0, 800);
    const model = Translator.build(train, { source: { kind: 'char', lowercase: true }, target: { kind: 'char' } },
      { embeddingSize: 16, encoderHidden: 24, decoderHidden: 48 });
    fit(model.module, 3, 0.01, (rng) => model.batches(train, 32, rng), (b) => model.module.loss(b));
    const e = model.evaluate(held.slice(0, 50), { beam: 3 });
    assert.equal(e.count, 50);
    assert.ok(e.per < 0.6, `PER ${e.per}`);
    const [t] = model.translate(['9 may 2018'], { beam: 3 });
    assert.equal(t.attention.length, t.tokens.length + 1);
    assert.equal(t.attention[0].length, t.sourceTokens.length);
    const again = reload(model, (x) => Translator.fromDescription(x));
    assert.equal(again.translate(['9 may 2018'], { beam: 3 })[0].text, t.text);
  });

  test('TextGenerator on surnames: samples per language, unknown class lists the known ones; reloads', async () => {
    const d = await loadSequenceDataset('surnames', 'generate');
    const { train, dev } = d.split as Split<LabeledText>;
    if (d.task !== 'generate') throw new Error('generate');
    const model = TextGenerator.build(train, d.tokenizer, { hiddenSize: 32, embeddingSize: 16 });
    const before = model.evaluate(dev.slice(0, 200)).loss;
    fit(model.module, 1, 0.01, (rng) => model.batches(train.slice(0, 2000), 64, rng), (b) => model.module.loss(b.texts, model.module.classCondition(b.classes)));
    assert.ok(model.evaluate(dev.slice(0, 200)).loss < before - 0.3);
    const names = model.sample('Italian', { count: 5, seed: 1 });
    assert.equal(names.length, 5);
    assert.throws(() => model.sample('Klingon'), /--class: expected one of .*Italian.*, got "Klingon"/);
    const again = reload(model, (x) => TextGenerator.fromDescription(x));
    assert.deepEqual(again.sample('Italian', { count: 5, seed: 1 }), names);
  });
});
