/**
 * Translator: a Seq2Seq network with its source and target tokenizers and vocabularies — text in,
 * text out — plus batching of training pairs and evaluation (WER, PER, exact match) by beam search.
 * Its checkpoint form is `describe()` (kind `seq2seq`) + the network's weights.
 */
import type { Backend } from '../backend/backend.ts';
import { getBackend } from '../backend/registry.ts';
import { Random } from '../tensor/random.ts';
import { ValueError } from '../errors.ts';
import { Tokenizer, Vocabulary, type TokenizerOptions, type VocabularyJSON } from '../data/text.ts';
import { bucketBatches } from '../data/batching.ts';
import { translationScores, type TranslationScores } from '../data/metrics.ts';
import { G2P_CONFIG, Seq2Seq, pairBatch, type BeamOptions, type PairBatch, type Seq2SeqConfig } from './seq2seq.ts';

export interface TextPair {
  source: string;
  target: string;
}

export type TranslatorConfig = Omit<Seq2SeqConfig, 'sourceVocabSize' | 'targetVocabSize'> & {
  /** Longest source in tokens; longer inputs are cut to it (and reported as truncated). */
  maxSourceLength: number;
};

export interface TranslatorDescription {
  config: TranslatorConfig;
  source: { tokenizer: TokenizerOptions; vocab: VocabularyJSON };
  target: { tokenizer: TokenizerOptions; vocab: VocabularyJSON };
}

export interface Translation {
  text: string;
  tokens: string[];
  logProb: number;
  /** Attention of each output step (and </s>) over the source tokens. */
  attention: Float32Array[];
  sourceTokens: string[];
  truncated: boolean;
}

export class Translator {
  static readonly kind = 'seq2seq';
  readonly kind = Translator.kind;
  readonly module: Seq2Seq;
  /** Draws dropout masks (and, at construction, the initial weights); the training task reseeds it every step. */
  readonly rng: Random;

  constructor(
    readonly config: TranslatorConfig,
    readonly sourceTokenizer: Tokenizer, readonly sourceVocab: Vocabulary,
    readonly targetTokenizer: Tokenizer, readonly targetVocab: Vocabulary,
    options: { backend?: Backend; rng?: Random } = {},
  ) {
    if (!(Number.isInteger(config.maxSourceLength) && config.maxSourceLength >= 1)) {
      throw new ValueError('maxSourceLength', 'an integer ≥ 1', String(config.maxSourceLength));
    }
    this.rng = options.rng ?? new Random(0);
    this.module = new Seq2Seq({ ...config, sourceVocabSize: sourceVocab.size, targetVocabSize: targetVocab.size }, { backend: options.backend ?? getBackend(), rng: this.rng });
  }

  /** Vocabularies from the training pairs (every token kept), the model of `config` (default: the G2P model). */
  static build(
    pairs: readonly TextPair[], tokenizers: { source: TokenizerOptions; target: TokenizerOptions },
    config: Partial<TranslatorConfig> = {}, options: { backend?: Backend; seed?: number } = {},
  ): Translator {
    if (pairs.length === 0) throw new ValueError('pairs', 'at least one training pair', 'none');
    const src = new Tokenizer(tokenizers.source), tgt = new Tokenizer(tokenizers.target);
    const sources = pairs.map((p) => src.tokenize(p.source));
    const longest = Math.max(...sources.map((s) => s.length));
    return new Translator(
      { ...G2P_CONFIG, maxSourceLength: Math.max(2 * longest, 16), ...config },
      src, Vocabulary.build(sources), tgt, Vocabulary.build(pairs.map((p) => tgt.tokenize(p.target))),
      { backend: options.backend, rng: new Random(options.seed ?? 0) },
    );
  }

  static fromDescription(description: unknown, backend?: Backend): Translator {
    const d = description as Partial<TranslatorDescription> | null;
    if (!d || typeof d !== 'object' || !d.config || !d.source || !d.target) {
      throw new ValueError('model description', 'an object {config, source, target}', JSON.stringify(description)?.slice(0, 80) ?? String(description));
    }
    return new Translator(
      d.config, new Tokenizer(d.source.tokenizer), Vocabulary.fromJSON(d.source.vocab),
      new Tokenizer(d.target.tokenizer), Vocabulary.fromJSON(d.target.vocab), { backend },
    );
  }

  describe(): TranslatorDescription {
    return {
      config: this.config,
      source: { tokenizer: this.sourceTokenizer.toJSON(), vocab: this.sourceVocab.toJSON() },
      target: { tokenizer: this.targetTokenizer.toJSON(), vocab: this.targetVocab.toJSON() },
    };
  }

  /** Source token ids, cut to maxSourceLength (an empty source becomes one <unk>). */
  encodeSource(text: string): { ids: Int32Array; tokens: string[]; truncated: boolean } {
    const all = this.sourceTokenizer.tokenize(text);
    const tokens = all.slice(0, this.config.maxSourceLength);
    const ids = this.sourceVocab.encode(tokens.length > 0 ? tokens : ['<unk>']);
    return { ids, tokens, truncated: all.length > tokens.length };
  }

  /** Batches of training pairs bucketed by source length (shuffled with rng; in order without). */
  batches(pairs: readonly TextPair[], batchSize: number, rng: Random | null): PairBatch[] {
    const sources = pairs.map((p) => this.encodeSource(p.source).ids);
    const targets = pairs.map((p) => this.targetVocab.encode(this.targetTokenizer.tokenize(p.target)));
    return bucketBatches(sources.map((s) => s.length), batchSize, rng).map((b) => pairBatch(b.map((i) => sources[i]), b.map((i) => targets[i])));
  }

  /** Translations of texts by batched beam search (batches of `batchSize` sources sorted by length). */
  translate(texts: readonly string[], options: BeamOptions & { batchSize?: number } = {}): Translation[] {
    const encoded = texts.map((t) => this.encodeSource(t));
    const out = new Array<Translation>(texts.length);
    for (const batch of bucketBatches(encoded.map((e) => e.ids.length), options.batchSize ?? 256)) {
      const hyps = this.module.beamSearch(batch.map((i) => encoded[i].ids), options);
      batch.forEach((i, k) => {
        const tokens = this.targetVocab.decode(hyps[k].tokens);
        out[i] = {
          text: this.targetTokenizer.detokenize(tokens), tokens, logProb: hyps[k].logProb,
          attention: hyps[k].attention.map((row) => row.slice(0, Math.max(1, encoded[i].tokens.length))),
          sourceTokens: encoded[i].tokens, truncated: encoded[i].truncated,
        };
      });
    }
    return out;
  }

  /**
   * WER, PER and exact match over the distinct sources of `pairs`, each source's targets all being
   * references (CMUdict's variant pronunciations), with beam search.
   */
  evaluate(pairs: readonly TextPair[], options: BeamOptions = {}): TranslationScores {
    const refs = new Map<string, string[][]>();
    for (const p of pairs) {
      const list = refs.get(p.source) ?? [];
      list.push(this.targetTokenizer.tokenize(p.target));
      refs.set(p.source, list);
    }
    const sources = [...refs.keys()];
    const outputs = this.translate(sources, options).map((t) => t.tokens);
    return translationScores(outputs, sources.map((s) => refs.get(s)!));
  }
}
