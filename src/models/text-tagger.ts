/**
 * TextTagger: a SequenceTagger with its word vocabulary and tag set — tokens in, tags out — plus
 * batching and evaluation (token accuracy, most-frequent-tag baseline, per-tag P/R/F1, and
 * entity-level F1 when the tags are BIO). Its checkpoint form is `describe()` (kind `tagger`) +
 * the network's weights. Word dropout: during training a token seen once is replaced by <unk> with
 * probability `unkReplace`, so the network learns what to do with words it has not seen.
 */
import type { Backend } from '../backend/backend.ts';
import { getBackend } from '../backend/registry.ts';
import { tidy } from '../tensor/tensor.ts';
import { Random } from '../tensor/random.ts';
import { ValueError } from '../errors.ts';
import { Vocabulary, UNK_ID, type VocabularyJSON } from '../data/text.ts';
import { bucketBatches, paddedBatch, type PaddedBatch } from '../data/batching.ts';
import { entityScores, isBio, perLabelScores, type PRF } from '../data/metrics.ts';
import type { TaggedSentence } from '../data/builtin.ts';
import { softmax } from '../ops/softmax.ts';
import { SequenceTagger, type SequenceTaggerConfig } from './tagger.ts';

export type TextTaggerConfig = Omit<SequenceTaggerConfig, 'vocabSize' | 'numTags'> & {
  lowercase: boolean;
  /** Longest sentence in tokens; longer ones are tagged in pieces of this length. */
  maxLength: number;
  /** Vocabulary: words seen fewer times in training become <unk>. */
  minCount: number;
  /** Training: probability of replacing a word seen once by <unk>. */
  unkReplace: number;
};

export const DEFAULT_TAGGER: TextTaggerConfig = {
  cell: 'lstm', embeddingSize: 100, hiddenSize: 128, numLayers: 1, bidirectional: true, dropout: 0.3, crf: false,
  lowercase: true, maxLength: 200, minCount: 1, unkReplace: 0.5,
};

export interface TextTaggerDescription {
  config: TextTaggerConfig;
  vocab: VocabularyJSON;
  tags: VocabularyJSON;
  /** Words seen once in training (word dropout). */
  rare: string[];
}

export interface TaggerEvaluation {
  accuracy: number;
  /** Each training word's most frequent training tag; unknown words get the most frequent tag overall. */
  most_frequent_tag_baseline: number;
  tokens: number;
  perTag: Record<string, PRF>;
  /** Entity-level F1 by the CoNLL rules, when the tags are BIO. */
  f1?: number;
  precision?: number;
  recall?: number;
}

export class TextTagger {
  static readonly kind = 'tagger';
  readonly kind = TextTagger.kind;
  readonly module: SequenceTagger;
  /** Draws dropout masks (and, at construction, the initial weights); the training task reseeds it every step. */
  readonly rng: Random;
  private readonly rareIds: Set<number>;

  constructor(readonly config: TextTaggerConfig, readonly vocab: Vocabulary, readonly tags: Vocabulary, readonly rare: readonly string[], options: { backend?: Backend; rng?: Random } = {}) {
    if (!(Number.isInteger(config.maxLength) && config.maxLength >= 1)) throw new ValueError('maxLength', 'an integer ≥ 1', String(config.maxLength));
    this.rng = options.rng ?? new Random(0);
    this.module = new SequenceTagger({ ...config, vocabSize: vocab.size, numTags: tags.size }, { backend: options.backend ?? getBackend(), rng: this.rng });
    this.rareIds = new Set(rare.map((w) => vocab.idOf(w)));
  }

  static build(sentences: readonly TaggedSentence[], config: Partial<TextTaggerConfig> = {}, options: { backend?: Backend; seed?: number } = {}): TextTagger {
    if (sentences.length === 0) throw new ValueError('sentences', 'at least one training sentence', 'none');
    const c = { ...DEFAULT_TAGGER, ...config };
    const words = sentences.map((s) => s.tokens.map((t) => (c.lowercase ? t.toLowerCase() : t)));
    const vocab = Vocabulary.build(words, { minCount: c.minCount });
    const counts = new Map<string, number>();
    for (const w of words.flat()) counts.set(w, (counts.get(w) ?? 0) + 1);
    const rare = [...counts].filter(([w, n]) => n === 1 && vocab.has(w)).map(([w]) => w);
    return new TextTagger(c, vocab, Vocabulary.build(sentences.map((s) => s.tags), { specials: false }), rare, { backend: options.backend, rng: new Random(options.seed ?? 0) });
  }

  static fromDescription(description: unknown, backend?: Backend): TextTagger {
    const d = description as Partial<TextTaggerDescription> | null;
    if (!d || typeof d !== 'object' || !d.config || !d.vocab || !d.tags || !Array.isArray(d.rare)) {
      throw new ValueError('model description', 'an object {config, vocab, tags, rare}', JSON.stringify(description)?.slice(0, 80) ?? String(description));
    }
    return new TextTagger(d.config, Vocabulary.fromJSON(d.vocab), Vocabulary.fromJSON(d.tags), d.rare, { backend });
  }

  describe(): TextTaggerDescription {
    return { config: this.config, vocab: this.vocab.toJSON(), tags: this.tags.toJSON(), rare: [...this.rare] };
  }

  encode(tokens: readonly string[]): Int32Array {
    return this.vocab.encode(tokens.map((t) => (this.config.lowercase ? t.toLowerCase() : t)));
  }

  /** Sentences cut into pieces of at most maxLength tokens. */
  private pieces(sentences: readonly TaggedSentence[]): TaggedSentence[] {
    const L = this.config.maxLength;
    return sentences.flatMap((s) => Array.from({ length: Math.ceil(s.tokens.length / L) }, (_, k) => ({ tokens: s.tokens.slice(k * L, (k + 1) * L), tags: s.tags.slice(k * L, (k + 1) * L) })));
  }

  /**
   * Training batches bucketed by length (shuffled with rng), tags time-major [T · B]; with rng,
   * words seen once become <unk> with probability unkReplace.
   */
  batches(sentences: readonly TaggedSentence[], batchSize: number, rng: Random | null): { batch: PaddedBatch; tags: Int32Array }[] {
    const pieces = this.pieces(sentences);
    const ids = pieces.map((s) => this.encode(s.tokens));
    const tagIds = pieces.map((s) => this.tags.encode(s.tags));
    return bucketBatches(ids.map((x) => x.length), batchSize, rng).map((index) => {
      const seqs = index.map((i) => (rng ? ids[i].map((id) => (this.rareIds.has(id) && rng.next() < this.config.unkReplace ? UNK_ID : id)) : ids[i]));
      const batch = paddedBatch(seqs, 0);
      const tags = new Int32Array(batch.T * batch.batch);
      index.forEach((i, b) => tagIds[i].forEach((y, t) => (tags[t * batch.batch + b] = y)));
      return { batch, tags };
    });
  }

  /** Tags of each sentence (a sentence longer than maxLength is tagged piece by piece). */
  predict(sentences: readonly (readonly string[])[], batchSize = 256): string[][] {
    const L = this.config.maxLength;
    const pieces = sentences.flatMap((s, i) => Array.from({ length: Math.max(1, Math.ceil(s.length / L)) }, (_, k) => ({ i, tokens: s.slice(k * L, (k + 1) * L) })));
    const out: string[][] = sentences.map(() => []);
    const encoded = pieces.map((p) => this.encode(p.tokens.length > 0 ? p.tokens : ['<unk>']));
    const tagged = new Array<number[]>(pieces.length);
    for (const index of bucketBatches(encoded.map((e) => e.length), batchSize)) {
      const paths = tidy(() => this.module.predict(paddedBatch(index.map((k) => encoded[k]), 0)));
      index.forEach((k, b) => (tagged[k] = paths[b]));
    }
    pieces.forEach((p, k) => out[p.i].push(...tagged[k].slice(0, p.tokens.length).map((y) => this.tags.tokens[y])));
    return out;
  }

  /**
   * Tags of one sentence (at most maxLength tokens) with each token's tag probabilities
   * [tokens, tags] from its emission scores alone (softmax; a CRF's Viterbi path also weighs the
   * transitions, so its tags may differ from each row's most probable one).
   */
  tagScores(tokens: readonly string[]): { tags: string[]; probs: Float32Array } {
    const kept = tokens.slice(0, this.config.maxLength);
    const batch = paddedBatch([this.encode(kept.length > 0 ? kept : ['<unk>'])], 0);
    return tidy(() => this.module.inference(() => {
      const probs = Float32Array.from(softmax(this.module.emissions(batch)).f32.subarray(0, batch.T * this.tags.size));
      const path = this.module.predict(batch)[0];
      return { tags: path.slice(0, kept.length).map((y) => this.tags.tokens[y]), probs };
    }));
  }

  /** Token accuracy, the most-frequent-tag baseline (from `training`), per-tag scores, entity F1 for BIO tags. A tag never seen in training is an error naming it. */
  evaluate(sentences: readonly TaggedSentence[], training: readonly TaggedSentence[]): TaggerEvaluation {
    const unknown = [...new Set(sentences.flatMap((s) => s.tags).filter((t) => !this.tags.has(t)))];
    if (unknown.length > 0) throw new ValueError('tags', `tags seen in training (${this.tags.tokens.join(', ')})`, `unseen ${unknown.map((t) => JSON.stringify(t)).join(', ')}`);
    const predicted = this.predict(sentences.map((s) => s.tokens));
    const gold = sentences.flatMap((s) => s.tags), flat = predicted.flat();
    const baseline = mostFrequentTagBaseline(training, sentences, this.config.lowercase);
    const result: TaggerEvaluation = {
      accuracy: gold.filter((g, i) => g === flat[i]).length / gold.length,
      most_frequent_tag_baseline: baseline, tokens: gold.length, perTag: perLabelScores(gold, flat),
    };
    if (isBio(this.tags.tokens)) {
      const e = entityScores(sentences.map((s) => s.tags), predicted);
      Object.assign(result, { f1: e.f1, precision: e.precision, recall: e.recall });
    }
    return result;
  }
}

/** Accuracy of tagging each word with its most frequent training tag (unknown words: the most frequent tag). */
export function mostFrequentTagBaseline(training: readonly TaggedSentence[], sentences: readonly TaggedSentence[], lowercase: boolean): number {
  const key = (w: string) => (lowercase ? w.toLowerCase() : w);
  const byWord = new Map<string, Map<string, number>>(), overall = new Map<string, number>();
  for (const s of training) {
    s.tokens.forEach((w, i) => {
      const m = byWord.get(key(w)) ?? new Map<string, number>();
      m.set(s.tags[i], (m.get(s.tags[i]) ?? 0) + 1);
      byWord.set(key(w), m);
      overall.set(s.tags[i], (overall.get(s.tags[i]) ?? 0) + 1);
    });
  }
  const top = (m: Map<string, number>) => [...m].reduce((a, b) => (b[1] > a[1] ? b : a))[0];
  const fallback = top(overall);
  let right = 0, total = 0;
  for (const s of sentences) {
    s.tokens.forEach((w, i) => {
      const m = byWord.get(key(w));
      right += (m ? top(m) : fallback) === s.tags[i] ? 1 : 0;
      total++;
    });
  }
  return right / total;
}
