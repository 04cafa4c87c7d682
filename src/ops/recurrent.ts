/**
 * Fused sequence ops: one recurrent layer, one direction, over a whole time-major sequence, as a
 * single autograd op with a hand-written backward (DESIGN.md, principle 2):
 *
 *   forward:  G = X·W_ihᵀ + b            one GEMM for all timesteps
 *             for each step: G[t] += h·W_hhᵀ; fused gate kernel → h, (c)   (W_hh packed once)
 *   backward: for each step, in reverse: fused gate backward → dG[t]; dh += dG[t]·W_hh
 *             dW_ih = dGᵀ·X, dW_hh = dGᵀ·H_prev, dX = dG·W_ih      one GEMM each
 *
 * When the lengths do not increase along the batch (rows sorted longest first, as RecurrentLayer
 * arranges them), the rows active at time t are a prefix of n_t rows: every per-step product and
 * gate kernel runs on those rows only (the others' states are carried by a copy), and the gate
 * buffers hold only active rows — time t's block of n_t rows at row offset Σ_{u<t} n_u — so the
 * input projection and the weight-gradient GEMMs run over Σ_t n_t rows instead of T·B, never
 * touching padding (PyTorch's packed layout). Otherwise every time holds all B rows.
 *
 * Every buffer is allocated before the time loop. States are kept per time slot: slot t holds the
 * state before time t for the forward direction (slot t + 1 after it), and the state after time t
 * for the reverse direction (slot t + 1 before it), so the states that fed times 0…T−1 are always
 * one contiguous block for the weight-gradient GEMM.
 */
import type { Backend, DType, F32, I32 } from '../backend/backend.ts';
import { Tensor, zeros } from '../tensor/tensor.ts';
import { record } from '../autograd/tape.ts';
import { ShapeError, formatShape, checkLengths, checkRank, checkShape } from '../errors.ts';
import { emptyLike, reshape } from './basic.ts';
import { slice } from './shape.ts';

export type RecurrentMode = 'RNN_TANH' | 'RNN_RELU' | 'LSTM' | 'GRU';

/** Gate blocks per mode: rows of W_ih / W_hh are gates · hidden. */
export const GATES: Record<RecurrentMode, number> = { RNN_TANH: 1, RNN_RELU: 1, LSTM: 4, GRU: 3 };

export interface SequenceWeights {
  weightIh: Tensor; // [gates·H, I]
  weightHh: Tensor; // [gates·H, H]
  biasIh: Tensor | null; // [gates·H]
  biasHh: Tensor | null; // [gates·H]
}

export interface SequenceOptions {
  /** Per-row sequence lengths in [1, T] (packed-sequence semantics); null = all T. */
  lengths?: Int32Array | null;
  /** Run from t = T−1 down to 0 (each row from its own last step). */
  reverse?: boolean;
  /** GRU only: apply the reset gate before the recurrent product (Cho et al.). Default false. */
  resetBefore?: boolean;
}

export interface SequenceResult {
  output: Tensor; // [T, B, H]
  h: Tensor; // [B, H]
  c: Tensor | null; // [B, H] for LSTM
}

/** Shapes and views shared by the forward and backward passes of one call. */
interface Plan {
  mode: RecurrentMode;
  backend: Backend;
  T: number;
  B: number;
  I: number;
  H: number;
  G: number; // gate rows = gates·H
  lengths: I32 | null;
  /** Every buffer allocated for the backward pass (checked live before it runs). */
  buffers: Tensor[];
  /** rows[t]: rows taking part in time t (B, or the active prefix when lengths never increase). */
  rows: Int32Array;
  /** offset[t]: first row of time t in the gate buffers (Σ_{u<t} rows[u]); offset[T] = all rows R. */
  offset: Int32Array;
  /** Whether rows[t] < B anywhere (a packed layout: padding is never read). */
  packed: boolean;
  reverse: boolean;
  resetBefore: boolean;
  x: F32;
  wIh: F32;
  wHh: F32;
}

/** Time slot holding the state that feeds time t, and the slot receiving the state after it. */
const prevSlot = (p: Plan, t: number): number => (p.reverse ? t + 1 : t);
const nextSlot = (p: Plan, t: number): number => (p.reverse ? t : t + 1);
const stepTime = (p: Plan, s: number): number => (p.reverse ? p.T - 1 - s : s);

/** Checks the arguments of a sequence op; returns the sizes [T, B, I, H, G]. */
export function checkSequenceArguments(
  mode: RecurrentMode, x: Tensor, w: SequenceWeights, h0: Tensor | null, c0: Tensor | null, lengths: Int32Array | null,
): [number, number, number, number, number] {
  checkRank(x, 'input', [3], '[T, B, features]');
  const [T, B, I] = x.shape;
  const G = w.weightIh.shape[0];
  const H = G / GATES[mode];
  checkShape(w.weightIh, 'weight_ih', [G, I]);
  checkShape(w.weightHh, 'weight_hh', [G, H]);
  if (w.biasIh) checkShape(w.biasIh, 'bias_ih', [G]);
  if (w.biasHh) checkShape(w.biasHh, 'bias_hh', [G]);
  if (h0) checkShape(h0, 'h0', [B, H]);
  if (c0) {
    if (mode !== 'LSTM') throw new ShapeError('c0', 'null (only an LSTM has a cell state)', formatShape(c0.shape));
    checkShape(c0, 'c0', [B, H]);
  }
  if (lengths) checkLengths(lengths, 'lengths', B, T);
  if (T === 0) throw new ShapeError('input', '[T ≥ 1, B, features]', formatShape(x.shape));
  return [T, B, I, H, G];
}

/**
 * One recurrent layer in one direction. x: [T, B, I]; h0, c0: [B, H] or null (zeros).
 * Returns the per-step outputs (zero past a row's length) and the final states.
 */
export function recurrentSequence(
  mode: RecurrentMode, x: Tensor, w: SequenceWeights, h0: Tensor | null, c0: Tensor | null,
  options: SequenceOptions = {},
): SequenceResult {
  const lengths = options.lengths ?? null;
  const [T, B, I, H, G] = checkSequenceArguments(mode, x, w, h0, c0, lengths);

  const buffers: Tensor[] = [];
  // Kernels read lengths from backend storage (for wasm, its linear memory).
  const lengthStorage = lengths ? buffer(x.backend, buffers, B, 'int32') : null;
  lengthStorage?.data.set(lengths!);
  const rows = rowsPerStep(T, B, lengths);
  const offset = new Int32Array(T + 1);
  for (let t = 0; t < T; t++) offset[t + 1] = offset[t] + rows[t];
  const packedLayout = offset[T] < T * B;
  const plan: Plan = {
    mode, backend: x.backend, T, B, I, H, G, lengths: lengthStorage?.i32 ?? null, buffers, rows, offset, packed: packedLayout,
    reverse: options.reverse ?? false,
    resetBefore: mode === 'GRU' && (options.resetBefore ?? false),
    x: x.f32, wIh: w.weightIh.f32, wHh: w.weightHh.f32,
  };
  // The rows the input projection and dW_ih read: packed (active rows only), or x with its padding zeroed.
  plan.x = packedLayout ? packRows(plan, x.f32, I, (t) => t * B * I) : lengths ? inputWithoutPadding(x, lengths, buffers) : x.f32;
  const hasCell = mode === 'LSTM';
  // Packed result [output (T·B·H) | h_n (B·H) | c_n (B·H)] so that one op carries all outputs.
  const packed = emptyLike(x, [(T + 1 + (hasCell ? 1 : 0)) * B * H]);
  const saved = forward(plan, w, h0, c0, packed.f32);
  const inputs = [x, w.weightIh, w.weightHh, w.biasIh, w.biasHh, h0, c0].filter((t): t is Tensor => t !== null);
  const index = (t: Tensor | null): number => (t ? inputs.indexOf(t) : -1);
  record(packed, `${mode.toLowerCase()}Sequence`, inputs, (dPacked, grad) => {
    const sink = (t: Tensor | null): F32 | null => (t ? grad(index(t)) : null);
    backward(plan, saved, dPacked, {
      x: sink(x), wIh: sink(w.weightIh), wHh: sink(w.weightHh), bIh: sink(w.biasIh), bHh: sink(w.biasHh),
      h0: sink(h0), c0: sink(c0),
    });
  }, buffers);
  const BH = B * H;
  return {
    output: reshape(slice(packed, 0, 0, T * BH), [T, B, H]),
    h: reshape(slice(packed, 0, T * BH, (T + 1) * BH), [B, H]),
    c: hasCell ? reshape(slice(packed, 0, (T + 1) * BH, (T + 2) * BH), [B, H]) : null,
  };
}

/** Rows active at each step: a prefix when lengths never increase along the batch, else all B. */
function rowsPerStep(T: number, B: number, lengths: Int32Array | null): Int32Array {
  const rows = new Int32Array(T).fill(B);
  if (!lengths || lengths.some((l, b) => b > 0 && l > lengths[b - 1])) return rows;
  for (let t = 0, n = B; t < T; t++) {
    while (n > 0 && lengths[n - 1] <= t) n--;
    rows[t] = n;
  }
  return rows;
}

/** The active rows of every time, packed: time t's rows[t] rows of `width`, read from start(t). */
function packRows(p: Plan, src: F32, width: number, start: (t: number) => number): F32 {
  const out = alloc(p, p.offset[p.T] * width);
  for (let t = 0; t < p.T; t++) if (p.rows[t] > 0) p.backend.copy(src, start(t), out, p.offset[t] * width, p.rows[t] * width);
  return out;
}

/**
 * A copy of x [T, B, I] with the positions past each row's length zeroed: they are never read
 * (packed-sequence semantics), so whatever pads them (even NaN) cannot reach dW_ih.
 */
function inputWithoutPadding(x: Tensor, lengths: Int32Array, buffers: Tensor[]): F32 {
  const [T, B, I] = x.shape;
  const be = x.backend;
  const masked = buffer(be, buffers, T * B * I, 'float32').f32;
  be.copy(x.f32, 0, masked, 0, T * B * I);
  for (let b = 0; b < B; b++) {
    for (let t = lengths[b]; t < T; t++) be.fill(masked, 0, I, (t * B + b) * I);
  }
  return masked;
}

/** What the backward pass needs from the forward pass. */
interface Saved {
  gates: F32; // [R, G]: RNN pre-activations' results / LSTM activated gates / GRU r, z, n
  hiddenGates: F32 | null; // GRU: [R, 3H] recurrent products W_hh·h + b_hh
  resetHidden: F32 | null; // GRU reset-before: [R, H] r ⊙ h_prev
  h: F32; // [(T + 1), B, H] state slots
  c: F32 | null; // [(T + 1), B, H] LSTM cell-state slots
}

/** A zeroed buffer of n elements, listed in `buffers`. */
function buffer(backend: Backend, buffers: Tensor[], n: number, dtype: DType): Tensor {
  const t = zeros([n], { backend, dtype });
  buffers.push(t);
  return t;
}

function alloc(p: Plan, n: number): F32 {
  return buffer(p.backend, p.buffers, n, 'float32').f32;
}

function forward(p: Plan, w: SequenceWeights, h0: Tensor | null, c0: Tensor | null, packed: F32): Saved {
  const { backend: be, T, B, I, H, G, lengths, mode } = p;
  const BH = B * H, R = p.offset[T];
  const gates = alloc(p, R * G);
  const hiddenGates = mode === 'GRU' ? alloc(p, R * G) : null;
  // G = b + X·W_ihᵀ, b = b_ih (+ b_hh unless the GRU keeps it inside its recurrent product): every
  // row starts as the bias, and the GEMM accumulates onto it.
  let bias = w.biasIh?.f32 ?? null;
  if (w.biasHh) {
    if (hiddenGates) be.binary('add', hiddenGates, w.biasHh.f32, hiddenGates, R * G, G);
    else if (bias) {
      const sum = alloc(p, G);
      be.binary('add', bias, w.biasHh.f32, sum, G, G);
      bias = sum;
    } else bias = w.biasHh.f32;
  }
  if (bias) be.binary('add', gates, bias, gates, R * G, G);
  be.gemm(false, true, R, G, I, 1, p.x, 0, I, p.wIh, 0, I, 1, gates, 0, G);
  const resetHidden = p.resetBefore ? alloc(p, R * H) : null;

  const h = alloc(p, (T + 1) * BH);
  const c = mode === 'LSTM' ? alloc(p, (T + 1) * BH) : null;
  const first = prevSlot(p, stepTime(p, 0)) * BH;
  if (h0) be.copy(h0.f32, 0, h, first, BH);
  if (c && c0) be.copy(c0.f32, 0, c, first, BH);
  // W_hhᵀ packed once for every step's product (reset-before: the r, z columns and the n columns apart).
  const [recurrent, resetRecurrent] = p.resetBefore
    ? [be.packMatrix(true, H, 2 * H, p.wHh, 0, H), be.packMatrix(true, H, H, p.wHh, 2 * H * H, H)]
    : [be.packMatrix(true, H, G, p.wHh, 0, H), null];

  for (let s = 0; s < T; s++) {
    const t = stepTime(p, s);
    const hp = prevSlot(p, t) * BH, hn = nextSlot(p, t) * BH;
    const g = p.offset[t] * G, r = p.offset[t] * H, o = t * BH;
    const n = p.rows[t];
    if (n < B) {
      // rows n… are past their ends: their states carry over unchanged
      be.copy(h, hp + n * H, h, hn + n * H, (B - n) * H);
      if (c) be.copy(c, hp + n * H, c, hn + n * H, (B - n) * H);
      if (n === 0) continue;
    }
    switch (mode) {
      case 'RNN_TANH':
      case 'RNN_RELU':
        be.gemmPacked(false, n, 1, h, hp, H, recurrent, 1, gates, g, G);
        be.rnnCellForward(mode === 'RNN_TANH' ? 'tanh' : 'relu', n, H, gates, g, h, hp, h, hn, packed, o, lengths, t);
        break;
      case 'LSTM':
        be.gemmPacked(false, n, 1, h, hp, H, recurrent, 1, gates, g, G);
        be.lstmCellForward(n, H, gates, g, c!, hp, h, hp, c!, hn, h, hn, packed, o, lengths, t);
        break;
      case 'GRU':
        if (!p.resetBefore) {
          be.gemmPacked(false, n, 1, h, hp, H, recurrent, 1, hiddenGates!, g, G);
          be.gruCellForward(n, H, gates, g, hiddenGates!, g, h, hp, h, hn, packed, o, lengths, t);
        } else {
          // r, z from h_prev; then hn = W_hn·(r ⊙ h_prev) + b_hn
          be.gemmPacked(false, n, 1, h, hp, H, recurrent, 1, hiddenGates!, g, G);
          be.gruResetGateForward(n, H, gates, g, hiddenGates!, g, h, hp, resetHidden!, r);
          be.gemmPacked(false, n, 1, resetHidden!, r, H, resetRecurrent!, 1, hiddenGates!, g + 2 * H, G);
          be.gruResetBeforeForward(n, H, gates, g, hiddenGates!, g, h, hp, h, hn, packed, o, lengths, t);
        }
        break;
    }
  }
  be.freePacked(recurrent);
  if (resetRecurrent) be.freePacked(resetRecurrent);
  const last = nextSlot(p, stepTime(p, T - 1)) * BH;
  be.copy(h, last, packed, T * BH, BH);
  if (c) be.copy(c, last, packed, (T + 1) * BH, BH);
  return { gates, hiddenGates, resetHidden, h, c };
}

interface GradSinks {
  x: F32 | null;
  wIh: F32 | null;
  wHh: F32 | null;
  bIh: F32 | null;
  bHh: F32 | null;
  h0: F32 | null;
  c0: F32 | null;
}

function backward(p: Plan, saved: Saved, dPacked: F32, d: GradSinks): void {
  const { backend: be, T, B, I, H, G, lengths, mode } = p;
  const BH = B * H, R = p.offset[T];
  const { gates, hiddenGates, resetHidden, h, c } = saved;
  // dh, dc carry the gradient w.r.t. the state between steps, starting from d h_n, d c_n.
  const dh = alloc(p, BH);
  be.copy(dPacked, T * BH, dh, 0, BH);
  const dc = c ? alloc(p, BH) : null;
  if (dc) be.copy(dPacked, (T + 1) * BH, dc, 0, BH);
  const dGates = alloc(p, R * G);
  const dHiddenGates = hiddenGates ? alloc(p, R * G) : null;
  const dResetHidden = p.resetBefore ? alloc(p, BH) : null;
  // W_hh packed once for every step's dh += dG[t]·W_hh (reset-before: the r, z rows and the n rows apart).
  const [recurrent, resetRecurrent] = p.resetBefore
    ? [be.packMatrix(false, 2 * H, H, p.wHh, 0, H), be.packMatrix(false, H, H, p.wHh, 2 * H * H, H)]
    : [be.packMatrix(false, G, H, p.wHh, 0, H), null];

  for (let s = T - 1; s >= 0; s--) {
    const t = stepTime(p, s);
    const hp = prevSlot(p, t) * BH, hn = nextSlot(p, t) * BH;
    const g = p.offset[t] * G, o = t * BH;
    const n = p.rows[t]; // rows n… pass their state gradients through untouched
    if (n === 0) continue;
    switch (mode) {
      case 'RNN_TANH':
      case 'RNN_RELU':
        be.rnnCellBackward(mode === 'RNN_TANH' ? 'tanh' : 'relu', n, H, h, hn, dPacked, o, dh, dGates, g, lengths, t);
        be.gemmPacked(false, n, 1, dGates, g, G, recurrent, 1, dh, 0, H);
        break;
      case 'LSTM':
        be.lstmCellBackward(n, H, gates, g, c!, hp, c!, hn, dPacked, o, dh, dc!, dGates, g, lengths, t);
        be.gemmPacked(false, n, 1, dGates, g, G, recurrent, 1, dh, 0, H);
        break;
      case 'GRU':
        if (!p.resetBefore) {
          be.gruCellBackward(n, H, gates, g, hiddenGates!, g, h, hp, dPacked, o, dh, dGates, g, dHiddenGates!, g, lengths, t);
          be.gemmPacked(false, n, 1, dHiddenGates!, g, G, recurrent, 1, dh, 0, H);
        } else {
          be.gruResetBeforeBackward(n, H, gates, g, h, hp, dPacked, o, dh, dGates, g, dHiddenGates!, g, lengths, t);
          // d(r ⊙ h_prev) = dhn · W_hn, then the reset gate's share; then the r, z rows' products
          be.gemmPacked(false, n, 1, dHiddenGates!, g + 2 * H, G, resetRecurrent!, 0, dResetHidden!, 0, H);
          be.gruResetGateBackward(n, H, gates, g, h, hp, dResetHidden!, dh, dGates, g, dHiddenGates!, g);
          be.gemmPacked(false, n, 1, dHiddenGates!, g, G, recurrent, 1, dh, 0, H);
        }
        break;
    }
  }
  be.freePacked(recurrent);
  if (resetRecurrent) be.freePacked(resetRecurrent);
  if (d.h0) be.axpy(1, dh, 0, d.h0, 0, BH);
  if (d.c0 && dc) be.axpy(1, dc, 0, d.c0, 0, BH);

  // Weight gradients: one GEMM each over the R rows of all timesteps. The states that fed them:
  // the contiguous slots of times 0…T−1, or (packed) their active rows gathered.
  const hPrev = p.packed ? packRows(p, h, H, (t) => prevSlot(p, t) * BH) : h;
  const hPrevAll = p.packed ? 0 : p.reverse ? BH : 0;
  const dRecurrent = dHiddenGates ?? dGates;
  if (d.wHh) {
    if (p.resetBefore) {
      be.gemm(true, false, 2 * H, H, R, 1, dRecurrent, 0, G, hPrev, hPrevAll, H, 1, d.wHh, 0, H);
      be.gemm(true, false, H, H, R, 1, dRecurrent, 2 * H, G, resetHidden!, 0, H, 1, d.wHh, 2 * H * H, H);
    } else {
      be.gemm(true, false, G, H, R, 1, dRecurrent, 0, G, hPrev, hPrevAll, H, 1, d.wHh, 0, H);
    }
  }
  if (d.wIh) be.gemm(true, false, G, I, R, 1, dGates, 0, G, p.x, 0, I, 1, d.wIh, 0, I);
  if (d.x && !p.packed) be.gemm(false, false, T * B, I, G, 1, dGates, 0, G, p.wIh, 0, I, 1, d.x, 0, I);
  if (d.x && p.packed) {
    // dX of the active rows, then added into each time's block of d.x
    const dx = alloc(p, R * I);
    be.gemm(false, false, R, I, G, 1, dGates, 0, G, p.wIh, 0, I, 0, dx, 0, I);
    for (let t = 0; t < T; t++) if (p.rows[t] > 0) be.axpy(1, dx, p.offset[t] * I, d.x, t * B * I, p.rows[t] * I);
  }
  if (d.bIh && d.bHh && dRecurrent === dGates) {
    // Both biases feed the same gates: one column sum, added to both gradients.
    const sum = alloc(p, G);
    be.sumRows(dGates, R, G, sum, false);
    be.axpy(1, sum, 0, d.bIh, 0, G);
    be.axpy(1, sum, 0, d.bHh, 0, G);
  } else {
    if (d.bIh) be.sumRows(dGates, R, G, d.bIh, true);
    if (d.bHh) be.sumRows(dRecurrent, R, G, d.bHh, true);
  }
}
