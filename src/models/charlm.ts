/**
 * CharLM: a character-level language model — a vocabulary plus a CharLMNet — with evaluation in
 * bits per character, streaming sampling, and its checkpoint form (kind `charlm`: weights + JSON).
 * Training is the `lm` task (charlm-task.ts) run by the Trainer (src/train).
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
import { TimeSlicer } from '../event-loop.ts';
import type { Json } from '../train/task.ts';
import { CharLMNet, CELL_KINDS, type CellKind } from './charlm-net.ts';
import { Stepper } from './stepper.ts';

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

/** A padded batch of sequences framed by START/END: inputs START + s, targets s + END (−1 past each end). */
export interface SequenceBatch {
  ids: Tensor;
  targets: Tensor;
  lengths: Int32Array;
  /** Number of predicted characters (targets that are not −1). */
  predicted: number;
}

export class CharLM {
  static readonly kind = 'charlm';
  readonly kind = CharLM.kind;
  readonly net: CharLMNet;
  /** The generator of the network's dropout (saved with a training run). */
  readonly rng: Random;

  constructor(
    readonly vocab: CharVocab,
    readonly config: CharLMConfig,
    options: { backend?: Backend; rng?: Random } = {},
  ) {
    if (config.sequences && !(vocab.specials.includes(START) && vocab.specials.includes(END))) {
      throw new ValueError('vocab', `the special tokens ${START} and ${END} for a sequence model`, `[${vocab.specials.join(', ')}]`);
    }
    this.rng = options.rng ?? new Random(0);
    this.net = new CharLMNet({ ...config, vocabSize: vocab.size, backend: options.backend ?? getBackend(), rng: this.rng });
  }

  /** Rebuilds a model (fresh weights) from `describe()`, checking every field. */
  static fromDescription(description: unknown, backend?: Backend): CharLM {
    const d = description as { config?: Partial<Record<keyof CharLMConfig, unknown>>; vocab?: unknown } | null;
    const c = d?.config;
    if (c === null || typeof c !== 'object') throw new ValueError('config', 'an object', JSON.stringify(c));
    if (!CELL_KINDS.includes(c.cell as CellKind)) throw new ValueError('config.cell', `one of ${CELL_KINDS.join(', ')}`, JSON.stringify(c.cell));
    for (const key of ['embeddingSize', 'hiddenSize', 'numLayers'] as const) {
      if (!Number.isInteger(c[key]) || (c[key] as number) < 1) throw new ValueError(`config.${key}`, 'a positive integer', JSON.stringify(c[key]));
    }
    if (typeof c.dropout !== 'number' || !(c.dropout >= 0 && c.dropout < 1)) throw new ValueError('config.dropout', 'a number in [0, 1)', JSON.stringify(c.dropout));
    if (typeof c.sequences !== 'boolean') throw new ValueError('config.sequences', 'true or false', JSON.stringify(c.sequences));
    return new CharLM(CharVocab.fromJSON(d!.vocab), c as CharLMConfig, { backend });
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
    const wasTraining = this.net.training;
    this.net.eval();
    noGrad(() => {
      for (let i = 0; i < sequences.length; i += batchSize) {
        tidy(() => {
          const batch = this.sequenceBatch(sequences.slice(i, i + batchSize));
          const { logits } = this.net.forward(batch.ids, { lengths: batch.lengths });
          total += crossEntropy(reshape(logits, [batch.ids.size, this.vocab.size]), batch.targets, { reduction: 'sum', ignoreIndex: -1 }).item();
          count += batch.predicted;
        });
      }
    });
    this.net.train(wasTraining);
    return summarize(total, count);
  }

  /** Inputs (START + sequence) and targets (sequence + END, −1 past the end) of a padded batch. */
  sequenceBatch(sequences: readonly Int32Array[]): SequenceBatch {
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
    return {
      ids: tensor(inputs, [T, B], { dtype: 'int32', backend }),
      targets: tensor(targets, [T * B], { dtype: 'int32', backend }),
      lengths: padded.lengths.map((l) => l - 1),
      predicted,
    };
  }

  /**
   * Generates characters one at a time (synchronously), conditioned on the prime text. Special
   * tokens are never drawn, except a sequence model's END, which ends the sequence.
   */
  *generate(options: SampleOptions = {}): Generator<string> {
    const { prime = '', length = 200, seed = Date.now() } = options;
    if (!Number.isInteger(length) || length < 0) throw new ValueError('length', 'a non-negative integer', String(length));
    const rng = new Random(seed);
    const context = this.config.sequences
      ? Int32Array.from([this.vocab.specialId(START), ...this.vocab.encode(prime)])
      : this.vocab.encode(prime.length > 0 ? prime : this.vocab.decode([this.vocab.specials.length]));
    const end = this.config.sequences ? this.vocab.specialId(END) : -1;
    const banned = this.vocab.specials.map((s) => this.vocab.specialId(s)).filter((id) => id !== end);
    const stepper = new Stepper(this.net);
    try {
      let logits = stepper.step(context[0]);
      for (let i = 1; i < context.length; i++) logits = stepper.step(context[i]);
      for (let i = 0; i < length; i++) {
        for (const id of banned) logits[id] = -Infinity;
        const id = sampleNext(logits, options, rng);
        if (id === end) break;
        yield this.vocab.decode([id]);
        logits = stepper.step(id);
      }
    } finally {
      stepper.dispose();
    }
  }

  /** Streams generated characters as an async iterator, letting the event loop run every few milliseconds. */
  async *stream(options: SampleOptions = {}): AsyncGenerator<string> {
    const slicer = new TimeSlicer();
    for (const ch of this.generate(options)) {
      yield ch;
      await slicer.maybeYield();
    }
  }

  /** The whole generated text. */
  sample(options: SampleOptions = {}): string {
    return [...this.generate(options)].join('');
  }

  /** The JSON half of a checkpoint (the weights are `net.stateDict()`). */
  describe(): { config: CharLMConfig; vocab: CharVocabJSON } & { [key: string]: Json } {
    return { config: { ...this.config }, vocab: this.vocab.toJSON() } as { config: CharLMConfig; vocab: CharVocabJSON } & { [key: string]: Json };
  }

  /** The network whose parameters are the checkpoint's weights. */
  get module(): CharLMNet {
    return this.net;
  }
}

function summarize(totalNats: number, count: number): Evaluation {
  const loss = count > 0 ? totalNats / count : NaN;
  return { loss, bitsPerChar: loss / Math.LN2, perplexity: Math.exp(loss), characters: count };
}
