/**
 * The language-model task (`lm`) for the Trainer: a CharLM trained by truncated BPTT over a text
 * (stream windows with the detached state carried across windows, or random windows like the
 * PyTorch anchor), or over padded batches of sequences (names). Dev metric: validation bits per
 * character (lower is better). Also the data preparation (vocabulary, held-out split) and
 * `trainCharLM`, the one-call way to train from a script.
 */
import type { Backend } from '../backend/backend.ts';
import { Tensor, keep, tensor } from '../tensor/tensor.ts';
import { Random } from '../tensor/random.ts';
import { CharVocab } from '../data/vocab.ts';
import type { Corpus } from '../data/corpus.ts';
import { StreamBatcher, randomWindows, trainValidationSplit, type StreamBatcherState, type Windows } from '../data/batching.ts';
import type { NamedArray } from '../io/safetensors.ts';
import { ValueError, VocabError, positiveInteger } from '../errors.ts';
import { Trainer, type TrainerOptions } from '../train/trainer.ts';
import type { TaskEvaluation, MetricSpec, StepContext, TaskState, TrainingTask } from '../train/task.ts';
import type { RecurrentState } from './charlm-net.ts';
import { CharLM, DEFAULT_CONFIG, END, START, type CharLMConfig } from './charlm.ts';

export type LanguageModelData =
  | { kind: 'text'; train: Int32Array; validation: Int32Array }
  | { kind: 'sequences'; train: Int32Array[]; validation: Int32Array[] };

export interface LanguageModelTaskOptions {
  /** Characters per window (text). */
  seqLen: number;
  /** Windows (text) or sequences per batch. */
  batchSize: number;
  /** 'stream': contiguous rows, state carried between windows; 'random': independent random windows. */
  windows: 'stream' | 'random';
}

export const DEFAULT_LM_OPTIONS: LanguageModelTaskOptions = { seqLen: 64, batchSize: 32, windows: 'stream' };

/** Share of the data held out for validation. */
const HELD_OUT = 0.1;

/**
 * Vocabulary and train/validation split: the last 10 % of a text; a seeded 10 % of a sequence
 * list. With `vocab` (a trained model's), characters it lacks are reported all at once.
 */
export function prepareLanguageModelData(corpus: Corpus, seed: number, vocab?: CharVocab): { vocab: CharVocab; data: LanguageModelData } {
  try {
    if (corpus.kind === 'text') {
      const v = vocab ?? CharVocab.fromText(corpus.text);
      const { train, validation } = trainValidationSplit(v.encode(corpus.text), HELD_OUT);
      return { vocab: v, data: { kind: 'text', train, validation } };
    }
    const v = vocab ?? CharVocab.fromText(corpus.sequences.join(''), { specials: [START, END] });
    const shuffled = new Random(seed).shuffle(corpus.sequences.map((s) => v.encode(s)));
    const cut = shuffled.length - Math.max(1, Math.floor(shuffled.length * HELD_OUT));
    if (cut < 1) throw new ValueError(corpus.source, 'at least 2 sequences (one to train on, one held out)', String(shuffled.length));
    return { vocab: v, data: { kind: 'sequences', train: shuffled.slice(0, cut), validation: shuffled.slice(cut) } };
  } catch (e) {
    if (e instanceof VocabError) throw new VocabError(`${corpus.source}: ${e.message}`);
    throw e;
  }
}

export const BPC: MetricSpec = { name: 'bpc', goal: 'min', description: 'validation bits per character' };

export class LanguageModelTask implements TrainingTask {
  readonly metric = BPC;
  readonly itemName = 'tokens';
  readonly options: LanguageModelTaskOptions;
  private readonly batcher: StreamBatcher | null;
  private carried: RecurrentState | null = null;
  private nextCarried: RecurrentState | null = null;

  constructor(readonly model: CharLM, readonly data: LanguageModelData, options: Partial<LanguageModelTaskOptions> = {}) {
    this.options = { ...DEFAULT_LM_OPTIONS, ...options };
    const { seqLen, batchSize, windows } = this.options;
    positiveInteger('seqLen', seqLen);
    positiveInteger('batchSize', batchSize);
    if (windows !== 'stream' && windows !== 'random') throw new ValueError('windows', '"stream" or "random"', JSON.stringify(windows));
    if (model.config.sequences !== (data.kind === 'sequences')) {
      throw new ValueError('data', model.config.sequences ? 'a list of sequences for a sequence model' : 'a text for a text model', data.kind);
    }
    if (data.kind === 'text') {
      const needed = batchSize * (seqLen + 1);
      if (data.train.length < needed) {
        throw new ValueError('text', `at least batch × (seqLen + 1) = ${batchSize} × ${seqLen + 1} = ${needed} training characters (use a longer text or a smaller batch or seqLen)`, `${data.train.length}`);
      }
      if (data.validation.length < seqLen + 1) {
        throw new ValueError('text', `a validation part (last 10 %) of at least seqLen + 1 = ${seqLen + 1} characters (use a longer text or a smaller seqLen)`, `${data.validation.length}`);
      }
    } else if (data.train.length < batchSize) {
      throw new ValueError('sequences', `at least batch = ${batchSize} training sequences (use a smaller batch)`, `${data.train.length}`);
    }
    this.batcher = data.kind === 'text' && windows === 'stream' ? new StreamBatcher(data.train, batchSize, seqLen) : null;
  }

  get module(): CharLM['net'] {
    return this.model.net;
  }

  get stepsPerEpoch(): number {
    const { batchSize, seqLen } = this.options;
    if (this.batcher) return this.batcher.windowsPerEpoch;
    if (this.data.kind === 'text') return Math.max(1, Math.floor(this.data.train.length / (batchSize * seqLen)));
    return Math.max(1, Math.floor(this.data.train.length / batchSize));
  }

  batchLoss({ rng }: StepContext): { loss: Tensor; items: number } {
    const { batchSize, seqLen } = this.options;
    const { net, backend } = this.model;
    if (this.data.kind === 'sequences') {
      const train = this.data.train;
      const batch = this.model.sequenceBatch(Array.from({ length: batchSize }, () => train[rng.nextInt(train.length)]));
      return { loss: net.loss(batch.ids, batch.targets, { lengths: batch.lengths }), items: batch.predicted };
    }
    let windows: Windows;
    if (this.batcher) {
      const w = this.batcher.next();
      if (w.resetState) this.dropCarried();
      windows = w;
    } else {
      windows = randomWindows(this.data.train, batchSize, seqLen, rng);
    }
    const ids = tensor(windows.inputs, [windows.steps, windows.batch], { dtype: 'int32', backend });
    const targets = tensor(windows.targets, [windows.steps, windows.batch], { dtype: 'int32', backend });
    const { loss, state } = net.lossWithState(ids, targets, { state: this.carried });
    this.nextCarried = this.batcher ? state : null;
    return { loss, items: ids.size };
  }

  /** Keeps the final state, detached, as the next window's initial state. */
  afterStep(): void {
    if (!this.nextCarried) return;
    const { h, c } = this.nextCarried;
    this.dropCarried();
    this.carried = { h: keep(h.detach()), c: c ? keep(c.detach()) : null };
    this.nextCarried = null;
  }

  private dropCarried(): void {
    this.carried?.h.dispose();
    this.carried?.c?.dispose();
    this.carried = null;
  }

  evaluate(): TaskEvaluation {
    const e = this.data.kind === 'text'
      ? this.model.evaluate(this.data.validation, this.options.seqLen)
      : this.model.evaluateSequences(this.data.validation);
    return { metrics: { bpc: e.bitsPerChar, perplexity: e.perplexity, characters: e.characters } };
  }

  /** A sample: 200 characters of text, or five sequences. */
  preview(step: number): string {
    if (!this.model.config.sequences) return this.model.sample({ length: 200, temperature: 0.8, seed: step });
    return Array.from({ length: 5 }, (_, i) => this.model.sample({ length: 40, temperature: 0.8, seed: step * 5 + i })).join('\n');
  }

  state(): TaskState {
    const plain = (t: Tensor): NamedArray => ({ shape: [...t.shape], data: t.f32.slice(0, t.size) });
    const arrays: Record<string, NamedArray> = {};
    if (this.carried) {
      arrays['carried.h'] = plain(this.carried.h);
      if (this.carried.c) arrays['carried.c'] = plain(this.carried.c);
    }
    return { json: { batcher: this.batcher ? { ...this.batcher.state() } : null, dropoutRng: this.model.rng.getState() }, arrays };
  }

  restore(state: TaskState): void {
    const json = state.json as { batcher?: StreamBatcherState | null; dropoutRng?: number[] } | null;
    const rng = json?.dropoutRng;
    if (!Array.isArray(rng) || rng.length !== 4) throw new ValueError('task state dropoutRng', 'four 32-bit words', JSON.stringify(rng));
    if (this.batcher) {
      if (!json?.batcher) throw new ValueError('task state batcher', 'the stream position of a stream-trained run', 'none');
      this.batcher.restore(json.batcher);
    }
    const h = state.arrays['carried.h'], c = state.arrays['carried.c'] ?? null;
    const rnn = this.model.net.rnn;
    const expected = [rnn.numLayers * rnn.directions, this.options.batchSize, rnn.hiddenSize];
    for (const [name, a] of [['carried.h', h], ['carried.c', c]] as const) {
      if (a && (a.shape.length !== 3 || a.shape.some((d, i) => d !== expected[i]) || !(a.data instanceof Float32Array))) {
        throw new ValueError(`task state ${name}`, `F32 [${expected.join(', ')}]`, `${a.data instanceof Float32Array ? 'F32' : 'I32'} [${a.shape.join(', ')}]`);
      }
    }
    if ((c !== null) !== (rnn.mode === 'LSTM' && h !== undefined)) throw new ValueError('task state carried.c', rnn.mode === 'LSTM' ? 'a cell state beside carried.h' : 'none', c ? 'one' : 'none');
    this.model.rng.setState(rng);
    this.dropCarried();
    if (h) {
      const backend = this.model.backend;
      const load = (a: NamedArray): Tensor => keep(tensor(a.data, a.shape, { backend }));
      this.carried = { h: load(h), c: c && load(c) };
    }
  }
}

/** Options of {@link trainCharLM}: the model, the task and the Trainer's, plus a backend and a per-step callback. */
export type TrainCharLMOptions = Partial<CharLMConfig> & Partial<LanguageModelTaskOptions> & Partial<TrainerOptions> & {
  backend?: Backend;
  onStep?: (trainer: Trainer) => void;
};

/**
 * Trains a CharLM on a text (last 10 % held out for validation) for `steps` or `epochs`; returns
 * the model and its trainer (history, best, validation).
 */
export function trainCharLM(text: string, options: TrainCharLMOptions = {}): { model: CharLM; trainer: Trainer } {
  const { backend, onStep, cell, embeddingSize, hiddenSize, numLayers, dropout, seqLen, batchSize, windows, ...trainerOptions } = options;
  const seed = trainerOptions.seed ?? 0;
  const { vocab, data } = prepareLanguageModelData({ kind: 'text', source: 'text', text }, seed);
  const config: CharLMConfig = { ...DEFAULT_CONFIG, ...defined({ cell, embeddingSize, hiddenSize, numLayers, dropout }), sequences: false };
  const model = new CharLM(vocab, config, { backend, rng: new Random(seed) });
  const task = new LanguageModelTask(model, data, defined({ seqLen, batchSize, windows }));
  const trainer = new Trainer(task, trainerOptions);
  if (!Number.isFinite(trainer.totalSteps)) throw new ValueError('options', 'a budget: steps or epochs', 'neither');
  trainer.runSync({ onEvent: (e) => e.type === 'step' && onStep?.(trainer) });
  return { model, trainer };
}

function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
