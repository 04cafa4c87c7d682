/**
 * Every error rnnkit throws on purpose, and the argument validators that throw them.
 *
 * All error classes extend RnnkitError, so a caller (the CLI, an application) can tell "bad input or
 * a bad file" from a bug with one `instanceof RnnkitError`. Argument errors name the argument, what
 * was expected and what came.
 */
import type { DType } from './backend/backend.ts';

export class RnnkitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A tensor argument whose rank or dimensions do not fit. */
export class ShapeError extends RnnkitError {
  constructor(
    readonly argument: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`${argument}: expected shape ${expected}, got ${actual}`);
  }
}

/** An argument whose value is out of range or of the wrong kind. */
export class ValueError extends RnnkitError {
  constructor(
    readonly argument: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`${argument}: expected ${expected}, got ${actual}`);
  }
}

/**
 * A model file rnnkit cannot read or run: truncated or of another format, or using an operator,
 * attribute or layer that rnnkit does not support. `format` names the kind of file ("ONNX model",
 * "TensorFlow.js model"); the message is one line.
 */
export class ModelFormatError extends RnnkitError {
  constructor(
    readonly format: string,
    readonly detail: string,
  ) {
    super(`${format}: ${detail}`);
  }
}

/** A tensor used after its storage went back to the backend (by `dispose()` or by the `tidy` it was made in). */
export class DisposedError extends RnnkitError {
  constructor(readonly tensor: string) {
    super(
      `${tensor} was used after it was disposed (by dispose() or when the tidy() that made it returned): ` +
        'return it from the tidy function or keep() it to use it afterwards',
    );
  }
}

/** `backward` through a graph that cannot be walked: its buffers were freed, or an earlier backward consumed it. */
export class GraphError extends RnnkitError {}

/** More storage than a backend can hold: what was asked for and the backend's limit. */
export class MemoryLimitError extends RnnkitError {
  constructor(
    readonly backend: string,
    readonly neededBytes: number,
    readonly limitBytes: number,
    what = 'the allocation',
  ) {
    super(`${what} needs ${formatBytes(neededBytes)}; the ${backend} backend holds at most ${formatBytes(limitBytes)}`);
  }
}

/** A checkpoint or safetensors file that is missing, truncated, corrupt or does not fit the model. */
export class CheckpointError extends RnnkitError {}

/** A character or id the vocabulary does not know, or a malformed serialised vocabulary. */
export class VocabError extends RnnkitError {}

/** Batching arguments that cannot work: too short a text, a foreign saved state. */
export class BatchingError extends RnnkitError {}

export type CorpusErrorCode = 'missing-path' | 'empty-file' | 'binary-file' | 'no-text-files' | 'unreadable' | 'too-large';

/** A corpus that cannot be loaded; `code` tells which problem, `path` where. */
export class CorpusError extends RnnkitError {
  constructor(
    readonly code: CorpusErrorCode,
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** 1536 → "1.50 KiB" (binary units, three significant digits). */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} bytes` : `${value.toPrecision(3)} ${units[unit]}`;
}

/** A short rendering of a (JSON) value for messages: `null`, `[0,7.5]`, `"F64"`, `nothing` for undefined. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

// ---- scalar arguments: each returns the value when it is valid -------------------------------

/** An integer ≥ 1. */
export function positiveInteger(argument: string, value: number): number {
  if (!(Number.isInteger(value) && value >= 1)) throw new ValueError(argument, 'a positive integer', String(value));
  return value;
}

/** An integer ≥ 0. */
export function nonNegativeInteger(argument: string, value: number): number {
  if (!(Number.isInteger(value) && value >= 0)) throw new ValueError(argument, 'an integer ≥ 0', String(value));
  return value;
}

/** A number ≥ 0 (not NaN). */
export function nonNegative(argument: string, value: number): number {
  if (!(value >= 0)) throw new ValueError(argument, 'a number ≥ 0', String(value));
  return value;
}

/** A number in [0, 1): a dropout probability, a moment decay. */
export function unitInterval(argument: string, value: number): number {
  if (!(value >= 0 && value < 1)) throw new ValueError(argument, 'a number in [0, 1)', String(value));
  return value;
}

// ---- tensor arguments -------------------------------------------------------------------------

/** What the tensor checks read of a tensor (a structural type, so that this module imports no tensor code). */
interface TensorLike {
  readonly shape: readonly number[];
  readonly rank: number;
  readonly dtype: DType;
  readonly size: number;
  readonly i32: Int32Array;
}

export function checkRank(t: TensorLike, argument: string, ranks: readonly number[], meaning = ''): void {
  if (!ranks.includes(t.rank)) {
    const expected = ranks.map((r) => `rank ${r}`).join(' or ') + (meaning ? ` ${meaning}` : '');
    throw new ShapeError(argument, expected, `${formatShape(t.shape)} (rank ${t.rank})`);
  }
}

export function checkShape(t: TensorLike, argument: string, expected: readonly number[]): void {
  if (t.rank !== expected.length || t.shape.some((d, i) => d !== expected[i])) {
    throw new ShapeError(argument, formatShape(expected), formatShape(t.shape));
  }
}

export function sameShape(a: TensorLike, b: TensorLike, argument: string): void {
  checkShape(b, argument, a.shape);
}

export function checkFloat(t: TensorLike, argument: string): void {
  if (t.dtype !== 'float32') throw new ValueError(argument, 'a float32 tensor', `an ${t.dtype} tensor`);
}

/** Token ids: an int32 tensor whose every value is in [0, vocab). */
export function checkTokenIds(ids: TensorLike, argument: string, vocab: number): void {
  if (ids.dtype !== 'int32') throw new ValueError(argument, 'an int32 tensor of token ids', `a ${ids.dtype} tensor`);
  const data = ids.i32;
  for (let i = 0; i < ids.size; i++) {
    if (data[i] < 0 || data[i] >= vocab) {
      throw new ValueError(`${argument}[${i}]`, `a token id in [0, ${vocab})`, String(data[i]));
    }
  }
}

/** Sequence lengths: one integer in [1, T] per batch row (check before converting to Int32Array, which truncates and wraps). */
export function checkLengths(lengths: ArrayLike<number>, argument: string, batch: number, T: number): void {
  if (lengths.length !== batch) throw new ShapeError(argument, `${batch} lengths (one per batch row)`, `${lengths.length}`);
  for (let b = 0; b < batch; b++) {
    if (!(Number.isInteger(lengths[b]) && lengths[b] >= 1 && lengths[b] <= T)) {
      throw new ValueError(`${argument}[${b}]`, `an integer length in [1, ${T}]`, String(lengths[b]));
    }
  }
}

/**
 * A file that does not parse (a vectors file, an evaluation file): `line` is 1-based; for a binary
 * vectors file it counts entries as a text file would (header = line 1, word i = line i + 1).
 */
export class FileFormatError extends RnnkitError {
  constructor(
    readonly source: string,
    readonly line: number,
    readonly problem: string,
  ) {
    super(`${source}, line ${line}: ${problem}`);
  }
}

/** Words that are not in the vocabulary of the vectors a query was made against. */
export class UnknownWordError extends RnnkitError {
  /** @param all whether these are all the words the query named */
  constructor(
    readonly argument: string,
    readonly words: readonly string[],
    readonly all = false,
  ) {
    const list = words.map((w) => JSON.stringify(w)).join(', ');
    super(all && words.length > 1
      ? `${argument}: none of the words is in the vocabulary: ${list}`
      : `${argument}: ${words.length === 1 ? 'word' : 'words'} not in the vocabulary: ${list}`);
  }
}

/** A pretrained set asked for but not installed. */
export class MissingPretrainedError extends RnnkitError {
  constructor(readonly name: string, readonly packageName: string) {
    super(`${name} needs the npm package ${packageName} (~110 MB download), which is not installed: npm install ${packageName}`);
  }
}
