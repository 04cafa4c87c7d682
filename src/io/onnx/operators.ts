/**
 * The ONNX operators that surround recurrent layers in exported models (embedding lookups, shape
 * arithmetic, projections, softmax), with ONNX's semantics for opsets 7 and later. Float math runs
 * through rnnkit's ops on the model's backend; data movement (gather, slice, transpose, …) and
 * integer shape arithmetic run on the plain arrays.
 */
import { Tensor, keep, tensor, tidy } from '../../tensor/tensor.ts';
import { noGrad } from '../../autograd/tape.ts';
import { add, div, exp, log, matmul, mul, neg, relu, reshape, scale, sigmoid, sub, tanh } from '../../ops/basic.ts';
import { logSoftmax, softmax } from '../../ops/softmax.ts';
import type { OnnxNode, RunContext } from './node.ts';
import { DATA_TYPES, dataTypeName } from './proto.ts';
import { elementCount, integers, onnxTensor, type OnnxElementType, type OnnxTensor } from './tensor.ts';

export type Inputs = readonly (OnnxTensor | null)[];

export interface Operator {
  /** The attributes it reads; a node carrying any other attribute is refused when the model loads. */
  readonly attributes: readonly string[];
  /** Load-time checks of attribute values. */
  check?(node: OnnxNode, opset: number): void;
  run(node: OnnxNode, inputs: Inputs, ctx: RunContext): (OnnxTensor | null)[];
}

// ---- helpers ------------------------------------------------------------------------------------

export function required(node: OnnxNode, inputs: Inputs, i: number, what: string): OnnxTensor {
  const t = inputs[i];
  if (!t) throw node.error(`input ${i} (${what}) is required`);
  return t;
}

export function requireFloat(node: OnnxNode, t: OnnxTensor, what: string): OnnxTensor {
  if (t.type !== 'float32') throw node.error(`${what} must be float32, got ${t.type}`);
  return t;
}

function axisOf(node: OnnxNode, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!(a >= 0 && a < rank)) throw node.error(`axis ${axis} is out of range for rank ${rank}`);
  return a;
}

function stridesOf(dims: readonly number[]): number[] {
  const s = new Array<number>(dims.length);
  let n = 1;
  for (let i = dims.length - 1; i >= 0; i--) {
    s[i] = n;
    n *= dims[i];
  }
  return s;
}

function like(t: OnnxTensor, dims: readonly number[]): OnnxTensor {
  return onnxTensor(t.type, dims);
}

/** Calls visit(outIndex, inIndex) for every element of `dims`, inIndex following `inStrides`. */
function walk(dims: readonly number[], inStrides: readonly number[], inOffset: number, visit: (o: number, i: number) => void): void {
  const n = elementCount(dims);
  const rank = dims.length;
  const index = new Array<number>(rank).fill(0);
  let at = inOffset;
  for (let o = 0; o < n; o++) {
    visit(o, at);
    for (let d = rank - 1; d >= 0; d--) {
      index[d]++;
      at += inStrides[d];
      if (index[d] < dims[d]) break;
      at -= inStrides[d] * dims[d];
      index[d] = 0;
    }
  }
}

export function transpose(t: OnnxTensor, perm: readonly number[]): OnnxTensor {
  const strides = stridesOf(t.dims);
  const out = like(t, perm.map((p) => t.dims[p]));
  walk(out.dims, perm.map((p) => strides[p]), 0, (o, i) => (out.data[o] = t.data[i]));
  return out;
}

function broadcastDims(node: OnnxNode, a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  return Array.from({ length: rank }, (_, i) => {
    const da = a[i - rank + a.length] ?? 1, db = b[i - rank + b.length] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw node.error(`shapes [${a.join(', ')}] and [${b.join(', ')}] do not broadcast`);
    return da === 1 ? db : da;
  });
}

/** t broadcast (numpy rules) to dims. */
function expandTo(t: OnnxTensor, dims: readonly number[]): OnnxTensor {
  if (t.dims.length === dims.length && t.dims.every((d, i) => d === dims[i])) return t;
  const own = stridesOf(t.dims);
  const lead = dims.length - t.dims.length;
  const strides = dims.map((_, i) => (i < lead || t.dims[i - lead] === 1 ? 0 : own[i - lead]));
  const out = like(t, dims);
  walk(dims, strides, 0, (o, i) => (out.data[o] = t.data[i]));
  return out;
}

/** A float32 value as a tensor on the run's backend: constants once (kept), others afresh (freed with the enclosing tidy). */
export function backendTensor(ctx: RunContext, t: OnnxTensor, dims: readonly number[] = t.dims): Tensor {
  const make = (): Tensor => tensor(t.data as Float32Array, dims, { backend: ctx.backend });
  return ctx.isConstant(t) ? ctx.cached(t, () => keep(make())) : make();
}

/** Runs rnnkit ops on float32 inputs (on the model's backend, without gradients) and reads the result back. */
export function compute(ctx: RunContext, inputs: readonly OnnxTensor[], fn: (...xs: Tensor[]) => Tensor): OnnxTensor {
  return noGrad(() => tidy(() => {
    const y = fn(...inputs.map((t) => backendTensor(ctx, t)));
    return { type: 'float32', dims: [...y.shape], data: Float32Array.from(y.f32.subarray(0, y.size)) } as OnnxTensor;
  }));
}

function integerList(node: OnnxNode, t: OnnxTensor | null, what: string): number[] | null {
  if (!t) return null;
  try {
    return integers(t, what);
  } catch {
    throw node.error(`${what} must be an integer tensor, got ${t.type}`);
  }
}

/** Axes from the attribute (opset < 13) or the second input (opset ≥ 13). */
function axesFrom(node: OnnxNode, inputs: Inputs, opset: number, since: number): number[] | null {
  return opset < since ? node.ints('axes') : integerList(node, inputs[1] ?? null, 'axes');
}

// ---- elementwise ------------------------------------------------------------------------------

type FloatBinary = (a: Tensor, b: Tensor) => Tensor;

function binary(floatOp: FloatBinary, intOp: (a: number, b: number) => number): Operator {
  return {
    attributes: [],
    run(node, inputs, ctx) {
      const a = required(node, inputs, 0, 'A'), b = required(node, inputs, 1, 'B');
      if (a.type !== b.type) throw node.error(`inputs have different types (${a.type}, ${b.type})`);
      const dims = broadcastDims(node, a.dims, b.dims);
      const [x, y] = [expandTo(a, dims), expandTo(b, dims)];
      if (a.type === 'float32') return [compute(ctx, [x, y], floatOp)];
      if (a.type === 'bool') throw node.error('bool inputs are not supported');
      const out = like(a, dims);
      for (let i = 0; i < out.data.length; i++) out.data[i] = intOp(x.data[i], y.data[i]);
      return [out];
    },
  };
}

function unary(op: (x: Tensor) => Tensor): Operator {
  return {
    attributes: [],
    run: (node, inputs, ctx) => [compute(ctx, [requireFloat(node, required(node, inputs, 0, 'X'), 'X')], op)],
  };
}

/** Softmax / LogSoftmax over `axis`: opset ≥ 13 one axis (default −1); before, the input flattened to 2-D at `axis` (default 1). */
function softmaxLike(op: (x: Tensor) => Tensor): Operator {
  return {
    attributes: ['axis'],
    run(node, inputs, ctx) {
      const x = requireFloat(node, required(node, inputs, 0, 'input'), 'input');
      const rank = x.dims.length;
      if (ctx.opset < 13) {
        const axis = axisOf(node, node.int('axis', 1), rank);
        const cols = elementCount(x.dims.slice(axis));
        return [compute(ctx, [x], (t) => reshape(op(reshape(t, [t.size / cols, cols])), x.dims))];
      }
      const axis = axisOf(node, node.int('axis', -1), rank);
      if (axis === rank - 1) return [compute(ctx, [x], op)];
      const perm = [...Array(rank).keys()].filter((d) => d !== axis).concat(axis);
      const inverse = perm.map((_, i) => perm.indexOf(i));
      return [transpose(compute(ctx, [transpose(x, perm)], op), inverse)];
    },
  };
}

// ---- products ---------------------------------------------------------------------------------

/** numpy matmul over float32: [..., M, K] · [..., K, N], 1-D operands promoted and their axis dropped. */
const MatMul: Operator = {
  attributes: [],
  run(node, inputs, ctx) {
    const a0 = requireFloat(node, required(node, inputs, 0, 'A'), 'A');
    const b0 = requireFloat(node, required(node, inputs, 1, 'B'), 'B');
    const a = a0.dims.length === 1 ? { ...a0, dims: [1, a0.dims[0]] } : a0;
    const b = b0.dims.length === 1 ? { ...b0, dims: [b0.dims[0], 1] } : b0;
    const [M, K] = a.dims.slice(-2), [K2, N] = b.dims.slice(-2);
    if (K !== K2) throw node.error(`A [${a0.dims.join(', ')}] and B [${b0.dims.join(', ')}] do not multiply`);
    const batch = broadcastDims(node, a.dims.slice(0, -2), b.dims.slice(0, -2));
    let out: OnnxTensor;
    if (b.dims.length === 2) {
      // One product for all of A's leading dimensions.
      out = compute(ctx, [a, b], (x, w) => reshape(matmul(reshape(x, [x.size / K, K]), w), [...a.dims.slice(0, -1), N]));
      out = { ...out, dims: [...batch, M, N] };
    } else {
      const x = expandTo(a, [...batch, M, K]), w = expandTo(b, [...batch, K, N]);
      const count = elementCount(batch);
      out = onnxTensor('float32', [...batch, M, N]);
      for (let i = 0; i < count; i++) {
        const part = compute(ctx, [
          { type: 'float32', dims: [M, K], data: x.data.subarray(i * M * K, (i + 1) * M * K) },
          { type: 'float32', dims: [K, N], data: w.data.subarray(i * K * N, (i + 1) * K * N) },
        ], (p, q) => matmul(p, q));
        out.data.set(part.data, i * M * N);
      }
    }
    const dims = out.dims.filter((_, i) => !(a0.dims.length === 1 && i === out.dims.length - 2) && !(b0.dims.length === 1 && i === out.dims.length - 1));
    return [{ ...out, dims }];
  },
};

/** Y = alpha · A' · B' + beta · C, A' = Aᵀ when transA, B' = Bᵀ when transB; C broadcast to [M, N]. */
const Gemm: Operator = {
  attributes: ['alpha', 'beta', 'transA', 'transB', 'broadcast'],
  run(node, inputs, ctx) {
    const a = requireFloat(node, required(node, inputs, 0, 'A'), 'A');
    const b = requireFloat(node, required(node, inputs, 1, 'B'), 'B');
    const transA = node.int('transA', 0) === 1, transB = node.int('transB', 0) === 1;
    const alpha = node.float('alpha', 1), beta = node.float('beta', 1);
    if (a.dims.length !== 2 || b.dims.length !== 2) throw node.error('A and B must be 2-D');
    const M = transA ? a.dims[1] : a.dims[0], N = transB ? b.dims[0] : b.dims[1];
    const c = inputs[2] ? expandTo(requireFloat(node, inputs[2], 'C'), broadcastDims(node, [M, N], inputs[2].dims)) : null;
    if (c && (c.dims.length !== 2 || c.dims[0] !== M || c.dims[1] !== N)) throw node.error(`C does not broadcast to [${M}, ${N}]`);
    return [compute(ctx, c ? [a, b, c] : [a, b], (x, w, bias) => {
      let y = matmul(x, w, transA, transB);
      if (alpha !== 1) y = scale(y, alpha);
      return bias ? add(y, beta === 1 ? bias : scale(bias, beta)) : y;
    })];
  },
};

// ---- data movement ----------------------------------------------------------------------------

const Identity: Operator = { attributes: [], run: (node, inputs) => [required(node, inputs, 0, 'input')] };

/** Inference: the input unchanged (and an all-true mask). */
const Dropout: Operator = {
  attributes: ['ratio', 'seed', 'is_test'],
  run(node, inputs) {
    const x = required(node, inputs, 0, 'data');
    const mask = onnxTensor('bool', x.dims);
    mask.data.fill(1);
    return [x, mask];
  },
};

const Constant: Operator = {
  attributes: ['value', 'value_float', 'value_floats', 'value_int', 'value_ints'],
  check(node) {
    const given = node.attributeNames();
    if (given.length !== 1) throw node.error(`needs exactly one of value, value_float(s), value_int(s); got ${given.join(', ') || 'none'}`);
  },
  run: (node, _inputs, ctx) => [ctx.cached(node, () => constantValue(node))],
};

function constantValue(node: OnnxNode): OnnxTensor {
  const t = node.tensor('value');
  if (t) return t;
  if (node.has('value_float')) return onnxTensor('float32', [], [node.float('value_float')]);
  if (node.has('value_int')) return onnxTensor('int64', [], [node.int('value_int')]);
  const floats = node.floats('value_floats');
  if (floats) return onnxTensor('float32', [floats.length], floats);
  const ints = node.ints('value_ints')!;
  return onnxTensor('int64', [ints.length], ints);
}

const ConstantOfShape: Operator = {
  attributes: ['value'],
  run(node, inputs) {
    const dims = integerList(node, required(node, inputs, 0, 'input'), 'shape')!;
    const value = node.tensor('value') ?? onnxTensor('float32', [1], [0]);
    if (value.data.length !== 1) throw node.error('value must hold one element');
    const out = onnxTensor(value.type, dims);
    out.data.fill(value.data[0]);
    return [out];
  },
};

const Shape: Operator = {
  attributes: ['start', 'end'],
  run(node, inputs) {
    const dims = required(node, inputs, 0, 'data').dims;
    const clampAxis = (a: number): number => Math.min(Math.max(a < 0 ? a + dims.length : a, 0), dims.length);
    const part = dims.slice(clampAxis(node.int('start', 0)), clampAxis(node.int('end', dims.length)));
    return [onnxTensor('int64', [part.length], part)];
  },
};

const CAST_TARGETS = Object.fromEntries(Object.entries(DATA_TYPES).map(([k, v]) => [v, k])) as Record<number, OnnxElementType>;

const Cast: Operator = {
  attributes: ['to', 'saturate'],
  check(node) {
    const to = node.int('to');
    if (!CAST_TARGETS[to]) throw node.error(`cast to ${dataTypeName(to)} is not supported (FLOAT, INT64, INT32, BOOL are)`);
  },
  run(node, inputs) {
    const x = required(node, inputs, 0, 'input');
    const type = CAST_TARGETS[node.int('to')];
    const out = onnxTensor(type, x.dims);
    for (let i = 0; i < x.data.length; i++) {
      const v = x.data[i];
      out.data[i] = type === 'bool' ? (v !== 0 ? 1 : 0) : type === 'float32' ? v : Math.trunc(v);
    }
    return [out];
  },
};

const Reshape: Operator = {
  attributes: ['allowzero'],
  run(node, inputs) {
    const x = required(node, inputs, 0, 'data');
    const spec = integerList(node, required(node, inputs, 1, 'shape'), 'shape')!;
    const allowZero = node.int('allowzero', 0) === 1;
    const dims = spec.map((d, i) => (d === 0 && !allowZero ? x.dims[i] : d));
    const unknown = dims.indexOf(-1);
    if (unknown >= 0) {
      const known = dims.reduce((n, d, i) => (i === unknown ? n : n * d), 1);
      dims[unknown] = known === 0 ? 0 : x.data.length / known;
    }
    if (dims.some((d) => !Number.isInteger(d) || d < 0) || elementCount(dims) !== x.data.length) {
      throw node.error(`cannot reshape [${x.dims.join(', ')}] to [${spec.join(', ')}]`);
    }
    return [{ ...x, dims }];
  },
};

const Flatten: Operator = {
  attributes: ['axis'],
  run(node, inputs) {
    const x = required(node, inputs, 0, 'input');
    const rank = x.dims.length;
    let axis = node.int('axis', 1);
    if (axis < 0) axis += rank;
    if (!(axis >= 0 && axis <= rank)) throw node.error(`axis ${node.int('axis', 1)} is out of range for rank ${rank}`);
    const outer = elementCount(x.dims.slice(0, axis));
    return [{ ...x, dims: [outer, x.data.length / Math.max(outer, 1)] }];
  },
};

const Squeeze: Operator = {
  attributes: ['axes'],
  run(node, inputs, ctx) {
    const x = required(node, inputs, 0, 'data');
    const axes = axesFrom(node, inputs, ctx.opset, 13)?.map((a) => axisOf(node, a, x.dims.length));
    for (const a of axes ?? []) if (x.dims[a] !== 1) throw node.error(`cannot squeeze axis ${a} of size ${x.dims[a]}`);
    return [{ ...x, dims: x.dims.filter((d, i) => (axes ? !axes.includes(i) : d !== 1)) }];
  },
};

const Unsqueeze: Operator = {
  attributes: ['axes'],
  run(node, inputs, ctx) {
    const x = required(node, inputs, 0, 'data');
    const given = axesFrom(node, inputs, ctx.opset, 13);
    if (!given) throw node.error('axes are required');
    const rank = x.dims.length + given.length;
    const axes = given.map((a) => axisOf(node, a, rank));
    const rest = [...x.dims];
    return [{ ...x, dims: Array.from({ length: rank }, (_, i) => (axes.includes(i) ? 1 : rest.shift()!)) }];
  },
};

const Transpose: Operator = {
  attributes: ['perm'],
  run(node, inputs) {
    const x = required(node, inputs, 0, 'data');
    const perm = node.ints('perm') ?? [...x.dims.keys()].reverse();
    if (perm.length !== x.dims.length || [...perm].sort().some((p, i) => p !== i)) throw node.error(`perm [${perm.join(', ')}] does not permute rank ${x.dims.length}`);
    return [transpose(x, perm)];
  },
};

const Concat: Operator = {
  attributes: ['axis'],
  run(node, inputs) {
    const parts = inputs.filter((t): t is OnnxTensor => t !== null);
    if (parts.length === 0) throw node.error('needs at least one input');
    const first = parts[0];
    const axis = axisOf(node, node.int('axis'), first.dims.length);
    for (const p of parts) {
      if (p.type !== first.type || p.dims.length !== first.dims.length || p.dims.some((d, i) => i !== axis && d !== first.dims[i])) {
        throw node.error(`inputs ${parts.map((q) => `[${q.dims.join(', ')}]`).join(', ')} do not concatenate along axis ${axis}`);
      }
    }
    const dims = first.dims.map((d, i) => (i === axis ? parts.reduce((n, p) => n + p.dims[axis], 0) : d));
    const out = like(first, dims);
    const outer = elementCount(dims.slice(0, axis)), inner = elementCount(dims.slice(axis + 1));
    let offset = 0;
    for (const p of parts) {
      const width = p.dims[axis] * inner;
      for (let o = 0; o < outer; o++) out.data.set(p.data.subarray(o * width, (o + 1) * width), o * dims[axis] * inner + offset);
      offset += width;
    }
    return [out];
  },
};

const Split: Operator = {
  attributes: ['axis', 'split', 'num_outputs'],
  run(node, inputs, ctx) {
    const x = required(node, inputs, 0, 'input');
    const axis = axisOf(node, node.int('axis', 0), x.dims.length);
    const dim = x.dims[axis];
    const count = node.outputs.length;
    let sizes = ctx.opset < 13 ? node.ints('split') : integerList(node, inputs[1] ?? null, 'split');
    if (!sizes) {
      const piece = Math.ceil(dim / count);
      sizes = Array.from({ length: count }, (_, i) => Math.max(0, Math.min(piece, dim - i * piece)));
    }
    if (sizes.length !== count || sizes.reduce((a, b) => a + b, 0) !== dim) throw node.error(`split [${sizes.join(', ')}] does not divide ${dim} into ${count} outputs`);
    let start = 0;
    return sizes.map((size) => {
      const part = sliceAxis(x, axis, start, 1, size);
      start += size;
      return part;
    });
  },
};

/** Elements start, start + step, … (size of them) along one axis. */
function sliceAxis(x: OnnxTensor, axis: number, start: number, step: number, size: number): OnnxTensor {
  const dims = x.dims.map((d, i) => (i === axis ? size : d));
  const strides = stridesOf(x.dims);
  const out = like(x, dims);
  walk(dims, strides.map((s, i) => (i === axis ? s * step : s)), start * strides[axis], (o, i) => (out.data[o] = x.data[i]));
  return out;
}

const Slice: Operator = {
  attributes: ['starts', 'ends', 'axes'],
  run(node, inputs, ctx) {
    let x = required(node, inputs, 0, 'data');
    const fromInputs = ctx.opset >= 10;
    const starts = fromInputs ? integerList(node, required(node, inputs, 1, 'starts'), 'starts')! : node.ints('starts');
    const ends = fromInputs ? integerList(node, required(node, inputs, 2, 'ends'), 'ends')! : node.ints('ends');
    if (!starts || !ends || starts.length !== ends.length) throw node.error('starts and ends must be given with one value per axis');
    const axes = (fromInputs ? integerList(node, inputs[3] ?? null, 'axes') : node.ints('axes')) ?? starts.map((_, i) => i);
    const steps = (fromInputs ? integerList(node, inputs[4] ?? null, 'steps') : null) ?? starts.map(() => 1);
    axes.forEach((a, k) => {
      const axis = axisOf(node, a, x.dims.length);
      const dim = x.dims[axis];
      const step = steps[k];
      if (step === 0) throw node.error('a step of 0');
      const clamp = (v: number, lo: number, hi: number): number => Math.min(Math.max(v < 0 ? v + dim : v, lo), hi);
      const start = step > 0 ? clamp(starts[k], 0, dim) : clamp(starts[k], -1, dim - 1);
      const end = step > 0 ? clamp(ends[k], 0, dim) : clamp(ends[k], -1, dim - 1);
      const size = Math.max(0, Math.ceil((end - start) / step));
      x = sliceAxis(x, axis, start, step, size);
    });
    return [x];
  },
};

const Gather: Operator = {
  attributes: ['axis'],
  run(node, inputs) {
    const data = required(node, inputs, 0, 'data');
    const indices = required(node, inputs, 1, 'indices');
    const ids = integerList(node, indices, 'indices')!;
    const axis = axisOf(node, node.int('axis', 0), data.dims.length);
    const dim = data.dims[axis];
    const outer = elementCount(data.dims.slice(0, axis)), inner = elementCount(data.dims.slice(axis + 1));
    const out = like(data, [...data.dims.slice(0, axis), ...indices.dims, ...data.dims.slice(axis + 1)]);
    ids.forEach((id, k) => {
      const i = id < 0 ? id + dim : id;
      if (!(i >= 0 && i < dim)) throw node.error(`index ${id} is out of range for a dimension of ${dim}`);
      for (let o = 0; o < outer; o++) {
        out.data.set(data.data.subarray((o * dim + i) * inner, (o * dim + i + 1) * inner), (o * ids.length + k) * inner);
      }
    });
    return [out];
  },
};

const Expand: Operator = {
  attributes: [],
  run(node, inputs) {
    const x = required(node, inputs, 0, 'input');
    const shape = integerList(node, required(node, inputs, 1, 'shape'), 'shape')!;
    return [expandTo(x, broadcastDims(node, x.dims, shape))];
  },
};

/** The operators other than RNN, LSTM and GRU (./recurrent.ts), by op_type. */
/** Visits the 1-D lines of `dims` along `axis`: base offset and stride of each. */
function lines(dims: readonly number[], axis: number, visit: (base: number, stride: number) => void): void {
  const outer = elementCount(dims.slice(0, axis)), inner = elementCount(dims.slice(axis + 1));
  for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) visit(o * dims[axis] * inner + i, inner);
}

/** The k largest (or smallest) elements along an axis and their indices; ties keep the lower index first. */
const TopK: Operator = {
  attributes: ['axis', 'largest', 'sorted', 'k'],
  run(node, inputs, ctx) {
    const x = required(node, inputs, 0, 'X');
    const k = ctx.opset < 10 ? node.int('k') : integerList(node, required(node, inputs, 1, 'K'), 'K')![0];
    const axis = axisOf(node, node.int('axis', -1), x.dims.length);
    if (!(k >= 0 && k <= x.dims[axis])) throw node.error(`K = ${k} is out of range for a dimension of ${x.dims[axis]}`);
    const sign = node.int('largest', 1) === 1 ? -1 : 1;
    const dims = x.dims.map((d, i) => (i === axis ? k : d));
    const values = like(x, dims), indices = onnxTensor('int64', dims);
    const outStride = elementCount(dims.slice(axis + 1));
    lines(x.dims, axis, (base, stride) => {
      const order = [...Array(x.dims[axis]).keys()].sort((a, b) => sign * (x.data[base + a * stride] - x.data[base + b * stride]) || a - b);
      const outer = Math.floor(base / (x.dims[axis] * stride)), inner = base % stride;
      const outBase = outer * k * outStride + inner;
      for (let j = 0; j < k; j++) {
        values.data[outBase + j * outStride] = x.data[base + order[j] * stride];
        indices.data[outBase + j * outStride] = order[j];
      }
    });
    return [values, indices];
  },
};

/** A copy of data with updates written at the given indices along an axis (reduction 'none'). */
const ScatterElements: Operator = {
  attributes: ['axis', 'reduction'],
  check(node) {
    const reduction = node.string('reduction', 'none');
    if (reduction !== 'none') throw node.error(`reduction '${reduction}' is not supported`);
  },
  run(node, inputs) {
    const data = required(node, inputs, 0, 'data');
    const indices = required(node, inputs, 1, 'indices');
    const updates = required(node, inputs, 2, 'updates');
    const ids = integerList(node, indices, 'indices')!;
    const axis = axisOf(node, node.int('axis', 0), data.dims.length);
    if (indices.dims.join() !== updates.dims.join() || indices.dims.length !== data.dims.length) throw node.error('indices and updates must have the same shape, of data\'s rank');
    const out = like(data, data.dims);
    out.data.set(data.data);
    const strides = stridesOf(data.dims), dim = data.dims[axis];
    const index = new Array<number>(indices.dims.length).fill(0);
    for (let u = 0; u < ids.length; u++) {
      const target = ids[u] < 0 ? ids[u] + dim : ids[u];
      if (!(target >= 0 && target < dim)) throw node.error(`index ${ids[u]} is out of range for a dimension of ${dim}`);
      out.data[index.reduce((at, v, d) => at + (d === axis ? target : v) * strides[d], 0)] = updates.data[u];
      for (let d = index.length - 1; d >= 0 && ++index[d] === indices.dims[d]; d--) index[d] = 0;
    }
    return [out];
  },
};

export const BASIC_OPERATORS: Record<string, Operator> = {
  Add: binary(add, (a, b) => a + b),
  Sub: binary(sub, (a, b) => a - b),
  Mul: binary(mul, (a, b) => a * b),
  Div: binary(div, (a, b) => Math.trunc(a / b)),
  Neg: unary(neg),
  Relu: unary(relu),
  Tanh: unary(tanh),
  Sigmoid: unary(sigmoid),
  Exp: unary(exp),
  Log: unary(log),
  Softmax: softmaxLike(softmax),
  LogSoftmax: softmaxLike(logSoftmax),
  MatMul,
  Gemm,
  Identity,
  Dropout,
  Constant,
  ConstantOfShape,
  Shape,
  Cast,
  Reshape,
  Flatten,
  Squeeze,
  Unsqueeze,
  Transpose,
  Concat,
  Split,
  Slice,
  Gather,
  Expand,
  TopK,
  ScatterElements,
};
