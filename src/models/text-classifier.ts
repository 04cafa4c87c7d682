/**
 * TextClassifier: a SequenceClassifier with its tokenizer, vocabulary and label set — text in,
 * label out — plus batching and evaluation (accuracy, majority baseline, confusion matrix).
 * Its checkpoint form is `describe()` (kind `classifier`) + the network's weights.
 */
import type { Backend } from '../backend/backend.ts';
import { getBackend } from '../backend/registry.ts';
import { tidy } from '../tensor/tensor.ts';
import { Random } from '../tensor/random.ts';
import { ValueError } from '../errors.ts';
import { Tokenizer, Vocabulary, UNK, type TokenizerOptions, type VocabularyJSON } from '../data/text.ts';
import { bucketBatches, paddedBatch, type PaddedBatch } from '../data/batching.ts';
import { confusionMatrix } from '../data/metrics.ts';
import type { LabeledText } from '../data/builtin.ts';
import { SequenceClassifier, type SequenceClassifierConfig } from './classifier.ts';

export type TextClassifierConfig = Omit<SequenceClassifierConfig, 'vocabSize' | 'numClasses'> & {
  /** Longest input in tokens; longer inputs are cut to it (and reported as truncated). */
  maxLength: number;
  /** Vocabulary: tokens seen fewer times in training become <unk>. */
  minCount: number;
};

export const DEFAULT_CLASSIFIER: TextClassifierConfig = {
  cell: 'gru', embeddingSize: 64, hiddenSize: 128, numLayers: 1, bidirectional: true, pooling: 'last', dropout: 0.2, maxLength: 400, minCount: 1,
};

export interface TextClassifierDescription {
  config: TextClassifierConfig;
  tokenizer: TokenizerOptions;
  vocab: VocabularyJSON;
  labels: VocabularyJSON;
}

export interface Prediction {
  label: string;
  probabilities: Record<string, number>;
  truncated: boolean;
}

export interface ClassifierEvaluation {
  accuracy: number;
  /** Accuracy of always answering the most frequent training label. */
  majority_baseline: number;
  count: number;
  /** confusion[gold][predicted], in label order. */
  confusion: number[][];
  labels: string[];
}

export class TextClassifier {
  static readonly kind = 'classifier';
  readonly kind = TextClassifier.kind;
  readonly module: SequenceClassifier;
  /** Draws dropout masks (and, at construction, the initial weights); the training task reseeds it every step. */
  readonly rng: Random;

  constructor(
    readonly config: TextClassifierConfig, readonly tokenizer: Tokenizer, readonly vocab: Vocabulary, readonly labels: Vocabulary,
    options: { backend?: Backend; rng?: Random } = {},
  ) {
    if (!(Number.isInteger(config.maxLength) && config.maxLength >= 1)) throw new ValueError('maxLength', 'an integer ≥ 1', String(config.maxLength));
    this.rng = options.rng ?? new Random(0);
    this.module = new SequenceClassifier({ ...config, vocabSize: vocab.size, numClasses: labels.size }, { backend: options.backend ?? getBackend(), rng: this.rng });
  }

  static build(examples: readonly LabeledText[], tokenizer: TokenizerOptions, config: Partial<TextClassifierConfig> = {}, options: { backend?: Backend; seed?: number } = {}): TextClassifier {
    if (examples.length === 0) throw new ValueError('examples', 'at least one training example', 'none');
    const c = { ...DEFAULT_CLASSIFIER, ...config };
    const tok = new Tokenizer(tokenizer);
    const labels = Vocabulary.build([examples.map((e) => e.label)], { specials: false });
    return new TextClassifier(c, tok, Vocabulary.build(examples.map((e) => tok.tokenize(e.text)), { minCount: c.minCount }), labels,
      { backend: options.backend, rng: new Random(options.seed ?? 0) });
  }

  static fromDescription(description: unknown, backend?: Backend): TextClassifier {
    const d = description as Partial<TextClassifierDescription> | null;
    if (!d || typeof d !== 'object' || !d.config || !d.tokenizer || !d.vocab || !d.labels) {
      throw new ValueError('model description', 'an object {config, tokenizer, vocab, labels}', JSON.stringify(description)?.slice(0, 80) ?? String(description));
    }
    return new TextClassifier(d.config, new Tokenizer(d.tokenizer), Vocabulary.fromJSON(d.vocab), Vocabulary.fromJSON(d.labels), { backend });
  }

  describe(): TextClassifierDescription {
    return { config: this.config, tokenizer: this.tokenizer.toJSON(), vocab: this.vocab.toJSON(), labels: this.labels.toJSON() };
  }

  encode(text: string): { ids: Int32Array; truncated: boolean } {
    const all = this.tokenizer.tokenize(text);
    const tokens = all.slice(0, this.config.maxLength);
    return { ids: this.vocab.encode(tokens.length > 0 ? tokens : [UNK]), truncated: all.length > tokens.length };
  }

  /** Batches bucketed by length (shuffled with rng; in order without); labels must be known. */
  batches(examples: readonly LabeledText[], batchSize: number, rng: Random | null): { batch: PaddedBatch; labels: Int32Array; index: number[] }[] {
    const ids = examples.map((e) => this.encode(e.text).ids);
    const labels = examples.map((e) => this.labels.idOf(e.label));
    return bucketBatches(ids.map((x) => x.length), batchSize, rng).map((index) => ({
      batch: paddedBatch(index.map((i) => ids[i]), 0), labels: Int32Array.from(index, (i) => labels[i]), index,
    }));
  }

  predict(texts: readonly string[], batchSize = 256): Prediction[] {
    const encoded = texts.map((t) => this.encode(t));
    const out = new Array<Prediction>(texts.length);
    const C = this.labels.size;
    for (const index of bucketBatches(encoded.map((e) => e.ids.length), batchSize)) {
      const probs = tidy(() => Float32Array.from(this.module.probabilities(paddedBatch(index.map((i) => encoded[i].ids), 0)).f32.subarray(0, index.length * C)));
      index.forEach((i, k) => {
        const p = probs.subarray(k * C, (k + 1) * C);
        let best = 0;
        for (let c = 1; c < C; c++) if (p[c] > p[best]) best = c;
        out[i] = { label: this.labels.tokens[best], probabilities: Object.fromEntries(this.labels.tokens.map((l, c) => [l, p[c]])), truncated: encoded[i].truncated };
      });
    }
    return out;
  }

  /**
   * The classifier reading a text: its tokens (as far as maxLength) and the label probabilities
   * after each prefix of them, [tokens, labels] — how the prediction forms as it reads.
   */
  readAlong(text: string): { tokens: string[]; probs: Float32Array } {
    const tokens = this.tokenizer.tokenize(text).slice(0, this.config.maxLength);
    const { ids } = this.encode(text);
    const prefixes = Array.from({ length: ids.length }, (_, k) => ids.subarray(0, k + 1));
    const C = this.labels.size;
    const probs = tidy(() => Float32Array.from(this.module.probabilities(paddedBatch(prefixes, 0)).f32.subarray(0, prefixes.length * C)));
    return { tokens: tokens.length > 0 ? tokens : [UNK], probs };
  }

  /**
   * Accuracy, confusion matrix and the majority baseline (the most frequent label of `training`).
   * A gold label the model never saw is an error naming it.
   */
  evaluate(examples: readonly LabeledText[], training?: readonly LabeledText[]): ClassifierEvaluation {
    const unknown = [...new Set(examples.map((e) => e.label).filter((l) => !this.labels.has(l)))];
    if (unknown.length > 0) throw new ValueError('labels', `labels seen in training (${this.labels.tokens.join(', ')})`, `unseen ${unknown.map((l) => JSON.stringify(l)).join(', ')}`);
    const gold = examples.map((e) => this.labels.idOf(e.label));
    const predicted = this.predict(examples.map((e) => e.text)).map((p) => this.labels.idOf(p.label));
    const counts = new Map<string, number>();
    for (const e of training ?? examples) counts.set(e.label, (counts.get(e.label) ?? 0) + 1);
    const majority = [...counts].reduce((a, b) => (b[1] > a[1] ? b : a))[0];
    const n = examples.length;
    return {
      accuracy: gold.filter((g, i) => g === predicted[i]).length / n,
      majority_baseline: examples.filter((e) => e.label === majority).length / n,
      count: n, confusion: confusionMatrix(gold, predicted, this.labels.size), labels: [...this.labels.tokens],
    };
  }
}
