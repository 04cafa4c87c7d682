/** Concatenation, slicing, stacking and the time/batch transpose, each with its backward. */
import { Tensor } from '../tensor/tensor.ts';
import { record } from '../autograd/tape.ts';
import { ShapeError, ValueError, formatShape, checkRank } from '../errors.ts';
import { emptyLike, reshape } from './basic.ts';

function normalizeAxis(axis: number, rank: number, argument: string): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) throw new ValueError(argument, `an axis in [${-rank}, ${rank})`, String(axis));
  return a;
}

/** Views shape as [outer, shape[axis], inner]. */
function blocks(shape: readonly number[], axis: number): [number, number, number] {
  const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  return [outer, shape[axis], inner];
}

/** Joins tensors along `axis`; all other dimensions must agree. */
export function concat(tensors: readonly Tensor[], axis = 0): Tensor {
  if (tensors.length === 0) throw new ValueError('concat(tensors)', 'at least one tensor', 'none');
  const first = tensors[0];
  const ax = normalizeAxis(axis, first.rank, 'concat(axis)');
  tensors.forEach((t, i) => {
    if (t.rank !== first.rank || t.shape.some((d, j) => j !== ax && d !== first.shape[j])) {
      throw new ShapeError(`concat(tensors[${i}])`, `${formatShape(first.shape)} except along axis ${ax}`, formatShape(t.shape));
    }
  });
  const total = tensors.reduce((n, t) => n + t.shape[ax], 0);
  const shape = first.shape.map((d, j) => (j === ax ? total : d));
  const out = emptyLike(first, shape);
  const [outer, , inner] = blocks(shape, ax);
  const backend = first.backend;
  let offset = 0;
  const offsets = tensors.map((t) => {
    const width = t.shape[ax] * inner;
    for (let o = 0; o < outer; o++) backend.copy(t.f32, o * width, out.f32, o * total * inner + offset, width);
    offset += width;
    return offset - width;
  });
  return record(out, 'concat', tensors, (dOut, grad) => {
    tensors.forEach((t, i) => {
      const dt = grad(i);
      if (!dt) return;
      const width = t.shape[ax] * inner;
      for (let o = 0; o < outer; o++) backend.axpy(1, dOut, o * total * inner + offsets[i], dt, o * width, width);
    });
  });
}

/** x[..., start:end, ...] along `axis`. */
export function slice(x: Tensor, axis: number, start: number, end: number): Tensor {
  const ax = normalizeAxis(axis, x.rank, 'slice(axis)');
  if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start <= end && end <= x.shape[ax])) {
    throw new ValueError('slice(start, end)', `0 ≤ start ≤ end ≤ ${x.shape[ax]}`, `${start}, ${end}`);
  }
  const [outer, dim, inner] = blocks(x.shape, ax);
  const shape = x.shape.map((d, j) => (j === ax ? end - start : d));
  const out = emptyLike(x, shape);
  const width = (end - start) * inner;
  const backend = x.backend;
  for (let o = 0; o < outer; o++) backend.copy(x.f32, o * dim * inner + start * inner, out.f32, o * width, width);
  return record(out, 'slice', [x], (dOut, grad) => {
    const dx = grad(0);
    if (!dx) return;
    for (let o = 0; o < outer; o++) backend.axpy(1, dOut, o * width, dx, o * dim * inner + start * inner, width);
  });
}

/** Splits x along `axis` into pieces of the given sizes (or into `sizes` equal pieces). */
export function split(x: Tensor, sizes: number | readonly number[], axis = 0): Tensor[] {
  const ax = normalizeAxis(axis, x.rank, 'split(axis)');
  const dim = x.shape[ax];
  const parts = typeof sizes === 'number' ? Array<number>(sizes).fill(dim / sizes) : sizes;
  if (parts.some((p) => !Number.isInteger(p) || p < 0) || parts.reduce((a, b) => a + b, 0) !== dim) {
    throw new ValueError('split(sizes)', `sizes that add up to ${dim}`, JSON.stringify(sizes));
  }
  let start = 0;
  return parts.map((p) => slice(x, ax, start, (start += p)));
}

/** Stacks same-shaped tensors along a new axis. */
export function stack(tensors: readonly Tensor[], axis = 0): Tensor {
  if (tensors.length === 0) throw new ValueError('stack(tensors)', 'at least one tensor', 'none');
  const ax = normalizeAxis(axis, tensors[0].rank + 1, 'stack(axis)');
  const expanded = tensors.map((t) => reshape(t, [...t.shape.slice(0, ax), 1, ...t.shape.slice(ax)]));
  return concat(expanded, ax);
}

/** Swaps the first two dimensions ([B, T, ...] ↔ [T, B, ...]). */
export function transpose01(x: Tensor): Tensor {
  checkRank(x, 'transpose01(x)', [2, 3, 4]);
  const [d0, d1] = x.shape;
  const inner = x.size / (d0 * d1);
  const out = emptyLike(x, [d1, d0, ...x.shape.slice(2)]);
  const backend = x.backend;
  for (let i = 0; i < d0; i++) for (let j = 0; j < d1; j++) backend.copy(x.f32, (i * d1 + j) * inner, out.f32, (j * d0 + i) * inner, inner);
  return record(out, 'transpose01', [x], (dOut, grad) => {
    const dx = grad(0);
    if (!dx) return;
    for (let i = 0; i < d0; i++) for (let j = 0; j < d1; j++) backend.axpy(1, dOut, (j * d0 + i) * inner, dx, (i * d1 + j) * inner, inner);
  });
}

/** x's slices along `axis` picked by `index` (PyTorch's index_select); gradients add back to the slices picked. */
export function indexSelect(x: Tensor, axis: number, index: ArrayLike<number>): Tensor {
  const ax = normalizeAxis(axis, x.rank, 'indexSelect(axis)');
  const [outer, dim, inner] = blocks(x.shape, ax);
  for (let i = 0; i < index.length; i++) {
    if (!(Number.isInteger(index[i]) && index[i] >= 0 && index[i] < dim)) throw new ValueError(`indexSelect(index)[${i}]`, `an index in [0, ${dim})`, String(index[i]));
  }
  const n = index.length;
  const out = emptyLike(x, x.shape.map((d, j) => (j === ax ? n : d)));
  const backend = x.backend;
  for (let o = 0; o < outer; o++) for (let i = 0; i < n; i++) backend.copy(x.f32, (o * dim + index[i]) * inner, out.f32, (o * n + i) * inner, inner);
  return record(out, 'indexSelect', [x], (dOut, grad) => {
    const dx = grad(0);
    if (!dx) return;
    for (let o = 0; o < outer; o++) for (let i = 0; i < n; i++) backend.axpy(1, dOut, (o * n + i) * inner, dx, (o * dim + index[i]) * inner, inner);
  });
}
