/** Argument checks shared by the ops: each failure is a typed error naming the argument. */
import { Tensor } from '../tensor/tensor.ts';
import { ShapeError, ValueError, formatShape } from '../errors.ts';

export function checkRank(t: Tensor, argument: string, ranks: readonly number[], meaning = ''): void {
  if (!ranks.includes(t.rank)) {
    const expected = ranks.map((r) => `rank ${r}`).join(' or ') + (meaning ? ` ${meaning}` : '');
    throw new ShapeError(argument, expected, `${formatShape(t.shape)} (rank ${t.rank})`);
  }
}

export function checkShape(t: Tensor, argument: string, expected: readonly number[]): void {
  if (t.rank !== expected.length || t.shape.some((d, i) => d !== expected[i])) {
    throw new ShapeError(argument, formatShape(expected), formatShape(t.shape));
  }
}

export function checkFloat(t: Tensor, argument: string): void {
  if (t.dtype !== 'float32') throw new ValueError(argument, 'a float32 tensor', `an ${t.dtype} tensor`);
}

/** Token ids: an int32 tensor whose every value is in [0, vocab). */
export function checkTokenIds(ids: Tensor, argument: string, vocab: number): void {
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

export function sameShape(a: Tensor, b: Tensor, argument: string): void {
  checkShape(b, argument, a.shape);
}
