/**
 * Tensor: a shape, a dtype and flat row-major storage owned by a backend, plus the autograd links
 * (requiresGrad, grad, and the node that created it).
 *
 * Memory: storage created inside `tidy(fn)` is returned to its backend when fn returns, except the
 * storage of the tensors fn returns (and of tensors passed to `keep`). Outside any tidy scope storage
 * lives until disposed (or, for the reference backend, until garbage-collected).
 */
import type { Backend, DType, F32, I32, Storage } from '../backend/backend.ts';
import { getBackend } from '../backend/registry.ts';
import { ShapeError, ValueError, formatShape } from '../errors.ts';

/** How gradients flow back through the op that created a tensor. */
export interface GradNode {
  readonly name: string;
  readonly inputs: readonly Tensor[];
  /**
   * Adds the gradient of each input to its accumulator: `sink(i)` is the zero-initialised (or
   * partially accumulated) gradient buffer of input i, or null when input i needs no gradient.
   */
  backward(dOut: F32, sink: (i: number) => F32 | null): void;
}

export class Tensor {
  requiresGrad = false;
  /** Accumulated gradient of a leaf tensor (parameters). */
  grad: Tensor | null = null;
  /** The op that produced this tensor, when it was produced under autograd. */
  gradNode: GradNode | null = null;
  readonly size: number;

  constructor(
    readonly data: Storage,
    readonly shape: readonly number[],
    readonly dtype: DType,
    readonly backend: Backend,
  ) {
    this.size = shapeSize(shape);
    if (data.length < this.size) {
      throw new ShapeError('data', `${this.size} elements for ${formatShape(shape)}`, `${data.length} elements`);
    }
  }

  get rank(): number {
    return this.shape.length;
  }

  /** Float32 storage (throws for int32 tensors). */
  get f32(): F32 {
    if (this.dtype !== 'float32') throw new ValueError('tensor', 'a float32 tensor', `${this.dtype}`);
    return this.data as F32;
  }

  /** Int32 storage (throws for float32 tensors). */
  get i32(): I32 {
    if (this.dtype !== 'int32') throw new ValueError('tensor', 'an int32 tensor', `${this.dtype}`);
    return this.data as I32;
  }

  toArray(): number[] {
    return Array.from(this.data.subarray(0, this.size));
  }

  item(): number {
    if (this.size !== 1) throw new ShapeError('item()', 'a tensor with one element', formatShape(this.shape));
    return this.data[0];
  }

  /** A tensor over the same storage, cut from the autograd graph. */
  detach(): Tensor {
    return new Tensor(this.data, this.shape, this.dtype, this.backend);
  }

  /** A tensor over the same storage with another shape of the same size (no gradient link). */
  view(shape: readonly number[]): Tensor {
    if (shapeSize(shape) !== this.size) {
      throw new ShapeError('shape', `${this.size} elements`, `${formatShape(shape)} (${shapeSize(shape)} elements)`);
    }
    return new Tensor(this.data, shape, this.dtype, this.backend);
  }

  /** Returns the storage to the backend now. */
  dispose(): void {
    releaseStorage(this.backend, this.data);
  }

  toString(): string {
    return `Tensor(${formatShape(this.shape)}, ${this.dtype}, ${this.backend.name})`;
  }
}

export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new ShapeError('shape', 'non-negative integer dimensions', formatShape(shape));
    n *= d;
  }
  return n;
}

// ---- tidy scopes ------------------------------------------------------------------------------

interface Scope {
  owned: Map<Storage, Backend>;
}
const scopes: Scope[] = [];
const released = new WeakSet<Storage>();

/** Allocates storage on `backend`, owned by the innermost tidy scope (if any). */
export function allocate(backend: Backend, n: number, dtype: DType): Storage {
  const data = backend.alloc(n, dtype);
  if (scopes.length > 0) scopes[scopes.length - 1].owned.set(data, backend);
  return data;
}

export function releaseStorage(backend: Backend, data: Storage): void {
  if (released.has(data)) return;
  released.add(data);
  for (const scope of scopes) scope.owned.delete(data);
  backend.free(data);
}

/** Keeps a tensor's storage alive past the enclosing tidy scopes. */
export function keep<T extends Tensor>(t: T): T {
  for (const scope of scopes) scope.owned.delete(t.data);
  return t;
}

/**
 * Runs fn and frees all storage allocated inside it, except that of the tensors in its result
 * (a Tensor, or an array / plain object whose values are tensors), which moves to the outer scope.
 */
export function tidy<T>(fn: () => T): T {
  const scope: Scope = { owned: new Map() };
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } finally {
    scopes.pop();
  }
  const kept = new Set<Storage>();
  collectTensors(result, (t) => kept.add(t.data));
  const outer = scopes[scopes.length - 1];
  for (const [data, backend] of scope.owned) {
    if (kept.has(data)) outer?.owned.set(data, backend);
    else releaseStorage(backend, data);
  }
  return result;
}

function collectTensors(value: unknown, visit: (t: Tensor) => void, depth = 0): void {
  if (value instanceof Tensor) visit(value);
  else if (depth < 3 && Array.isArray(value)) for (const v of value) collectTensors(v, visit, depth + 1);
  else if (depth < 3 && value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collectTensors(v, visit, depth + 1);
  }
}

// ---- creation ---------------------------------------------------------------------------------

export interface CreateOptions {
  dtype?: DType;
  requiresGrad?: boolean;
  backend?: Backend;
}

/** An uninitialised-but-zeroed tensor. */
export function zeros(shape: readonly number[], options: CreateOptions = {}): Tensor {
  const backend = options.backend ?? getBackend();
  const dtype = options.dtype ?? 'float32';
  const t = new Tensor(allocate(backend, shapeSize(shape), dtype), shape, dtype, backend);
  t.requiresGrad = options.requiresGrad ?? false;
  return t;
}

/** A tensor holding `values` (flat, row-major, or nested arrays) with the given shape. */
export function tensor(values: ArrayLike<number> | number[][] | number[][][], shape?: readonly number[], options: CreateOptions = {}): Tensor {
  const flat = flatten(values);
  const s = shape ?? inferShape(values);
  if (shapeSize(s) !== flat.length) {
    throw new ShapeError('values', `${shapeSize(s)} values for shape ${formatShape(s)}`, `${flat.length} values`);
  }
  const t = zeros(s, options);
  if (t.dtype === 'int32') {
    for (let i = 0; i < flat.length; i++) {
      if (!Number.isInteger(flat[i])) throw new ValueError(`values[${i}]`, 'an integer for an int32 tensor', String(flat[i]));
    }
  }
  t.data.set(flat as ArrayLike<number>);
  return t;
}

export function full(shape: readonly number[], value: number, options: CreateOptions = {}): Tensor {
  const t = zeros(shape, options);
  t.data.fill(value);
  return t;
}

function flatten(values: unknown): ArrayLike<number> {
  if (!Array.isArray(values)) return values as ArrayLike<number>;
  if (values.length === 0 || !Array.isArray(values[0])) return values as number[];
  return (values as unknown[]).flatMap((v) => Array.from(flatten(v)));
}

function inferShape(values: unknown): number[] {
  const shape: number[] = [];
  let v: unknown = values;
  while (Array.isArray(v)) {
    shape.push(v.length);
    v = v[0];
  }
  if (shape.length === 0) shape.push((values as ArrayLike<number>).length);
  return shape;
}
