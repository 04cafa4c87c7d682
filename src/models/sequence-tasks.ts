/**
 * The sequence tasks for the Trainer: classify (TextClassifier), tag (TextTagger), seq2seq
 * (Translator) and generate (TextGenerator). Each trains on epochs of length-bucketed batches
 * (a new grouping and order per epoch, from a seed drawn off the Trainer's generator, so a resumed
 * run replays the same batches) and evaluates on its held-out examples with the task's metric.
 */
import type { Tensor } from '../tensor/tensor.ts';
import { Random } from '../tensor/random.ts';
import type { Module } from '../nn/module.ts';
import { CheckpointError, ValueError } from '../errors.ts';
import type { MetricSpec, ReportSection, StepContext, TaskEvaluation, TaskState, TrainingTask } from '../train/task.ts';
import type { LabeledText, TaggedSentence } from '../data/builtin.ts';
import type { BeamOptions, PairBatch } from './seq2seq.ts';
import type { TextClassifier } from './text-classifier.ts';
import type { TextTagger } from './text-tagger.ts';
import type { TextPair, Translator } from './translator.ts';
import type { TextGenerator } from './text-generator.ts';

/**
 * The batches of one epoch at a time, rebuilt from the epoch's seed: `next` gives the batch after
 * the last one, starting a new epoch (a seed drawn from rng) when the list runs out.
 */
export class EpochBatches<B> {
  private list: B[] | null = null;
  private epoch = 0;
  private index = 0;
  private seed = 0;

  constructor(private readonly make: (rng: Random) => B[]) {}

  next(rng: Random): B {
    if (!this.list || this.index >= this.list.length) {
      if (this.list) this.epoch++;
      this.seed = rng.nextUint32();
      this.list = this.make(new Random(this.seed));
      this.index = 0;
      if (this.list.length === 0) throw new ValueError('training data', 'at least one batch', 'none');
    }
    return this.list[this.index++];
  }

  state(): { epoch: number; index: number; seed: number; started: boolean } {
    return { epoch: this.epoch, index: this.index, seed: this.seed, started: this.list !== null };
  }

  restore(state: unknown): void {
    const s = state as { epoch?: unknown; index?: unknown; seed?: unknown; started?: unknown } | null;
    if (!s || !Number.isSafeInteger(s.epoch) || !Number.isSafeInteger(s.index) || !Number.isSafeInteger(s.seed) || typeof s.started !== 'boolean') {
      throw new CheckpointError(`the task's batch position is invalid: ${JSON.stringify(state)?.slice(0, 80)}`);
    }
    this.epoch = s.epoch as number;
    this.index = s.index as number;
    this.seed = s.seed as number;
    this.list = s.started ? this.make(new Random(this.seed)) : null;
    if (this.list && this.index > this.list.length) throw new CheckpointError(`the task's batch index ${this.index} is past its epoch's ${this.list.length} batches`);
  }
}

/** What the four tasks' models share: a network, the generator of its dropout masks, batching. */
interface BatchingModel<E, B> {
  readonly module: Module;
  readonly rng: Random;
  batches(examples: readonly E[], batchSize: number, rng: Random | null): B[];
}

/**
 * A task over epochs of a model's batches of training examples E; subclasses say what a batch's
 * loss is and how to evaluate. The task's state is its position in the epochs.
 */
abstract class BatchedTask<M extends BatchingModel<E, B>, E, B> {
  private readonly batches: EpochBatches<B>;

  constructor(readonly model: M, readonly train: readonly E[], readonly heldOut: readonly E[], readonly batchSize: number) {
    this.batches = new EpochBatches((rng) => model.batches(train, batchSize, rng));
  }

  get module(): M['module'] {
    return this.model.module;
  }

  get stepsPerEpoch(): number {
    return Math.ceil(this.train.length / this.batchSize);
  }

  protected abstract lossOf(batch: B): { loss: Tensor; items: number };

  batchLoss({ rng }: StepContext): { loss: Tensor; items: number } {
    const batch = this.batches.next(rng);
    this.model.rng.seed(rng.nextUint32()); // dropout masks follow the Trainer's generator (exact resume)
    return this.lossOf(batch);
  }

  state(): TaskState {
    return { json: this.batches.state(), arrays: {} };
  }

  restore(state: TaskState): void {
    this.batches.restore(state.json);
  }
}

export const ACCURACY: MetricSpec = { name: 'accuracy', goal: 'max', description: 'held-out accuracy' };

export class ClassifyTask extends BatchedTask<TextClassifier, LabeledText, ReturnType<TextClassifier['batches']>[number]> implements TrainingTask {
  readonly metric = ACCURACY;
  readonly itemName = 'sequences';

  protected lossOf(b: ReturnType<TextClassifier['batches']>[number]): { loss: Tensor; items: number } {
    return { loss: this.model.module.loss(b.batch, b.labels), items: b.labels.length };
  }

  evaluate(): TaskEvaluation {
    const e = this.model.evaluate(this.heldOut, this.train);
    const sections: ReportSection[] = [{
      kind: 'matrix', title: `Confusion matrix (${e.count} held-out examples)`, rowLabels: e.labels, columnLabels: e.labels, values: e.confusion,
      rowTitle: 'true label', columnTitle: 'predicted',
    }];
    return { metrics: { accuracy: e.accuracy, majority_baseline: e.majority_baseline, count: e.count }, sections };
  }

  preview(): string {
    const few = this.heldOut.slice(0, 5);
    return this.model.predict(few.map((e) => e.text)).map((p, i) => `${few[i].text} → ${p.label} (${few[i].label})`).join('\n');
  }
}

export class TagTask extends BatchedTask<TextTagger, TaggedSentence, ReturnType<TextTagger['batches']>[number]> implements TrainingTask {
  readonly metric = ACCURACY;
  readonly itemName = 'sentences';

  protected lossOf(b: ReturnType<TextTagger['batches']>[number]): { loss: Tensor; items: number } {
    return { loss: this.model.module.loss(b.batch, b.tags), items: b.batch.batch };
  }

  evaluate(): TaskEvaluation {
    const e = this.model.evaluate(this.heldOut, this.train);
    const metrics: Record<string, number> = { accuracy: e.accuracy, most_frequent_tag_baseline: e.most_frequent_tag_baseline, tokens: e.tokens };
    if (e.f1 !== undefined) Object.assign(metrics, { f1: e.f1, precision: e.precision, recall: e.recall });
    const rows = Object.entries(e.perTag).map(([tag, s]) => [tag, s.precision, s.recall, s.f1, s.support]);
    return { metrics, sections: [{ kind: 'table', title: 'Per-tag precision, recall and F1 (held-out tokens)', columns: ['tag', 'precision', 'recall', 'F1', 'support'], rows }] };
  }

  preview(): string {
    const s = this.heldOut[0];
    if (!s) return '';
    const tags = this.model.predict([s.tokens])[0];
    return s.tokens.slice(0, 20).map((w, i) => `${w}/${tags[i]}`).join(' ');
  }
}

export const WER: MetricSpec = { name: 'wer', goal: 'min', description: 'held-out word error rate' };

export class Seq2SeqTask extends BatchedTask<Translator, TextPair, PairBatch> implements TrainingTask {
  readonly metric = WER;
  readonly itemName = 'pairs';

  /** `beam`: the decoding of evaluate(); held-out pairs are all evaluated, each source once. */
  constructor(model: Translator, train: readonly TextPair[], heldOut: readonly TextPair[], batchSize: number, readonly beam: BeamOptions) {
    super(model, train, heldOut, batchSize);
  }

  protected lossOf(b: PairBatch): { loss: Tensor; items: number } {
    return { loss: this.model.module.loss(b), items: b.B };
  }

  evaluate(): TaskEvaluation {
    const e = this.model.evaluate(this.heldOut, this.beam);
    const examples = [...new Set(this.heldOut.map((p) => p.source))].slice(0, 3);
    const sections: ReportSection[] = this.model.translate(examples, this.beam).map((t, i) => ({
      kind: 'matrix', title: `Attention: "${examples[i]}" → "${t.text}"`,
      rowLabels: [...t.tokens, '</s>'], columnLabels: t.sourceTokens, values: t.attention.map((row) => Array.from(row)),
      rowTitle: 'output', columnTitle: 'source',
    }));
    return { metrics: { wer: e.wer, per: e.per, exact_match: e.exact_match, count: e.count }, sections };
  }

  preview(): string {
    const sources = [...new Set(this.heldOut.map((p) => p.source))].slice(0, 3);
    return this.model.translate(sources, { beam: 1 }).map((t, i) => `${sources[i]} → ${t.text}`).join('\n');
  }
}

export const GENERATOR_LOSS: MetricSpec = { name: 'loss', goal: 'min', description: 'held-out cross-entropy (nats per token)' };

export class GenerateTask extends BatchedTask<TextGenerator, LabeledText, ReturnType<TextGenerator['batches']>[number]> implements TrainingTask {
  readonly metric = GENERATOR_LOSS;
  readonly itemName = 'sequences';

  protected lossOf(b: ReturnType<TextGenerator['batches']>[number]): { loss: Tensor; items: number } {
    return { loss: this.model.module.loss(b.texts, this.model.module.classCondition(b.classes)), items: b.texts.length };
  }

  evaluate(): TaskEvaluation {
    const e = this.model.evaluate(this.heldOut);
    const sections: ReportSection[] = [{
      kind: 'table', title: 'Samples per class (temperature 0.8)', columns: ['class', 'samples'],
      rows: this.model.classes.tokens.map((c) => [c, this.model.sample(c, { count: 5, temperature: 0.8, seed: 1 }).join(', ')]),
    }];
    return { metrics: { loss: e.loss, perplexity: e.perplexity, count: e.count }, sections };
  }

  preview(step: number): string {
    return this.model.classes.tokens.slice(0, 4)
      .map((c) => `${c}: ${this.model.sample(c, { count: 3, temperature: 0.8, seed: step }).join(', ')}`).join('\n');
  }
}
