/**
 * The values an ONNX graph passes between its nodes: plain typed arrays with ONNX element types,
 * independent of any rnnkit backend. int64 values are held as JS numbers (exact up to 2^53; larger
 * ones, such as the INT64_MAX that Slice uses for "to the end", are clamped to ±2^53 on reading).
 */
import { ModelFormatError, ShapeError, ValueError, formatShape } from '../../errors.ts';

export type OnnxElementType = 'float32' | 'int64' | 'int32' | 'bool';

export interface OnnxTensor {
  readonly type: OnnxElementType;
  readonly dims: readonly number[];
  /** float32: Float32Array; int64: Float64Array of integers; int32: Int32Array; bool: Uint8Array of 0/1. */
  readonly data: Float32Array | Float64Array | Int32Array | Uint8Array;
}

const ARRAYS = { float32: Float32Array, int64: Float64Array, int32: Int32Array, bool: Uint8Array } as const;

export function elementCount(dims: readonly number[]): number {
  return dims.reduce((n, d) => n * d, 1);
}

/** A tensor of the given type and dims, zero-filled or holding `values` (converted to the type's array). */
export function onnxTensor(
  type: OnnxElementType, dims: readonly number[], values?: ArrayLike<number> | ArrayLike<bigint>,
): OnnxTensor {
  if (!(type in ARRAYS)) throw new ValueError('type', 'float32, int64, int32 or bool', JSON.stringify(type));
  if (dims.some((d) => !Number.isInteger(d) || d < 0)) throw new ShapeError('dims', 'non-negative integers', formatShape(dims));
  const n = elementCount(dims);
  const data = new ARRAYS[type](n);
  if (values !== undefined) {
    if (values.length !== n) throw new ShapeError('values', `${n} values for dims ${formatShape(dims)}`, `${values.length} values`);
    for (let i = 0; i < n; i++) data[i] = Number(values[i]);
  }
  return { type, dims: [...dims], data };
}

/** The values of an integer tensor (int64 or int32) as numbers; `what` names it in errors. */
export function integers(t: OnnxTensor, what: string): number[] {
  if (t.type !== 'int64' && t.type !== 'int32') throw new ModelFormatError('ONNX model', `${what} must be an integer tensor, got ${t.type}`);
  return Array.from(t.data);
}

export function describeTensor(t: OnnxTensor): string {
  return `${t.type} ${formatShape(t.dims)}`;
}
