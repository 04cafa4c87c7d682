/**
 * Character vocabulary: maps each Unicode code point of a text to an integer id.
 *
 * Ids follow Python's `sorted(set(text))` (code-point order), after any special tokens:
 * specials take ids 0…k−1 in the order given, characters take k… in sorted order.
 */
import { VocabError } from '../errors.ts';

/** Options of {@link CharVocab.fromText}. */
export interface CharVocabOptions {
  /** Marker tokens that are not characters of the text, e.g. `['<bos>', '<eos>']` for names. */
  specials?: readonly string[];
}

/** Special tokens to put around an encoded text. */
export interface SequenceMarkers {
  start?: string;
  end?: string;
}

/** The JSON form stored in checkpoints. */
export interface CharVocabJSON {
  type: 'char';
  specials: string[];
  chars: string[];
}

/** `U+00E9 'é'`: names a character unambiguously in error messages. */
function describeChar(ch: string): string {
  const hex = ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
  return `U+${hex} ${JSON.stringify(ch)}`;
}

/** Orders strings by code point, as Python's `sorted` does (JavaScript's default sort uses UTF-16 units). */
export function compareCodePoints(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const difference = x[i].codePointAt(0)! - y[i].codePointAt(0)!;
    if (difference !== 0) return difference;
  }
  return x.length - y.length;
}

export class CharVocab {
  /** Token of each id: the specials first, then the characters. */
  readonly tokens: readonly string[];
  readonly specials: readonly string[];
  private readonly specialIds = new Map<string, number>();
  private readonly charIds = new Map<string, number>();

  private constructor(specials: readonly string[], chars: readonly string[]) {
    this.specials = [...specials];
    this.tokens = [...specials, ...chars];
    for (const [id, token] of this.tokens.entries()) {
      if (this.has(token)) {
        throw new VocabError(`token ${JSON.stringify(token)} appears twice: give each special token and character once`);
      }
      (id < specials.length ? this.specialIds : this.charIds).set(token, id);
    }
  }

  /** The vocabulary of the distinct characters (code points) of `text`, plus optional specials. */
  static fromText(text: string, options: CharVocabOptions = {}): CharVocab {
    const chars = [...new Set(text)].sort(compareCodePoints);
    const specials = options.specials ?? [];
    for (const special of specials) {
      if (special.length === 0) throw new VocabError('a special token must not be the empty string: name it, e.g. "<eos>"');
      if (chars.includes(special)) {
        throw new VocabError(
          `special token ${describeChar(special)} also occurs in the text: pick a marker that is not a character of the text`,
        );
      }
    }
    return new CharVocab(specials, chars);
  }

  /** Rebuilds a vocabulary saved with {@link toJSON}, validating every entry. */
  static fromJSON(json: unknown): CharVocab {
    const value = json as Partial<CharVocabJSON> | null;
    const isStringArray = (x: unknown): x is string[] => Array.isArray(x) && x.every((s) => typeof s === 'string');
    if (value === null || typeof value !== 'object' || value.type !== 'char') {
      throw new VocabError(`expected a vocabulary object with type "char", got ${JSON.stringify(value)?.slice(0, 80)}`);
    }
    if (!isStringArray(value.specials) || !isStringArray(value.chars)) {
      throw new VocabError('a char vocabulary needs string arrays "specials" and "chars": re-save it with CharVocab.toJSON()');
    }
    const notOneChar = value.chars.find((ch) => [...ch].length !== 1);
    if (notOneChar !== undefined) {
      throw new VocabError(`entry ${JSON.stringify(notOneChar)} of "chars" is not a single character: re-save it with CharVocab.toJSON()`);
    }
    return new CharVocab(value.specials, value.chars);
  }

  /** Number of ids: specials plus characters. */
  get size(): number {
    return this.tokens.length;
  }

  /** Whether `token` (a character or a special token) has an id. */
  has(token: string): boolean {
    return this.charIds.has(token) || this.specialIds.has(token);
  }

  /** Id of a character or special token. */
  idOf(token: string): number {
    const id = this.charIds.get(token) ?? this.specialIds.get(token);
    if (id === undefined) throw this.unknownCharError(token);
    return id;
  }

  /**
   * Ids of the characters of `text`, optionally wrapped in start/end special tokens. Characters
   * the vocabulary lacks are reported all at once (see {@link unknownCharacters}).
   */
  encode(text: string, markers: SequenceMarkers = {}): Int32Array {
    const ids: number[] = [];
    if (markers.start !== undefined) ids.push(this.specialId(markers.start));
    for (const ch of text) {
      const id = this.charIds.get(ch);
      if (id === undefined) throw this.unknownCharactersError(this.unknownCharacters(text));
      ids.push(id);
    }
    if (markers.end !== undefined) ids.push(this.specialId(markers.end));
    return Int32Array.from(ids);
  }

  /** The distinct characters of `text` that have no id, in order of first appearance, with their counts. */
  unknownCharacters(text: string): { char: string; count: number }[] {
    const counts = new Map<string, number>();
    for (const ch of text) if (!this.charIds.has(ch)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    return [...counts].map(([char, count]) => ({ char, count }));
  }

  /** The text of `ids`; a special token decodes to its marker string. */
  decode(ids: ArrayLike<number>): string {
    let text = '';
    for (let i = 0; i < ids.length; i++) {
      const token = this.tokens[ids[i]];
      if (token === undefined) {
        throw new VocabError(`id ${ids[i]} at position ${i} is outside the vocabulary [0, ${this.size}): decode ids made by this vocabulary`);
      }
      text += token;
    }
    return text;
  }

  /** Id of a special token (not a character). */
  specialId(special: string): number {
    const id = this.specialIds.get(special);
    if (id === undefined) {
      throw new VocabError(
        `${JSON.stringify(special)} is not a special token of this vocabulary (it has ${JSON.stringify(this.specials)}): ` +
          'pass it in options.specials when building the vocabulary',
      );
    }
    return id;
  }

  toJSON(): CharVocabJSON {
    return { type: 'char', specials: [...this.specials], chars: this.tokens.slice(this.specials.length) };
  }

  private unknownCharactersError(unknown: { char: string; count: number }[]): VocabError {
    const LISTED = 10;
    const listed = unknown.slice(0, LISTED).map(({ char, count }) => `${describeChar(char)} (${count}×)`).join(', ');
    const more = unknown.length > LISTED ? ` and ${unknown.length - LISTED} more` : '';
    return new VocabError(
      `${unknown.length} character${unknown.length === 1 ? '' : 's'} not in the vocabulary of ${this.size} tokens: ${listed}${more}; ` +
        'remove them from the input, or use a model trained on data that contains them',
    );
  }

  private unknownCharError(token: string): VocabError {
    const what = [...token].length === 1 ? `character ${describeChar(token)}` : `token ${JSON.stringify(token)}`;
    return new VocabError(
      `${what} is not in the vocabulary of ${this.size} tokens: build the vocabulary from a text that contains it, or remove it from the input`,
    );
  }
}
