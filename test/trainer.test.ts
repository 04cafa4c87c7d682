/**
 * The Trainer with small tasks: budget (steps, epochs, minutes), evaluation cadence, best by the
 * metric's direction, early stopping, save calls, events, divergence, a task that updates its own
 * parameters, the bounded loss curve, and exact resume of the language-model task through the
 * checkpoint format.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, type Tensor } from '../src/tensor/tensor.ts';
import { Random } from '../src/tensor/random.ts';
import { mean, mul, sub, linear } from '../src/ops/basic.ts';
import { Linear } from '../src/nn/layers.ts';
import { DivergedError, ValueError } from '../src/errors.ts';
import { Trainer, type TrainerEvent } from '../src/train/trainer.ts';
import type { MetricSpec, TaskState, TrainingTask } from '../src/train/task.ts';
import { LossCurve } from '../src/train/loss-curve.ts';
import { renderReport } from '../src/train/report.ts';
import { CharLM } from '../src/models/charlm.ts';
import { LanguageModelTask, prepareLanguageModelData } from '../src/models/charlm-task.ts';
import { decodeCheckpoint, encodeCheckpoint } from '../src/io/checkpoint.ts';
import { modelKind } from '../src/models/kinds.ts';

/** y = 2x₀ − x₁ + 0.5 by a Linear(2 → 1), mean squared error; `metrics` scripts the evaluations when given. */
class RegressionTask implements TrainingTask {
  readonly module = new Linear(2, 1, { rng: new Random(1) });
  readonly itemName = 'examples';
  readonly stepsPerEpoch = 4;
  evaluations = 0;
  position = 0;

  constructor(readonly metric: MetricSpec = { name: 'mse', goal: 'min', description: 'mean squared error' }, private readonly script?: number[], private readonly lossScale = 1) {}

  private batch(rng: Random): { x: Tensor; y: Tensor } {
    const xs = Array.from({ length: 8 }, () => rng.uniform(-1, 1));
    const ys = Array.from({ length: 4 }, (_, i) => 2 * xs[2 * i] - xs[2 * i + 1] + 0.5);
    return { x: tensor(xs, [4, 2]), y: tensor(ys, [4, 1]) };
  }

  batchLoss({ rng }: { rng: Random }): { loss: Tensor; items: number } {
    this.position++;
    const { x, y } = this.batch(rng);
    const d = sub(linear(x, this.module.weight, this.module.bias), y);
    return { loss: mul(mean(mul(d, d)), tensor([this.lossScale], [])), items: 4 };
  }

  evaluate(): { metrics: Record<string, number> } {
    const i = this.evaluations++;
    if (this.script) return { metrics: { [this.metric.name]: this.script[i] } };
    const { x, y } = this.batch(new Random(99));
    const d = sub(linear(x, this.module.weight, this.module.bias), y);
    return { metrics: { mse: mean(mul(d, d)).item() } };
  }

  state(): TaskState {
    return { json: { position: this.position }, arrays: {} };
  }

  restore(state: TaskState): void {
    this.position = (state.json as { position: number }).position;
  }
}

test('budget: steps, epochs (rounded up to whole steps), the first reached; evaluations every evalEvery and at the end', () => {
  const steps = (options: { steps?: number; epochs?: number }) => {
    const trainer = new Trainer(new RegressionTask(), { ...options, evalEvery: 3 });
    trainer.runSync();
    return { step: trainer.step, evaluated: trainer.evaluations.map((e) => e.step) };
  };
  assert.deepEqual(steps({ steps: 7 }), { step: 7, evaluated: [3, 6, 7] });
  assert.deepEqual(steps({ epochs: 1.1 }), { step: 5, evaluated: [3, 5] });
  assert.deepEqual(steps({ steps: 6, epochs: 2 }), { step: 6, evaluated: [3, 6] });
  assert.throws(() => new Trainer(new RegressionTask()).runSync(), (e) => e instanceof ValueError && e.argument === 'budget');
  assert.throws(() => new Trainer(new RegressionTask(), { steps: 0 }), (e) => e instanceof ValueError && e.argument === 'steps');
  assert.throws(() => new Trainer(new RegressionTask(), { evalEvery: 1.5 }), (e) => e instanceof ValueError && e.argument === 'evalEvery');
});

test('training lowers the loss; a minutes budget ends the call; shouldStop interrupts', async () => {
  const trainer = new Trainer(new RegressionTask(), { steps: 200, lr: 0.05, evalEvery: 50 });
  trainer.runSync();
  const mse = trainer.evaluations.map((e) => e.metrics.mse);
  assert.ok(mse[mse.length - 1] < mse[0] / 10, `mse ${mse}`);
  assert.equal(trainer.best!.step, 200);

  const timed = new Trainer(new RegressionTask(), { evalEvery: 1_000_000 }); // no scheduled evaluation within 0.12 s, however fast the machine
  assert.equal(await timed.run({ minutes: 0.002 }), 'time');
  assert.ok(timed.step > 0);
  assert.equal(timed.evaluations.at(-1)?.step, timed.step, 'evaluated where the time ran out');
  assert.equal(timed.best, null, 'an evaluation where the time ran out does not pick the best');

  const stopped = new Trainer(new RegressionTask(), { steps: 100 });
  const saved: string[] = [];
  const reason = await stopped.run({ shouldStop: () => stopped.step >= 3, save: (which) => saved.push(`${which}@${stopped.step}`) });
  assert.equal(reason, 'interrupted');
  assert.equal(stopped.step, 3);
  assert.deepEqual(saved, ['last@3']);
});

test('best follows the metric\'s direction; best is saved right after an improving evaluation', () => {
  for (const [goal, bestStep] of [['min', 6], ['max', 4]] as const) {
    const task = new RegressionTask({ name: 'score', goal, description: 'score' }, [3, 5, 2, 4]);
    const trainer = new Trainer(task, { steps: 8, evalEvery: 2 });
    const saves: string[] = [];
    const events: TrainerEvent['type'][] = [];
    trainer.runSync({ save: (which) => saves.push(`${which}@${trainer.step}`), checkpointSeconds: 1e9, onEvent: (e) => events.push(e.type) });
    assert.equal(trainer.best!.step, bestStep, goal);
    const improvements = goal === 'min' ? ['best@2', 'best@6'] : ['best@2', 'best@4'];
    assert.deepEqual(saves, [...improvements, 'last@8'], goal);
    assert.equal(events[0], 'start');
    assert.equal(events.at(-1), 'done');
    assert.equal(events.filter((e) => e === 'step').length, 8);
  }
});

test('early stopping: after N evaluations in a row without improvement', () => {
  const task = new RegressionTask({ name: 'wer', goal: 'min', description: 'WER' }, [0.5, 0.4, 0.45, 0.41, 0.4, 0.3]);
  const trainer = new Trainer(task, { steps: 100, evalEvery: 1, earlyStop: 3 });
  let done: TrainerEvent | undefined;
  assert.equal(trainer.runSync({ onEvent: (e) => { if (e.type === 'done') done = e; } }), 'early-stop');
  assert.equal(trainer.step, 5);
  assert.equal(trainer.best!.step, 2);
  assert.deepEqual(done, { type: 'done', step: 5, reason: 'early-stop', itemsPerSecond: (done as { itemsPerSecond: number }).itemsPerSecond,
    metrics: { wer: 0.4 }, best: { step: 2, value: 0.4, metrics: { wer: 0.4 } } });
});

test('lrPatience halves the learning rate after every N evaluations in a row without improvement; resume keeps the rate', () => {
  const metrics = [0.5, 0.4, 0.45, 0.41, 0.42, 0.43, 0.3, 0.35, 0.36];
  const task = new RegressionTask({ name: 'wer', goal: 'min', description: 'WER' }, metrics);
  const trainer = new Trainer(task, { steps: 9, evalEvery: 1, lr: 0.1, lrPatience: 2 });
  const rates: number[] = [], reduced: number[] = [];
  trainer.runSync({ onEvent: (e) => { if (e.type === 'evaluation') { rates.push(e.lr); if (e.lrReduced) reduced.push(e.step); } } });
  // no better at steps 3, 4 (halved), 5, 6 (halved); better at 7; no better at 8, 9 (halved)
  assert.deepEqual(reduced, [4, 6, 9]);
  assert.deepEqual(rates, [0.1, 0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.025, 0.0125]);
  const resumed = new Trainer(new RegressionTask({ name: 'wer', goal: 'min', description: 'WER' }, metrics), { steps: 9, evalEvery: 1, lr: 0.1, lrPatience: 2 });
  resumed.restore(trainer.state());
  assert.equal(resumed.lr, 0.0125);
  assert.throws(() => new Trainer(task, { steps: 9, lrPatience: 0 }), ValueError);
});

test('a loss that is not finite throws DivergedError before the update; a task may update its own parameters', () => {
  const task = new RegressionTask(undefined, undefined, NaN);
  const trainer = new Trainer(task, { steps: 5 });
  const before = task.module.weight.toArray();
  assert.throws(() => trainer.trainStep(), (e) => e instanceof DivergedError && e.step === 0);
  assert.deepEqual(task.module.weight.toArray(), before);
  assert.equal(trainer.step, 0);

  const manual = new RegressionTask();
  let updates = 0;
  const selfUpdating: TrainingTask = {
    module: manual.module, metric: manual.metric, stepsPerEpoch: 2, itemName: 'pairs',
    trainStep: ({ step, totalSteps }) => ({ loss: 1 / (++updates + step * 0 + totalSteps * 0), items: 2 }),
    evaluate: () => ({ metrics: { mse: 1 / updates } }),
    state: () => ({ json: null, arrays: {} }),
    restore: () => {},
  };
  const t = new Trainer(selfUpdating, { epochs: 2 });
  assert.equal(t.optimizer, null);
  t.runSync();
  assert.equal(updates, 4);
  assert.deepEqual(t.losses.points().map((p) => p.loss), [1, 1 / 2, 1 / 3, 1 / 4]);
  assert.throws(() => new Trainer({ ...selfUpdating, batchLoss: manual.batchLoss.bind(manual) }), (e) => e instanceof ValueError && e.argument === 'task');
});

test('the loss curve keeps between 1,000 and 2,000 points and their means', () => {
  const curve = new LossCurve();
  for (let step = 1; step <= 10_000; step++) curve.add(step, step % 2);
  const points = curve.points();
  assert.ok(points.length >= 1000 && points.length < 2000, `${points.length} points`);
  assert.ok(points.every((p) => p.loss === 0.5), 'pairs of 0 and 1 average to 0.5');
  assert.equal(points.at(-1)!.step % 8, 0);
  const copy = new LossCurve();
  copy.restore(curve.state());
  copy.add(10_001, 1);
  curve.add(10_001, 1);
  assert.deepEqual(copy.state(), curve.state());
});

test('the report page shows the curves, the best evaluation, previews and task sections', () => {
  const trainer = new Trainer(new RegressionTask(), { steps: 6, evalEvery: 2 });
  trainer.runSync();
  trainer.lastEvaluation = { metrics: {}, sections: [{ kind: 'matrix', title: 'Confusion matrix', rowLabels: ['a', 'b'], columnLabels: ['a', 'b'], values: [[3, 1], [0, 4]] }] };
  const html = renderReport(trainer.report('report <test>', { task: 'regression' }));
  assert.match(html, /<title>report &#60;test&#62;<\/title>/);
  assert.match(html, /Training loss/);
  assert.match(html, /mean squared error \(lower is better\)/);
  assert.match(html, /<h2>Confusion matrix<\/h2><table class="grid">/);
  assert.equal((html.match(/<polyline/g) ?? []).length, 2);
});

/** A tiny LM run on a text, with dropout (its generator is part of the state) and stream windows (carried state). */
function lmRun(text: string, steps: number, windows: 'stream' | 'random' = 'stream') {
  const { vocab, data } = prepareLanguageModelData({ kind: 'text', source: 'test', text }, 3);
  const model = new CharLM(vocab, { cell: 'lstm', embeddingSize: 6, hiddenSize: 12, numLayers: 2, dropout: 0.2, sequences: false }, { rng: new Random(3) });
  const task = new LanguageModelTask(model, data, { seqLen: 8, batchSize: 4, windows });
  return { model, task, trainer: new Trainer(task, { steps, evalEvery: 5, seed: 3, lr: 0.01 }) };
}

for (const windows of ['stream', 'random'] as const) {
  test(`language model (${windows} windows): state → checkpoint bytes → restore continues exactly`, () => {
    const rng = new Random(5);
    const text = Array.from({ length: 3000 }, () => 'abcde fgh.'[rng.nextInt(10)]).join('');
    const straight = lmRun(text, 12, windows);
    straight.trainer.runSync();

    const first = lmRun(text, 12, windows);
    first.trainer.setBudget({ steps: 7 });
    first.trainer.runSync();
    const files = encodeCheckpoint(first.model, { step: 7 }, { options: first.trainer.options, state: first.trainer.state() });
    const loaded = decodeCheckpoint((name) => files[name] ?? null, 'mem', modelKind);
    const model = loaded.model as CharLM;
    const second = new Trainer(new LanguageModelTask(model, first.task.data, first.task.options), { ...loaded.training!.options, steps: 12 });
    second.restore(loaded.training!.state);
    second.runSync();
    const weights = (m: CharLM) => m.net.parameters().map((p) => Array.from(p.f32));
    assert.deepEqual(weights(model), weights(straight.model));
    assert.deepEqual(second.losses.points(), straight.trainer.losses.points());
    assert.deepEqual(second.best, straight.trainer.best);
  });
}
