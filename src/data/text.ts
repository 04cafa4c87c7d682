/**
 * The text pipeline of the sequence tasks: tokenizers (characters or words, optional lower-casing,
 * a token pattern) and a token vocabulary with a minimum count, a maximum size and the special
 * tokens `<pad>` (id 0), `<unk>` (1), `<s>` (2), `</s>` (3).
 */
import { ValueError } from '../errors.ts';
import { compareCodePoints } from './vocab.ts';

export const PAD = '<pad>';
export const UNK = '<unk>';
export const BOS = '<s>';
export const EOS = '</s>';
/** The special tokens, in id order. */
export const SPECIALS = [PAD, UNK, BOS, EOS] as const;
export const PAD_ID = 0;
export const UNK_ID = 1;
export const BOS_ID = 2;
export const EOS_ID = 3;

export interface TokenizerOptions {
  /** 'char': one token per Unicode code point; 'word': the matches of `pattern`. */
  kind: 'char' | 'word';
  /** Lower-case the text before splitting (default false). */
  lowercase?: boolean;
  /** Word tokens: a regular expression source, matched globally with the `u` flag (default WORD_PATTERN). */
  pattern?: string;
}

/** Words are runs of letters, digits and apostrophes, or any other single non-space character. */
export const WORD_PATTERN = "[\\p{L}\\p{N}']+|[^\\s\\p{L}\\p{N}']";

export class Tokenizer {
  readonly kind: 'char' | 'word';
  readonly lowercase: boolean;
  readonly pattern: string;
  private readonly regex: RegExp | null;

  constructor(options: TokenizerOptions) {
    if (options.kind !== 'char' && options.kind !== 'word') {
      throw new ValueError('tokenizer kind', '"char" or "word"', JSON.stringify(options.kind));
    }
    this.kind = options.kind;
    this.lowercase = options.lowercase ?? false;
    this.pattern = options.pattern ?? WORD_PATTERN;
    if (this.kind === 'word') {
      try {
        this.regex = new RegExp(this.pattern, 'gu');
      } catch (error) {
        throw new ValueError('tokenizer pattern', 'a valid regular expression', `${JSON.stringify(this.pattern)} (${(error as Error).message})`);
      }
      if (this.regex.test('')) throw new ValueError('tokenizer pattern', 'a pattern that does not match the empty string', JSON.stringify(this.pattern));
    } else this.regex = null;
  }

  tokenize(text: string): string[] {
    const t = this.lowercase ? text.toLowerCase() : text;
    if (!this.regex) return [...t];
    return t.match(this.regex) ?? [];
  }

  /** Joins tokens back into text (characters directly, words with spaces). */
  detokenize(tokens: readonly string[]): string {
    return tokens.join(this.kind === 'char' ? '' : ' ');
  }

  toJSON(): TokenizerOptions {
    return { kind: this.kind, lowercase: this.lowercase, pattern: this.pattern };
  }
}

export interface VocabularyOptions {
  /** Keep tokens seen at least this often (default 1). */
  minCount?: number;
  /** Keep at most this many tokens besides the specials, the most frequent first (default: all). */
  maxSize?: number;
  /** Begin with the specials `<pad>`, `<unk>`, `<s>`, `</s>` (default true; false gives a label set). */
  specials?: boolean;
}

export interface VocabularyJSON {
  type: 'tokens';
  tokens: string[];
  specials: boolean;
}

/**
 * Token ↔ id. Ids 0… are the specials, then the kept tokens by decreasing count (ties in code-point
 * order), so a vocabulary built from the same data is the same on every run. A label set (no
 * specials) maps class names or tags; an unknown label is an error, not `<unk>`.
 */
export class Vocabulary {
  readonly tokens: readonly string[];
  readonly hasSpecials: boolean;
  private readonly ids = new Map<string, number>();

  constructor(tokens: readonly string[], hasSpecials = true) {
    this.tokens = [...tokens];
    this.hasSpecials = hasSpecials;
    const expected = hasSpecials ? SPECIALS : [];
    expected.forEach((s, i) => {
      if (this.tokens[i] !== s) throw new ValueError(`tokens[${i}]`, JSON.stringify(s), JSON.stringify(this.tokens[i]));
    });
    this.tokens.forEach((t, i) => {
      if (this.ids.has(t)) throw new ValueError(`tokens[${i}]`, 'a token listed once', `${JSON.stringify(t)} again`);
      this.ids.set(t, i);
    });
  }

  /** Counts the tokens of every sequence and keeps those passing minCount / maxSize. */
  static build(sequences: Iterable<readonly string[]>, options: VocabularyOptions = {}): Vocabulary {
    const { minCount = 1, maxSize = Infinity, specials = true } = options;
    if (!(Number.isInteger(minCount) && minCount >= 1)) throw new ValueError('minCount', 'an integer ≥ 1', String(minCount));
    if (!(maxSize === Infinity || (Number.isInteger(maxSize) && maxSize >= 0))) throw new ValueError('maxSize', 'an integer ≥ 0', String(maxSize));
    const counts = new Map<string, number>();
    for (const seq of sequences) for (const t of seq) counts.set(t, (counts.get(t) ?? 0) + 1);
    const reserved = new Set<string>(SPECIALS);
    const kept = [...counts]
      .filter(([t, n]) => n >= minCount && !reserved.has(t))
      .sort((a, b) => b[1] - a[1] || compareCodePoints(a[0], b[0]))
      .slice(0, maxSize)
      .map(([t]) => t);
    return new Vocabulary([...(specials ? SPECIALS : []), ...kept], specials);
  }

  static fromJSON(json: unknown): Vocabulary {
    const v = json as Partial<VocabularyJSON> | null;
    if (!v || v.type !== 'tokens' || !Array.isArray(v.tokens) || !v.tokens.every((t) => typeof t === 'string')) {
      throw new ValueError('vocabulary', 'an object {type: "tokens", tokens: string[]}', JSON.stringify(json)?.slice(0, 80) ?? String(json));
    }
    return new Vocabulary(v.tokens, v.specials ?? true);
  }

  get size(): number {
    return this.tokens.length;
  }

  has(token: string): boolean {
    return this.ids.has(token);
  }

  /** The id of a token; unknown tokens get `<unk>` (or, without specials, a ValueError). */
  idOf(token: string): number {
    const id = this.ids.get(token);
    if (id !== undefined) return id;
    if (this.hasSpecials) return UNK_ID;
    throw new ValueError('label', `one of the ${this.size} known labels (${this.tokens.slice(0, 10).join(', ')}${this.size > 10 ? ', …' : ''})`, JSON.stringify(token));
  }

  /** Ids of tokens, optionally framed by `<s>` … `</s>`. */
  encode(tokens: readonly string[], frame: { start?: boolean; end?: boolean } = {}): Int32Array {
    const out = new Int32Array(tokens.length + (frame.start ? 1 : 0) + (frame.end ? 1 : 0));
    let i = 0;
    if (frame.start) out[i++] = BOS_ID;
    for (const t of tokens) out[i++] = this.idOf(t);
    if (frame.end) out[i++] = EOS_ID;
    return out;
  }

  /** Tokens of ids; with specials, stopping at `</s>` and skipping `<pad>` / `<s>`. */
  decode(ids: ArrayLike<number>): string[] {
    const out: string[] = [];
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (this.hasSpecials && id === EOS_ID) break;
      if (this.hasSpecials && (id === PAD_ID || id === BOS_ID)) continue;
      const t = this.tokens[id];
      if (t === undefined) throw new ValueError(`ids[${i}]`, `an id in [0, ${this.size})`, String(id));
      out.push(t);
    }
    return out;
  }

  toJSON(): VocabularyJSON {
    return { type: 'tokens', tokens: [...this.tokens], specials: this.hasSpecials };
  }
}
