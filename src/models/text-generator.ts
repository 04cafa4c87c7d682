/**
 * TextGenerator: a ConditionalGenerator with its tokenizer, vocabulary and class set — a class in,
 * new texts out (e.g. surnames of a language) — plus batching and evaluation (per-token
 * cross-entropy of held-out texts under their class). Its checkpoint form is `describe()` (kind
 * `generator`) + the network's weights.
 */
import type { Backend } from '../backend/backend.ts';
import { getBackend } from '../backend/registry.ts';
import { tidy } from '../tensor/tensor.ts';
import { Random } from '../tensor/random.ts';
import { ValueError } from '../errors.ts';
import { Tokenizer, Vocabulary, type TokenizerOptions, type VocabularyJSON } from '../data/text.ts';
import { bucketBatches } from '../data/batching.ts';
import type { LabeledText } from '../data/builtin.ts';
import { ConditionalGenerator, type ConditionalGeneratorConfig, type GenerateOptions } from './generator.ts';

export type TextGeneratorConfig = Omit<ConditionalGeneratorConfig, 'vocabSize' | 'numClasses'> & {
  /** Longest training text in tokens (longer ones are cut). */
  maxLength: number;
};

export const DEFAULT_GENERATOR: TextGeneratorConfig = {
  conditionSize: 16, cell: 'gru', embeddingSize: 32, hiddenSize: 128, numLayers: 1, dropout: 0, maxLength: 40,
};

export interface TextGeneratorDescription {
  config: TextGeneratorConfig;
  tokenizer: TokenizerOptions;
  vocab: VocabularyJSON;
  classes: VocabularyJSON;
}

export class TextGenerator {
  static readonly kind = 'generator';
  readonly kind = TextGenerator.kind;
  readonly module: ConditionalGenerator;
  /** Draws dropout masks (and, at construction, the initial weights); the training task reseeds it every step. */
  readonly rng: Random;

  constructor(readonly config: TextGeneratorConfig, readonly tokenizer: Tokenizer, readonly vocab: Vocabulary, readonly classes: Vocabulary, options: { backend?: Backend; rng?: Random } = {}) {
    if (!(Number.isInteger(config.maxLength) && config.maxLength >= 1)) throw new ValueError('maxLength', 'an integer ≥ 1', String(config.maxLength));
    this.rng = options.rng ?? new Random(0);
    this.module = new ConditionalGenerator({ ...config, vocabSize: vocab.size, numClasses: classes.size }, { backend: options.backend ?? getBackend(), rng: this.rng });
  }

  static build(examples: readonly LabeledText[], tokenizer: TokenizerOptions, config: Partial<TextGeneratorConfig> = {}, options: { backend?: Backend; seed?: number } = {}): TextGenerator {
    if (examples.length === 0) throw new ValueError('examples', 'at least one training example', 'none');
    const tok = new Tokenizer(tokenizer);
    return new TextGenerator({ ...DEFAULT_GENERATOR, ...config }, tok, Vocabulary.build(examples.map((e) => tok.tokenize(e.text))),
      Vocabulary.build([examples.map((e) => e.label)], { specials: false }), { backend: options.backend, rng: new Random(options.seed ?? 0) });
  }

  static fromDescription(description: unknown, backend?: Backend): TextGenerator {
    const d = description as Partial<TextGeneratorDescription> | null;
    if (!d || typeof d !== 'object' || !d.config || !d.tokenizer || !d.vocab || !d.classes) {
      throw new ValueError('model description', 'an object {config, tokenizer, vocab, classes}', JSON.stringify(description)?.slice(0, 80) ?? String(description));
    }
    return new TextGenerator(d.config, new Tokenizer(d.tokenizer), Vocabulary.fromJSON(d.vocab), Vocabulary.fromJSON(d.classes), { backend });
  }

  describe(): TextGeneratorDescription {
    return { config: this.config, tokenizer: this.tokenizer.toJSON(), vocab: this.vocab.toJSON(), classes: this.classes.toJSON() };
  }

  /** The id of a class; an unknown one is an error listing the known classes. */
  classId(name: string): number {
    if (!this.classes.has(name)) throw new ValueError('--class', `one of ${this.classes.tokens.join(', ')}`, JSON.stringify(name));
    return this.classes.idOf(name);
  }

  /** Batches of (texts, class ids) bucketed by length (shuffled with rng; in order without). */
  batches(examples: readonly LabeledText[], batchSize: number, rng: Random | null): { texts: Int32Array[]; classes: Int32Array }[] {
    const ids = examples.map((e) => this.vocab.encode(this.tokenizer.tokenize(e.text).slice(0, this.config.maxLength)));
    const classes = examples.map((e) => this.classId(e.label));
    return bucketBatches(ids.map((x) => x.length), batchSize, rng).map((index) => ({ texts: index.map((i) => ids[i]), classes: Int32Array.from(index, (i) => classes[i]) }));
  }

  /** New texts of a class. */
  sample(className: string, options: GenerateOptions = {}): string[] {
    const id = this.classId(className);
    return this.module.generate(id, { maxLength: this.config.maxLength, ...options }).map((ids) => this.tokenizer.detokenize(this.vocab.decode(ids)));
  }

  /** Mean cross-entropy (nats per token, </s> included) of texts under their classes, and its perplexity. */
  evaluate(examples: readonly LabeledText[]): { loss: number; perplexity: number; count: number } {
    let total = 0, tokens = 0;
    this.module.inference(() => {
      for (const b of this.batches(examples, 256, null)) {
        const n = b.texts.reduce((s, t) => s + t.length + 1, 0);
        total += tidy(() => this.module.loss(b.texts, this.module.classCondition(b.classes)).item()) * n;
        tokens += n;
      }
    });
    const loss = total / tokens;
    return { loss, perplexity: Math.exp(loss), count: examples.length };
  }
}
