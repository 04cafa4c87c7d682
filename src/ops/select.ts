/** Row selection between two tensors, with its backward. */
import { Tensor } from '../tensor/tensor.ts';
import { record } from '../autograd/tape.ts';
import { ShapeError, formatShape, checkFloat, sameShape } from '../errors.ts';
import { emptyLike } from './basic.ts';

/**
 * out[r] = rowMask[r] ? a[r] : b[r] for a and b of the same shape [R, ...]; the gradient of each
 * row goes to the tensor it was taken from (never multiplied, so the other side's NaN cannot leak).
 */
export function where(rowMask: ArrayLike<boolean>, a: Tensor, b: Tensor): Tensor {
  checkFloat(a, 'where(a)');
  checkFloat(b, 'where(b)');
  if (a.rank < 1) throw new ShapeError('where(a)', 'rank ≥ 1 [rows, ...]', formatShape(a.shape));
  sameShape(a, b, 'where(b)');
  const rows = a.shape[0];
  if (rowMask.length !== rows) throw new ShapeError('where(rowMask)', `${rows} flags (one per row of a)`, `${rowMask.length}`);
  const mask = Array.from(rowMask, Boolean);
  const width = rows === 0 ? 0 : a.size / rows;
  const out = emptyLike(a);
  const backend = a.backend;
  for (let r = 0; r < rows; r++) backend.copy((mask[r] ? a : b).f32, r * width, out.f32, r * width, width);
  return record(out, 'where', [a, b], (dOut, grad) => {
    const sinks = [grad(0), grad(1)];
    for (let r = 0; r < rows; r++) {
      const d = sinks[mask[r] ? 0 : 1];
      if (d) backend.axpy(1, dOut, r * width, d, r * width, width);
    }
  });
}
