/**
 * Fused sequence ops: one recurrent layer, one direction, over a whole time-major sequence, as a
 * single autograd op with a hand-written backward (DESIGN.md, principle 2):
 *
 *   forward:  G = X·W_ihᵀ + b            one GEMM for all timesteps
 *             for each step: G[t] += h·W_hhᵀ; fused gate kernel → h, (c)   (W_hh packed once)
 *   backward: for each step, in reverse: fused gate backward → dG[t]; dh += dG[t]·W_hh
 *             dW_ih = dGᵀ·X, dW_hh = dGᵀ·H_prev, dX = dG·W_ih      one GEMM each
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
  const plan: Plan = {
    mode, backend: x.backend, T, B, I, H, G, lengths: lengthStorage?.i32 ?? null, buffers,
    reverse: options.reverse ?? false,
    resetBefore: mode === 'GRU' && (options.resetBefore ?? false),
    x: lengths ? inputWithoutPadding(x, lengths, buffers) : x.f32, wIh: w.weightIh.f32, wHh: w.weightHh.f32,
  };
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
  gates: F32; // [T, B, G]: RNN pre-activations' results / LSTM activated gates / GRU r, z, n
  hiddenGates: F32 | null; // GRU: [T, B, 3H] recurrent products W_hh·h + b_hh
  resetHidden: F32 | null; // GRU reset-before: [T, B, H] r ⊙ h_prev
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
  const BH = B * H;
  const gates = alloc(p, T * B * G);
  const hiddenGates = mode === 'GRU' ? alloc(p, T * B * G) : null;
  // G = b + X·W_ihᵀ, b = b_ih (+ b_hh unless the GRU keeps it inside its recurrent product): every
  // row starts as the bias, and the GEMM accumulates onto it.
  let bias = w.biasIh?.f32 ?? null;
  if (w.biasHh) {
    if (hiddenGates) be.binary('add', hiddenGates, w.biasHh.f32, hiddenGates, T * B * G, G);
    else if (bias) {
      const sum = alloc(p, G);
      be.binary('add', bias, w.biasHh.f32, sum, G, G);
      bias = sum;
    } else bias = w.biasHh.f32;
  }
  if (bias) be.binary('add', gates, bias, gates, T * B * G, G);
  be.gemm(false, true, T * B, G, I, 1, p.x, 0, I, p.wIh, 0, I, 1, gates, 0, G);
  const resetHidden = p.resetBefore ? alloc(p, T * BH) : null;

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
    const g = t * B * G, o = t * BH;
    switch (mode) {
      case 'RNN_TANH':
      case 'RNN_RELU':
        be.gemmPacked(false, B, 1, h, hp, H, recurrent, 1, gates, g, G);
        be.rnnCellForward(mode === 'RNN_TANH' ? 'tanh' : 'relu', B, H, gates, g, h, hp, h, hn, packed, o, lengths, t);
        break;
      case 'LSTM':
        be.gemmPacked(false, B, 1, h, hp, H, recurrent, 1, gates, g, G);
        be.lstmCellForward(B, H, gates, g, c!, hp, h, hp, c!, hn, h, hn, packed, o, lengths, t);
        break;
      case 'GRU':
        if (!p.resetBefore) {
          be.gemmPacked(false, B, 1, h, hp, H, recurrent, 1, hiddenGates!, g, G);
          be.gruCellForward(B, H, gates, g, hiddenGates!, g, h, hp, h, hn, packed, o, lengths, t);
        } else {
          // r, z from h_prev; then hn = W_hn·(r ⊙ h_prev) + b_hn
          be.gemmPacked(false, B, 1, h, hp, H, recurrent, 1, hiddenGates!, g, G);
          be.gruResetGateForward(B, H, gates, g, hiddenGates!, g, h, hp, resetHidden!, o);
          be.gemmPacked(false, B, 1, resetHidden!, o, H, resetRecurrent!, 1, hiddenGates!, g + 2 * H, G);
          be.gruResetBeforeForward(B, H, gates, g, hiddenGates!, g, h, hp, h, hn, packed, o, lengths, t);
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
  const BH = B * H;
  const { gates, hiddenGates, resetHidden, h, c } = saved;
  // dh, dc carry the gradient w.r.t. the state between steps, starting from d h_n, d c_n.
  const dh = alloc(p, BH);
  be.copy(dPacked, T * BH, dh, 0, BH);
  const dc = c ? alloc(p, BH) : null;
  if (dc) be.copy(dPacked, (T + 1) * BH, dc, 0, BH);
  const dGates = alloc(p, T * B * G);
  const dHiddenGates = hiddenGates ? alloc(p, T * B * G) : null;
  const dResetHidden = p.resetBefore ? alloc(p, BH) : null;
  // W_hh packed once for every step's dh += dG[t]·W_hh (reset-before: the r, z rows and the n rows apart).
  const [recurrent, resetRecurrent] = p.resetBefore
    ? [be.packMatrix(false, 2 * H, H, p.wHh, 0, H), be.packMatrix(false, H, H, p.wHh, 2 * H * H, H)]
    : [be.packMatrix(false, G, H, p.wHh, 0, H), null];

  for (let s = T - 1; s >= 0; s--) {
    const t = stepTime(p, s);
    const hp = prevSlot(p, t) * BH, hn = nextSlot(p, t) * BH;
    const g = t * B * G, o = t * BH;
    switch (mode) {
      case 'RNN_TANH':
      case 'RNN_RELU':
        be.rnnCellBackward(mode === 'RNN_TANH' ? 'tanh' : 'relu', B, H, h, hn, dPacked, o, dh, dGates, g, lengths, t);
        be.gemmPacked(false, B, 1, dGates, g, G, recurrent, 1, dh, 0, H);
        break;
      case 'LSTM':
        be.lstmCellBackward(B, H, gates, g, c!, hp, c!, hn, dPacked, o, dh, dc!, dGates, g, lengths, t);
        be.gemmPacked(false, B, 1, dGates, g, G, recurrent, 1, dh, 0, H);
        break;
      case 'GRU':
        if (!p.resetBefore) {
          be.gruCellBackward(B, H, gates, g, hiddenGates!, g, h, hp, dPacked, o, dh, dGates, g, dHiddenGates!, g, lengths, t);
          be.gemmPacked(false, B, 1, dHiddenGates!, g, G, recurrent, 1, dh, 0, H);
        } else {
          be.gruResetBeforeBackward(B, H, gates, g, h, hp, dPacked, o, dh, dGates, g, dHiddenGates!, g, lengths, t);
          // d(r ⊙ h_prev) = dhn · W_hn, then the reset gate's share; then the r, z rows' products
          be.gemmPacked(false, B, 1, dHiddenGates!, g + 2 * H, G, resetRecurrent!, 0, dResetHidden!, 0, H);
          be.gruResetGateBackward(B, H, gates, g, h, hp, dResetHidden!, dh, dGates, g, dHiddenGates!, g);
          be.gemmPacked(false, B, 1, dHiddenGates!, g, G, recurrent, 1, dh, 0, H);
        }
        break;
    }
  }
  be.freePacked(recurrent);
  if (resetRecurrent) be.freePacked(resetRecurrent);
  if (d.h0) be.axpy(1, dh, 0, d.h0, 0, BH);
  if (d.c0 && dc) be.axpy(1, dc, 0, d.c0, 0, BH);

  // Weight gradients: one GEMM each over all timesteps.
  const hPrevAll = p.reverse ? BH : 0; // slots feeding times 0…T−1
  const dRecurrent = dHiddenGates ?? dGates;
  if (d.wHh) {
    if (p.resetBefore) {
      be.gemm(true, false, 2 * H, H, T * B, 1, dRecurrent, 0, G, h, hPrevAll, H, 1, d.wHh, 0, H);
      be.gemm(true, false, H, H, T * B, 1, dRecurrent, 2 * H, G, resetHidden!, 0, H, 1, d.wHh, 2 * H * H, H);
    } else {
      be.gemm(true, false, G, H, T * B, 1, dRecurrent, 0, G, h, hPrevAll, H, 1, d.wHh, 0, H);
    }
  }
  if (d.wIh) be.gemm(true, false, G, I, T * B, 1, dGates, 0, G, p.x, 0, I, 1, d.wIh, 0, I);
  if (d.x) be.gemm(false, false, T * B, I, G, 1, dGates, 0, G, p.wIh, 0, I, 1, d.x, 0, I);
  if (d.bIh && d.bHh && dRecurrent === dGates) {
    // Both biases feed the same gates: one column sum, added to both gradients.
    const sum = alloc(p, G);
    be.sumRows(dGates, T * B, G, sum, false);
    be.axpy(1, sum, 0, d.bIh, 0, G);
    be.axpy(1, sum, 0, d.bHh, 0, G);
  } else {
    if (d.bIh) be.sumRows(dGates, T * B, G, d.bIh, true);
    if (d.bHh) be.sumRows(dRecurrent, T * B, G, d.bHh, true);
  }
}
