// Elementwise kernels, reductions, softmax / cross-entropy and embedding gather / scatter-add.
// Pointers are byte addresses; n counts elements. Op codes follow the order of the Backend's
// UnaryOp ('tanh', 'sigmoid', 'relu', 'exp', 'log', 'neg') and BinaryOp ('add', 'sub', 'mul', 'div').
import { lanesAt, ld, ones, st, splat, expv, sigmoidv, tanhv } from './simd';

// x[i] = value
export function fill(x: usize, value: f32, n: i32): void {
  const v = splat(value);
  for (let i = 0, lanes = 0; i < n; i += lanes) {
    lanes = lanesAt(i, n);
    st(x + 4 * i, v, lanes);
  }
}

// y[i] = x[i] (4-byte elements of either dtype; overlapping ranges behave like memmove)
export function copy(x: usize, y: usize, n: i32): void {
  memory.copy(y, x, <usize>n * 4);
}

// ln x in float64, rounded: no SIMD logarithm is needed on a hot path.
@inline function logv(x: v128, lanes: i32): v128 {
  let r = f32x4.replace_lane(x, 0, <f32>Math.log(f32x4.extract_lane(x, 0)));
  if (lanes == 4) {
    r = f32x4.replace_lane(r, 1, <f32>Math.log(f32x4.extract_lane(x, 1)));
    r = f32x4.replace_lane(r, 2, <f32>Math.log(f32x4.extract_lane(x, 2)));
    r = f32x4.replace_lane(r, 3, <f32>Math.log(f32x4.extract_lane(x, 3)));
  }
  return r;
}

// y = op(x)
export function unary(op: i32, x: usize, y: usize, n: i32): void {
  for (let i = 0, lanes = 0; i < n; i += lanes) {
    lanes = lanesAt(i, n);
    const v = ld(x + 4 * i, lanes);
    let r: v128;
    switch (op) {
      case 0: r = tanhv(v); break;
      case 1: r = sigmoidv(v); break;
      case 2: r = f32x4.pmax(splat(0), v); break;
      case 3: r = expv(v); break;
      case 4: r = logv(v, lanes); break;
      default: r = f32x4.neg(v);
    }
    st(y + 4 * i, r, lanes);
  }
}

// dx += dy · op'(·): tanh 1 − y², sigmoid y(1 − y), relu [y > 0], exp y, log 1/x, neg −1
export function unaryBackward(op: i32, x: usize, y: usize, dy: usize, dx: usize, n: i32): void {
  const one = ones();
  for (let i = 0, lanes = 0; i < n; i += lanes) {
    lanes = lanesAt(i, n);
    const o = 4 * i;
    const yv = ld(y + o, lanes);
    let d: v128;
    switch (op) {
      case 0: d = f32x4.sub(one, f32x4.mul(yv, yv)); break;
      case 1: d = f32x4.mul(yv, f32x4.sub(one, yv)); break;
      case 2: d = v128.and(f32x4.gt(yv, splat(0)), one); break;
      case 3: d = yv; break;
      case 4: d = f32x4.div(one, ld(x + o, lanes)); break;
      default: d = splat(-1);
    }
    st(dx + o, f32x4.add(ld(dx + o, lanes), f32x4.mul(ld(dy + o, lanes), d)), lanes);
  }
}

// y = min(max(x, lo), hi)  (wasm min/max keep NaN)
export function clamp(x: usize, y: usize, n: i32, lo: f32, hi: f32): void {
  const l = splat(lo), h = splat(hi);
  for (let i = 0, lanes = 0; i < n; i += lanes) {
    lanes = lanesAt(i, n);
    st(y + 4 * i, f32x4.min(f32x4.max(ld(x + 4 * i, lanes), l), h), lanes);
  }
}

// dx += dy · [lo ≤ x ≤ hi]
export function clampBackward(x: usize, dy: usize, dx: usize, n: i32, lo: f32, hi: f32): void {
  const l = splat(lo), h = splat(hi);
  for (let i = 0, lanes = 0; i < n; i += lanes) {
    lanes = lanesAt(i, n);
    const o = 4 * i;
    const v = ld(x + o, lanes);
    const inside = v128.and(f32x4.ge(v, l), f32x4.le(v, h));
    st(dx + o, f32x4.add(ld(dx + o, lanes), v128.and(inside, ld(dy + o, lanes))), lanes);
  }
}

// out = a op b, with b (bLen elements) repeated along the rows of a
export function binary(op: i32, a: usize, b: usize, out: usize, n: i32, bLen: i32): void {
  for (let row = 0; row < n; row += bLen) {
    const cols = min(bLen, n - row);
    const ar = a + 4 * row, outRow = out + 4 * row;
    for (let j = 0, lanes = 0; j < cols; j += lanes) {
      lanes = lanesAt(j, cols);
      const u = ld(ar + 4 * j, lanes), v = ld(b + 4 * j, lanes);
      let r: v128;
      switch (op) {
        case 0: r = f32x4.add(u, v); break;
        case 1: r = f32x4.sub(u, v); break;
        case 2: r = f32x4.mul(u, v); break;
        default: r = f32x4.div(u, v);
      }
      st(outRow + 4 * j, r, lanes);
    }
  }
}

// y += alpha · x
export function axpy(alpha: f32, x: usize, y: usize, n: i32): void {
  const al = splat(alpha);
  for (let i = 0, lanes = 0; i < n; i += lanes) {
    lanes = lanesAt(i, n);
    const o = 4 * i;
    st(y + o, f32x4.add(ld(y + o, lanes), f32x4.mul(al, ld(x + o, lanes))), lanes);
  }
}

// x *= alpha
export function scale(x: usize, alpha: f32, n: i32): void {
  const al = splat(alpha);
  for (let i = 0, lanes = 0; i < n; i += lanes) {
    lanes = lanesAt(i, n);
    st(x + 4 * i, f32x4.mul(ld(x + 4 * i, lanes), al), lanes);
  }
}

// out[j] = (accumulate ? out[j] : 0) + Σ_i x[i·cols + j], rows added in order
export function sumRows(x: usize, rows: i32, cols: i32, out: usize, accumulate: bool): void {
  if (!accumulate) fill(out, 0, cols);
  for (let r = 0; r < rows; r++) axpy(1, x + <usize>r * 4 * cols, out, cols);
}

// Σ x[i]² (squares = true) or Σ x[i], accumulated in float64
export function sum(x: usize, n: i32, squares: bool): f64 {
  let lo = f64x2.splat(0), hi = f64x2.splat(0);
  for (let i = 0, lanes = 0; i < n; i += lanes) {
    lanes = lanesAt(i, n);
    let v = ld(x + 4 * i, lanes);
    if (squares) v = f32x4.mul(v, v);
    lo = f64x2.add(lo, f64x2.promote_low_f32x4(v));
    hi = f64x2.add(hi, f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 2, 3)));
  }
  const s = f64x2.add(lo, hi);
  return f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
}

let rowMax: f32 = 0; // max of the last row seen by expShifted

// out = e^(x − max) for one row of n; returns Σ e^(x − max) in float64 and leaves max in rowMax
function expShifted(x: usize, out: usize, n: i32): f64 {
  let maxv = splat(-Infinity);
  for (let j = 0, lanes = 0; j < n; j += lanes) {
    lanes = lanesAt(j, n);
    maxv = f32x4.max(maxv, lanes == 4 ? v128.load(x + 4 * j) : splat(load<f32>(x + 4 * j)));
  }
  rowMax = max(max(f32x4.extract_lane(maxv, 0), f32x4.extract_lane(maxv, 1)), max(f32x4.extract_lane(maxv, 2), f32x4.extract_lane(maxv, 3)));
  const shift = splat(rowMax);
  let z: f64 = 0;
  for (let j = 0, lanes = 0; j < n; j += lanes) {
    lanes = lanesAt(j, n);
    const e = expv(f32x4.sub(ld(x + 4 * j, lanes), shift));
    st(out + 4 * j, e, lanes);
    if (lanes == 4) {
      const pair = f64x2.add(f64x2.promote_low_f32x4(e), f64x2.promote_low_f32x4(i32x4.shuffle(e, e, 2, 3, 2, 3)));
      z += f64x2.extract_lane(pair, 0) + f64x2.extract_lane(pair, 1);
    } else {
      z += f32x4.extract_lane(e, 0); // the other lanes hold e^(0 − max), not elements
    }
  }
  return z;
}

// out_r = x_r − (max + ln Σ e^(x_r − max))
export function logSoftmax(x: usize, out: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const o = <usize>r * 4 * cols;
    const z = expShifted(x + o, out + o, cols);
    const logZ = splat(<f32>(rowMax + Math.log(z)));
    for (let j = 0, lanes = 0; j < cols; j += lanes) {
      lanes = lanesAt(j, cols);
      st(out + o + 4 * j, f32x4.sub(ld(x + o + 4 * j, lanes), logZ), lanes);
    }
  }
}

// out_r = e^(x_r − max) / Σ e^(x_r − max)
export function softmax(x: usize, out: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const o = <usize>r * 4 * cols;
    scale(out + o, <f32>(1 / expShifted(x + o, out + o, cols)), cols);
  }
}

// probs_r = softmax(x_r);  loss_r = −w[t]·(x_r[t] − logsumexp(x_r)), 0 when t = ignoreIndex
export function crossEntropyForward(
  logits: usize, targets: usize, rows: i32, cols: i32, weights: usize, ignoreIndex: i32, probs: usize, loss: usize,
): void {
  for (let r = 0; r < rows; r++) {
    const o = <usize>r * 4 * cols;
    const z = expShifted(logits + o, probs + o, cols);
    scale(probs + o, <f32>(1 / z), cols);
    const t = load<i32>(targets + 4 * r);
    let l: f32 = 0;
    if (t != ignoreIndex) {
      const w: f32 = weights ? load<f32>(weights + 4 * t) : 1;
      l = -w * <f32>(<f64>load<f32>(logits + o + 4 * t) - rowMax - Math.log(z));
    }
    store<f32>(loss + 4 * r, l);
  }
}

// dLogits_r += s·w[t]·(probs_r − onehot(t)), nothing for t = ignoreIndex
export function crossEntropyBackward(
  probs: usize, targets: usize, rows: i32, cols: i32, weights: usize, ignoreIndex: i32, scaleBy: f32, dLogits: usize,
): void {
  for (let r = 0; r < rows; r++) {
    const t = load<i32>(targets + 4 * r);
    if (t == ignoreIndex) continue;
    const s = scaleBy * (weights ? load<f32>(weights + 4 * t) : 1);
    const o = <usize>r * 4 * cols;
    axpy(s, probs + o, dLogits + o, cols);
    store<f32>(dLogits + o + 4 * t, load<f32>(dLogits + o + 4 * t) - s);
  }
}

// out[i, :] = table[ids[i], :]
export function gather(table: usize, dim: i32, ids: usize, n: i32, out: usize): void {
  const rowBytes = <usize>dim * 4;
  for (let i = 0; i < n; i++) memory.copy(out + <usize>i * rowBytes, table + <usize>load<i32>(ids + 4 * i) * rowBytes, rowBytes);
}

// dTable[ids[i], :] += dOut[i, :], in order of i
export function scatterAdd(dOut: usize, dim: i32, ids: usize, n: i32, dTable: usize): void {
  const rowBytes = <usize>dim * 4;
  for (let i = 0; i < n; i++) axpy(1, dOut + <usize>i * rowBytes, dTable + <usize>load<i32>(ids + 4 * i) * rowBytes, dim);
}
