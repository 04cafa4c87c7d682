/**
 * Sentence classification over words, for the Trainer: WordClassifier (a SequenceClassifier with
 * its word list; checkpoint kind `word-classifier`) and ClassificationTask (shuffled batches of the
 * training rows each epoch; dev accuracy as the metric, test accuracy and an optional baseline's
 * beside it).
 */
import type { Backend } from '../backend/backend.ts';
import { Random } from '../tensor/random.ts';
import { tidy, type Tensor } from '../tensor/tensor.ts';
import { ValueError } from '../errors.ts';
import { paddedBatch } from '../data/batching.ts';
import { encodeWords, wordIndex, wordTokens } from '../data/word-tokens.ts';
import type { WordVectors } from '../embeddings/word-vectors.ts';
import type { Json, Metrics, StepContext, TaskEvaluation, TaskState, TrainingTask } from '../train/task.ts';
import { SequenceClassifier, type SequenceClassifierConfig } from './classifier.ts';

/** Token id 0 pads batches (wordIndex puts the padding token first). */
const PAD_ID = 0;

/** Tokens of a sentence beyond this many are cut. */
export const MAX_SENTENCE_TOKENS = 50;

export class WordClassifier {
  static readonly kind = 'word-classifier';
  readonly kind = WordClassifier.kind;
  readonly net: SequenceClassifier;
  private readonly index: Map<string, number>;

  /** @param words the vocabulary (wordIndex order: padding, unknown, then words); @param frozen the embedding stays fixed */
  constructor(readonly words: readonly string[], readonly config: Omit<SequenceClassifierConfig, 'vocabSize'>, readonly frozen = false, options: { backend?: Backend; rng?: Random } = {}) {
    this.index = wordIndex(words);
    if (this.index.size !== words.length) throw new ValueError('words', 'distinct words starting with the padding and unknown tokens', `${words.length} words, ${this.index.size} distinct`);
    this.net = new SequenceClassifier({ ...config, vocabSize: words.length }, options);
    this.net.embedding.weight.requiresGrad = !frozen;
  }

  static fromDescription(description: unknown, backend?: Backend): WordClassifier {
    const d = description as { words?: unknown; config?: Omit<SequenceClassifierConfig, 'vocabSize'>; frozen?: unknown } | null;
    if (!Array.isArray(d?.words) || !d.words.every((w) => typeof w === 'string')) throw new ValueError('words', 'a list of words', JSON.stringify(d?.words)?.slice(0, 40));
    if (d.config === null || typeof d.config !== 'object') throw new ValueError('config', 'an object', JSON.stringify(d.config));
    return new WordClassifier(d.words as string[], d.config, d.frozen === true, { backend });
  }

  /** Initialises the embedding from pretrained vectors (frozen as the model was made); returns how many words they had. */
  usePretrained(vectors: WordVectors, rng?: Random): number {
    return this.net.embedding.usePretrained(vectors, this.words, { freeze: this.frozen, rng });
  }

  /** Token ids of a sentence (at most MAX_SENTENCE_TOKENS words; unknown words → the unknown id). */
  encode(text: string): Int32Array {
    return encodeWords(wordTokens(text, MAX_SENTENCE_TOKENS), this.index);
  }

  describe(): { [key: string]: Json } {
    return { words: [...this.words], config: { ...this.config }, frozen: this.frozen };
  }

  get module(): SequenceClassifier {
    return this.net;
  }
}

export interface ClassificationData {
  sequences: readonly Int32Array[];
  labels: readonly number[];
  train: readonly number[];
  dev: readonly number[];
  test: readonly number[];
  /** Another classifier's predictions for the test rows (e.g. a lexicon), reported beside. */
  baseline?: { name: string; predictions: readonly number[] };
}

export class ClassificationTask implements TrainingTask {
  readonly metric = { name: 'accuracy', goal: 'max', description: 'dev accuracy' } as const;
  readonly itemName = 'sentences';
  private order: number[] = [];
  private position = 0;

  constructor(readonly model: WordClassifier, readonly data: ClassificationData, readonly batchSize: number) {
    if (data.train.length === 0 || data.dev.length === 0) throw new ValueError('data', 'training and dev rows', `${data.train.length} and ${data.dev.length}`);
  }

  get module(): SequenceClassifier {
    return this.model.net;
  }

  get stepsPerEpoch(): number {
    return Math.ceil(this.data.train.length / this.batchSize);
  }

  /** The next batch of the epoch's shuffled order (a new order from the Trainer's generator at each epoch). */
  batchLoss({ rng }: StepContext): { loss: Tensor; items: number } {
    if (this.position >= this.order.length) {
      this.order = rng.shuffle([...this.data.train]);
      this.position = 0;
    }
    const rows = this.order.slice(this.position, this.position + this.batchSize);
    this.position += rows.length;
    const { sequences, labels } = this.data;
    return { loss: this.module.loss(paddedBatch(rows.map((r) => sequences[r]), PAD_ID), Int32Array.from(rows, (r) => labels[r])), items: rows.length };
  }

  evaluate(): TaskEvaluation {
    const accuracy = (rows: readonly number[], predicted: readonly number[]) =>
      rows.filter((r, k) => predicted[k] === this.data.labels[r]).length / rows.length;
    const metrics: Metrics = {
      accuracy: accuracy(this.data.dev, classify(this.module, this.data.sequences, this.data.dev)),
      test_accuracy: accuracy(this.data.test, classify(this.module, this.data.sequences, this.data.test)),
    };
    if (this.data.baseline) metrics[`${this.data.baseline.name}_test_accuracy`] = accuracy(this.data.test, this.data.baseline.predictions);
    return { metrics };
  }

  state(): TaskState {
    return { json: { position: this.position }, arrays: { order: { shape: [this.order.length], data: Int32Array.from(this.order) } } };
  }

  restore(state: TaskState): void {
    this.position = (state.json as { position: number }).position;
    this.order = Array.from(state.arrays.order.data);
  }
}

/** A seeded split of n rows: 10 % dev, 10 % test, the rest train. */
export function splitRows(n: number, seed: number): { train: number[]; dev: number[]; test: number[] } {
  const order = new Random(seed).shuffle(Array.from({ length: n }, (_, i) => i));
  const tenth = Math.floor(n / 10);
  return { dev: order.slice(0, tenth), test: order.slice(tenth, 2 * tenth), train: order.slice(2 * tenth) };
}

/** The most probable class of each of `rows`, in batches of 256. */
function classify(model: SequenceClassifier, sequences: readonly Int32Array[], rows: readonly number[]): number[] {
  const predictions: number[] = [];
  const C = model.config.numClasses;
  for (let start = 0; start < rows.length; start += 256) {
    const part = rows.slice(start, start + 256);
    tidy(() => {
      const p = model.probabilities(paddedBatch(part.map((r) => sequences[r]), PAD_ID)).f32;
      part.forEach((_, b) => {
        let best = 0;
        for (let c = 1; c < C; c++) if (p[b * C + c] > p[b * C + best]) best = c;
        predictions.push(best);
      });
    });
  }
  return predictions;
}
