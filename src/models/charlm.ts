/**
 * CharLM: a character-level language model — a vocabulary plus a CharLMNet — with evaluation in
 * bits per character, streaming sampling, and a portable checkpoint form (weights + JSON).
 * Training lives in trainer.ts; files in src/node/checkpoint.ts.
 */
import type { Backend } from '../backend/backend.ts';
import { getBackend } from '../backend/registry.ts';
import { Tensor, tensor, tidy } from '../tensor/tensor.ts';
import { Random } from '../tensor/random.ts';
import { noGrad } from '../autograd/tape.ts';
import { CharVocab, type CharVocabJSON } from '../data/vocab.ts';
import { consecutiveWindows, paddedBatch } from '../data/batching.ts';
import { crossEntropy } from '../ops/softmax.ts';
import { reshape } from '../ops/basic.ts';
import { sampleNext, type SamplingOptions } from '../sampling/index.ts';
import { ValueError } from '../errors.ts';
import { CharLMNet, type CellKind } from './charlm-net.ts';
import { Stepper } from './stepper.ts';
import { DEFAULT_TRAIN_OPTIONS, Trainer, type TrainOptions } from './trainer.ts';
import { trainValidationSplit } from '../data/batching.ts';

export const START = '<s>';
export const END = '</s>';

export interface CharLMConfig {
  cell: CellKind;
  embeddingSize: number;
  hiddenSize: number;
  numLayers: number;
  dropout: number;
  /** The data is a list of sequences (e.g. names) framed by START/END markers. */
  sequences: boolean;
}

export const DEFAULT_CONFIG: CharLMConfig = { cell: 'lstm', embeddingSize: 64, hiddenSize: 256, numLayers: 2, dropout: 0, sequences: false };

export interface Evaluation {
  /** Mean cross-entropy in nats per predicted character. */
  loss: number;
  bitsPerChar: number;
  perplexity: number;
  characters: number;
}

export interface SampleOptions extends SamplingOptions {
  /** Text to condition on; for a sequence model, the start of a sequence. */
  prime?: string;
  /** Characters to generate (a sequence model also stops at its end marker). */
  length?: number;
  seed?: number;
}

export class CharLM {
  readonly net: CharLMNet;

  constructor(
    readonly vocab: CharVocab,
    readonly config: CharLMConfig,
    options: { backend?: Backend; rng?: Random } = {},
  ) {
    if (config.sequences && !(vocab.specials.includes(START) && vocab.specials.includes(END))) {
      throw new ValueError('vocab', `the special tokens ${START} and ${END} for a sequence model`, `[${vocab.specials.join(', ')}]`);
    }
    this.net = new CharLMNet({ ...config, vocabSize: vocab.size, backend: options.backend ?? getBackend(), rng: options.rng });
  }

  /**
   * Trains a model on a text (last 10 % held out for validation) with the given model and training
   * options; `onStep` sees every step. Returns the model and its trainer (history, validation).
   */
  static train(
    text: string,
    options: Partial<CharLMConfig> & Partial<TrainOptions> & { backend?: Backend; onStep?: (trainer: Trainer) => void } = {},
  ): { model: CharLM; trainer: Trainer } {
    const { backend, onStep, ...rest } = options;
    const vocab = CharVocab.fromText(text);
    const config = { ...DEFAULT_CONFIG, ...pick(rest, Object.keys(DEFAULT_CONFIG)), sequences: false };
    const model = new CharLM(vocab, config as CharLMConfig, { backend, rng: new Random(rest.seed ?? 0) });
    const { train, validation } = trainValidationSplit(vocab.encode(text));
    const trainer = new Trainer(model, { kind: 'text', train, validation }, pick(rest, [...Object.keys(DEFAULT_TRAIN_OPTIONS), 'steps', 'epochs', 'minutes']));
    if (!Number.isFinite(trainer.totalSteps)) throw new ValueError('options', 'a budget: steps or epochs', 'neither');
    while (trainer.step < trainer.totalSteps) {
      trainer.trainStep();
      onStep?.(trainer);
    }
    trainer.validate();
    return { model, trainer };
  }

  get backend(): Backend {
    return this.net.embedding.weight.backend;
  }

  /** Stateless evaluation over consecutive windows of a token stream (like the PyTorch anchor). */
  evaluate(tokens: Int32Array, seqLen = 64): Evaluation {
    let total = 0, count = 0;
    const wasTraining = this.net.training;
    this.net.eval();
    noGrad(() => {
      for (const w of consecutiveWindows(tokens, seqLen)) {
        tidy(() => {
          const ids = tensor(w.inputs, [w.steps, w.batch], { dtype: 'int32', backend: this.backend });
          const targets = tensor(w.targets, [w.steps, w.batch], { dtype: 'int32', backend: this.backend });
          const { logits } = this.net.forward(ids);
          total += crossEntropy(reshape(logits, [ids.size, this.vocab.size]), targets, { reduction: 'sum' }).item();
          count += ids.size;
        });
      }
    });
    this.net.train(wasTraining);
    return summarize(total, count);
  }

  /** Evaluation over whole sequences framed by START/END (padding ignored). */
  evaluateSequences(sequences: readonly Int32Array[], batchSize = 256): Evaluation {
    let total = 0, count = 0;
    noGrad(() => {
      for (let i = 0; i < sequences.length; i += batchSize) {
        tidy(() => {
          const batch = this.sequenceBatch(sequences.slice(i, i + batchSize));
          total += crossEntropy(batch.logits(this), batch.targets, { reduction: 'sum', ignoreIndex: -1 }).item();
          count += batch.predicted;
        });
      }
    });
    return summarize(total, count);
  }

  /** Inputs (START + sequence) and targets (sequence + END, −1 past the end) of a padded batch. */
  sequenceBatch(sequences: readonly Int32Array[]): { logits: (lm: CharLM) => Tensor; targets: Tensor; predicted: number } {
    const start = this.vocab.specialId(START), end = this.vocab.specialId(END);
    const framed = sequences.map((s) => Int32Array.from([start, ...s, end]));
    const padded = paddedBatch(framed, end);
    const T = padded.T - 1, B = padded.batch;
    const inputs = new Int32Array(T * B), targets = new Int32Array(T * B).fill(-1);
    let predicted = 0;
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < padded.lengths[b] - 1; t++) {
        inputs[t * B + b] = padded.tokens[t * B + b];
        targets[t * B + b] = padded.tokens[(t + 1) * B + b];
        predicted++;
      }
      for (let t = padded.lengths[b] - 1; t < T; t++) inputs[t * B + b] = end;
    }
    const backend = this.backend;
    const lengths = padded.lengths.map((l) => l - 1);
    return {
      targets: tensor(targets, [T * B], { dtype: 'int32', backend }),
      predicted,
      logits: (lm) => {
        const ids = tensor(inputs, [T, B], { dtype: 'int32', backend });
        const embedded = lm.net.embedding.forward(ids);
        const { output } = lm.net.rnn.forward(embedded, { lengths });
        return reshape(lm.net.linear.forward(output), [T * B, lm.vocab.size]);
      },
    };
  }

  /** Generates characters one at a time (synchronously), conditioned on the prime text. */
  *generate(options: SampleOptions = {}): Generator<string> {
    const { prime = '', length = 200, seed = Date.now() } = options;
    if (!Number.isInteger(length) || length < 0) throw new ValueError('length', 'a non-negative integer', String(length));
    const rng = new Random(seed);
    const context = this.config.sequences
      ? Int32Array.from([this.vocab.specialId(START), ...this.vocab.encode(prime)])
      : this.vocab.encode(prime.length > 0 ? prime : this.vocab.decode([0]));
    const end = this.config.sequences ? this.vocab.specialId(END) : -1;
    const stepper = new Stepper(this.net);
    try {
      let logits = stepper.step(context[0]);
      for (let i = 1; i < context.length; i++) logits = stepper.step(context[i]);
      for (let i = 0; i < length; i++) {
        const id = sampleNext(logits, options, rng);
        if (id === end) break;
        yield this.vocab.decode([id]);
        logits = stepper.step(id);
      }
    } finally {
      stepper.dispose();
    }
  }

  /** Streams generated characters as an async iterator, yielding to the event loop between them. */
  async *stream(options: SampleOptions = {}): AsyncGenerator<string> {
    for (const ch of this.generate(options)) {
      yield ch;
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  }

  /** The whole generated text. */
  sample(options: SampleOptions = {}): string {
    return [...this.generate(options)].join('');
  }

  /** The JSON half of a checkpoint (the weights are `net.stateDict()`). */
  describe(): { config: CharLMConfig; vocab: CharVocabJSON } {
    return { config: this.config, vocab: this.vocab.toJSON() };
  }
}

function pick<T extends object>(o: T, keys: string[]): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([k]) => keys.includes(k))) as Partial<T>;
}

function summarize(totalNats: number, count: number): Evaluation {
  const loss = count > 0 ? totalNats / count : NaN;
  return { loss, bitsPerChar: loss / Math.LN2, perplexity: Math.exp(loss), characters: count };
}
