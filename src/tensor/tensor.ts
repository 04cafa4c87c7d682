/**
 * Tensor: a shape, a dtype and flat row-major storage owned by a backend, plus the autograd links
 * (requiresGrad, grad, and the node that created it).
 *
 * Memory: storage created inside `tidy(fn)` is returned to its backend when fn returns, except the
 * storage of the tensors reachable from fn's result (and of tensors passed to `keep`). Outside any
 * tidy scope storage lives until disposed (or, for the reference backend, until garbage-collected).
 * A tensor whose storage went back to the backend throws DisposedError on any access to its data:
 * the backend may already have handed that memory to another tensor.
 */
import type { Backend, DType, F32, I32, Storage } from '../backend/backend.ts';
import { getBackend } from '../backend/registry.ts';
import { DisposedError, ShapeError, ValueError, formatShape } from '../errors.ts';

/** How gradients flow back through the op that created a tensor. */
export interface GradNode {
  readonly name: string;
  readonly inputs: readonly Tensor[];
  /** Tensors besides the inputs and the output that `backward` reads (buffers saved by the forward pass). */
  readonly saved: readonly Tensor[];
  /**
   * Adds the gradient of each input to its accumulator: `sink(i)` is the zero-initialised (or
   * partially accumulated) gradient buffer of input i, or null when input i needs no gradient.
   */
  backward(dOut: F32, sink: (i: number) => F32 | null): void;
  /** Set once a backward pass without `retainGraph` went through this node. */
  consumed: boolean;
}

/** A set of allocations that a tidy scope frees when its function returns. */
type Scope = Set<Allocation>;

/**
 * One allocation of backend storage, shared by a tensor and its views (`view`, `detach`, `reshape`):
 * they all see it go when any of them is disposed.
 */
export class Allocation {
  /** False once the storage went back to the backend. */
  live = true;
  /** The tidy scope that frees it, or null when only `dispose()` does. */
  owner: Scope | null = null;

  constructor(readonly data: Storage, readonly backend: Backend) {}
}

export class Tensor {
  requiresGrad = false;
  /** Accumulated gradient of a leaf tensor (parameters). */
  grad: Tensor | null = null;
  /** The op that produced this tensor, when it was produced under autograd. */
  gradNode: GradNode | null = null;
  readonly size: number;

  constructor(
    readonly allocation: Allocation,
    readonly shape: readonly number[],
    readonly dtype: DType,
  ) {
    this.size = shapeSize(shape);
    if (allocation.data.length < this.size) {
      throw new ShapeError('data', `${this.size} elements for ${formatShape(shape)}`, `${allocation.data.length} elements`);
    }
  }

  get backend(): Backend {
    return this.allocation.backend;
  }

  get rank(): number {
    return this.shape.length;
  }

  /** True once the storage went back to the backend (by `dispose()` or `tidy`). */
  get isDisposed(): boolean {
    return !this.allocation.live;
  }

  /**
   * The storage (a view into the backend's memory for the wasm backend). Valid only while the
   * tensor lives: do not hold on to it past `dispose()` or the end of the tidy that made the tensor.
   */
  get data(): Storage {
    const a = this.allocation;
    if (!a.live) throw new DisposedError(this.toString());
    return a.data;
  }

  /** Float32 storage (throws for int32 tensors); valid while the tensor lives, like `data`. */
  get f32(): F32 {
    const a = this.allocation;
    if (!a.live) throw new DisposedError(this.toString());
    if (this.dtype !== 'float32') throw new ValueError('tensor', 'a float32 tensor', `${this.dtype}`);
    return a.data as F32;
  }

  /** Int32 storage (throws for float32 tensors); valid while the tensor lives, like `data`. */
  get i32(): I32 {
    const a = this.allocation;
    if (!a.live) throw new DisposedError(this.toString());
    if (this.dtype !== 'int32') throw new ValueError('tensor', 'an int32 tensor', `${this.dtype}`);
    return a.data as I32;
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
    return new Tensor(this.liveAllocation(), this.shape, this.dtype);
  }

  /** A tensor over the same storage with another shape of the same size (no gradient link). */
  view(shape: readonly number[]): Tensor {
    if (shapeSize(shape) !== this.size) {
      throw new ShapeError('shape', `${this.size} elements`, `${formatShape(shape)} (${shapeSize(shape)} elements)`);
    }
    return new Tensor(this.liveAllocation(), shape, this.dtype);
  }

  /** Returns the storage to the backend now (for this tensor and every view of it); disposing twice does nothing. */
  dispose(): void {
    release(this.allocation);
  }

  toString(): string {
    return `Tensor(${formatShape(this.shape)}, ${this.dtype}, ${this.backend.name}${this.allocation.live ? '' : ', disposed'})`;
  }

  private liveAllocation(): Allocation {
    if (!this.allocation.live) throw new DisposedError(this.toString());
    return this.allocation;
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

const scopes: Scope[] = [];

/** Allocates storage on `backend`, owned by the innermost tidy scope (if any). */
export function allocate(backend: Backend, n: number, dtype: DType): Allocation {
  if (limit !== null) {
    limit.requested += 4 * n; // float32 and int32 alike
    if (limit.requested > limit.bytes) throw limit.exceeded(limit.requested);
  }
  const a = new Allocation(backend.alloc(n, dtype), backend);
  limit?.made.push(a);
  const scope = scopes.length > 0 ? scopes[scopes.length - 1] : null;
  if (scope) {
    a.owner = scope;
    scope.add(a);
  }
  return a;
}

/** Returns an allocation's storage to its backend (once). */
export function release(a: Allocation): void {
  if (!a.live) return;
  a.owner?.delete(a);
  a.owner = null;
  a.live = false;
  a.backend.free(a.data);
}

/** Keeps a tensor's storage alive past the enclosing tidy scopes (until `dispose()`). */
export function keep<T extends Tensor>(t: T): T {
  const a = t.allocation;
  if (!a.live) throw new DisposedError(t.toString());
  a.owner?.delete(a);
  a.owner = null;
  return t;
}

/**
 * Runs fn and frees all storage allocated inside it, except that of the tensors reachable from its
 * result, which moves to the enclosing scope. Reachable means through arrays, Maps (keys and values),
 * Sets and the own properties of any object, at any depth. fn must be synchronous; if it throws,
 * everything it allocated is freed.
 */
export function tidy<T>(fn: () => T): T {
  const scope: Scope = new Set();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    scopes.pop();
    freeScope(scope);
    throw e;
  }
  scopes.pop();
  if (result instanceof Promise) {
    freeScope(scope);
    throw new ValueError('tidy(fn)', 'a synchronous function (tidy frees its tensors when fn returns, before a promise settles)', 'a function that returned a promise');
  }
  const outer = scopes.length > 0 ? scopes[scopes.length - 1] : null;
  forEachTensor(result, (t) => {
    const a = t.allocation;
    if (a.owner !== scope) return;
    scope.delete(a);
    a.owner = outer;
    outer?.add(a);
  });
  freeScope(scope);
  return result;
}

interface AllocationLimit {
  readonly bytes: number;
  requested: number;
  readonly made: Allocation[];
  readonly exceeded: (requestedBytes: number) => Error;
}
let limit: AllocationLimit | null = null;

/**
 * Runs fn allowing it `bytes` of new storage in all: the allocation that would go past that throws
 * `exceeded(bytes requested)` instead of being made, and when fn throws, all it allocated is freed.
 * (A checkpoint's model is built this way, so that its description cannot take more memory than
 * its weights file holds.)
 */
export function withAllocationLimit<T>(bytes: number, exceeded: (requestedBytes: number) => Error, fn: () => T): T {
  const outer = limit;
  const inner: AllocationLimit = { bytes, requested: 0, made: [], exceeded };
  limit = inner;
  try {
    return fn();
  } catch (e) {
    for (const a of inner.made) release(a);
    throw e;
  } finally {
    limit = outer;
  }
}

function freeScope(scope: Scope): void {
  for (const a of scope) {
    a.owner = null;
    release(a);
  }
  scope.clear();
}

/** Calls visit on every tensor reachable from value (each object visited once, so cycles end). */
function forEachTensor(value: unknown, visit: (t: Tensor) => void): void {
  if (typeof value !== 'object' || value === null) return;
  const seen = new Set<object>();
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const v = pending.pop();
    if (typeof v !== 'object' || v === null || seen.has(v)) continue;
    seen.add(v);
    if (v instanceof Tensor) visit(v);
    else if (ArrayBuffer.isView(v)) continue; // typed arrays hold numbers, under one own property per element
    else if (Array.isArray(v)) for (const x of v) pending.push(x);
    else if (v instanceof Map) for (const [k, x] of v) pending.push(k, x);
    else if (v instanceof Set) for (const x of v) pending.push(x);
    else {
      // Own data properties only: reading them never runs a getter.
      for (const d of Object.values(Object.getOwnPropertyDescriptors(v))) if ('value' in d) pending.push(d.value);
    }
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
  const t = new Tensor(allocate(backend, shapeSize(shape), dtype), shape, dtype);
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
