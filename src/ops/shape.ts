/**
 * Concatenation, slicing, stacking, the time/batch transpose and index selection, each with its
 * backward. Each moves equal-sized blocks of a flat array: listed in a BlockMap, they move in one
 * backend call (gather, or scatterAdd for the adjoint) instead of one copy per block.
 */
import type { Backend, F32 } from '../backend/backend.ts';
import { Tensor, zeros } from '../tensor/tensor.ts';
import { record } from '../autograd/tape.ts';
import { ShapeError, ValueError, formatShape, checkRank } from '../errors.ts';
import { emptyLike, reshape } from './basic.ts';

function normalizeAxis(axis: number, rank: number, argument: string): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) throw new ValueError(argument, `an axis in [${-rank}, ${rank})`, String(axis));
  return a;
}

/** `count` blocks of `unit` elements: block k of one side is block ids[k] of the other. */
interface BlockMap {
  unit: number;
  count: number;
  /** int32 [count], kept alive for the backward pass */
  ids: Tensor;
}

function blockMap(backend: Backend, unit: number, count: number, id: (k: number) => number): BlockMap {
  const ids = zeros([count], { dtype: 'int32', backend });
  const data = ids.i32;
  for (let k = 0; k < count; k++) data[k] = id(k);
  return { unit, count, ids };
}

/** dst block k = src block ids[k] (dst overwritten). */
const gatherBlocks = (be: Backend, src: F32, m: BlockMap, dst: F32): void => be.gather(src, m.unit, m.ids.i32, m.count, dst);
/** dst block ids[k] += src block k. */
const scatterBlocks = (be: Backend, src: F32, m: BlockMap, dst: F32): void => be.scatterAdd(src, m.unit, m.ids.i32, m.count, dst);

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/**
 * Row `o` of `outer` rows, columns [start, start + width) of a rows × rowWidth array, as blocks of
 * the largest unit dividing every boundary: block k ↔ the array's block ids[k] (k over rows, then columns).
 */
function columnBlocks(backend: Backend, outer: number, rowWidth: number, start: number, width: number): BlockMap {
  const unit = Math.max(1, gcd(gcd(rowWidth, start), width));
  const perRow = width / unit, rowUnits = rowWidth / unit, first = start / unit;
  return blockMap(backend, unit, outer * perRow, (k) => Math.floor(k / perRow) * rowUnits + first + (k % perRow));
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
  // Each input fills columns [offset, offset + width) of the output's `outer` rows.
  let offset = 0;
  const maps = tensors.map((t) => {
    const width = t.shape[ax] * inner;
    const m = columnBlocks(backend, outer, total * inner, offset, width);
    offset += width;
    scatterBlocks(backend, t.f32, m, out.f32); // out is zero: a copy
    return m;
  });
  return record(out, 'concat', tensors, (dOut, grad) => {
    tensors.forEach((t, i) => {
      const dt = grad(i);
      if (!dt) return;
      const part = emptyLike(t).f32;
      gatherBlocks(backend, dOut, maps[i], part);
      backend.axpy(1, part, 0, dt, 0, t.size);
    });
  }, maps.map((m) => m.ids));
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
  const backend = x.backend;
  if (outer === 1) {
    // one contiguous range
    backend.copy(x.f32, start * inner, out.f32, 0, out.size);
    return record(out, 'slice', [x], (dOut, grad) => {
      const dx = grad(0);
      if (dx) backend.axpy(1, dOut, 0, dx, start * inner, out.size);
    });
  }
  const m = columnBlocks(backend, outer, dim * inner, start * inner, (end - start) * inner);
  gatherBlocks(backend, x.f32, m, out.f32);
  return record(out, 'slice', [x], (dOut, grad) => {
    const dx = grad(0);
    if (dx) scatterBlocks(backend, dOut, m, dx);
  }, [m.ids]);
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
  // out block (j, i) = x block (i, j)
  const m = blockMap(backend, inner, d0 * d1, (k) => (k % d0) * d1 + Math.floor(k / d0));
  gatherBlocks(backend, x.f32, m, out.f32);
  return record(out, 'transpose01', [x], (dOut, grad) => {
    const dx = grad(0);
    if (dx) scatterBlocks(backend, dOut, m, dx);
  }, [m.ids]);
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
  const m = blockMap(backend, inner, outer * n, (k) => Math.floor(k / n) * dim + index[k % n]);
  gatherBlocks(backend, x.f32, m, out.f32);
  return record(out, 'indexSelect', [x], (dOut, grad) => {
    const dx = grad(0);
    if (dx) scatterBlocks(backend, dOut, m, dx);
  }, [m.ids]);
}
