/**
 * Recurrent cells: one timestep of a recurrent network, for step-by-step use (sampling, dynamicRNN,
 * custom loops). RNNCell, LSTMCell and GRUCell have PyTorch's parameters (`weight_ih` [gates·H, I],
 * `weight_hh` [gates·H, H], `bias_ih`, `bias_hh` [gates·H], init U(−1/√H, 1/√H)) and run the same
 * fused kernel as the layers, as a sequence of length 1. SimplifiedGRUCell is written with ops.
 *
 * Any object implementing `Cell` works wherever a cell is expected, e.g. one written by a user with
 * the differentiable ops.
 */
import { Tensor, zeros } from '../tensor/tensor.ts';
import { globalRandom, type Random } from '../tensor/random.ts';
import { ValueError, formatShape, checkRank, checkShape, positiveInteger } from '../errors.ts';
import { add, linear, mul, reshape, sigmoid, sub, tanh } from '../ops/basic.ts';
import { concat } from '../ops/shape.ts';
import { GATES, recurrentSequence, type RecurrentMode, type SequenceWeights } from '../ops/recurrent.ts';
import { Module, uniformInit } from './module.ts';
import type { InitOptions } from './layers.ts';

/** A cell's recurrent state: one tensor, or a fixed array / plain object of tensors (an LSTM's { h, c }). */
export type CellState = Tensor | readonly Tensor[] | { readonly [name: string]: Tensor };

export interface CellOutput<S extends CellState> {
  /** This step's output [B, outputSize]. */
  output: Tensor;
  /** The state after this step, with the structure of the state passed in. */
  state: S;
}

/** One step of a recurrent network over a batch. */
export interface Cell<S extends CellState = CellState> {
  readonly inputSize: number;
  /** Features of each state tensor (the hidden size). */
  readonly stateSize: number;
  /** The all-zero state for `batch` rows. */
  zeroState(batch: number): S;
  /** x [B, inputSize] and the state before the step → the output and the state after it. */
  forward(x: Tensor, state: S): CellOutput<S>;
}

/** The LSTM state: hidden state h and cell state c, each [B, H]. */
export type LSTMState = { h: Tensor; c: Tensor };

export interface CellOptions extends InitOptions {
  inputSize: number;
  hiddenSize: number;
  /** Add the bias vectors (default true). */
  bias?: boolean;
}

/** A cell module: sizes, U(−1/√H, 1/√H)-initialised parameters and the checks of one step. */
abstract class CellModule extends Module {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly bias: boolean;
  private readonly rng: Random;

  constructor(private readonly options: CellOptions) {
    super();
    positiveInteger('inputSize', options.inputSize);
    positiveInteger('hiddenSize', options.hiddenSize);
    this.inputSize = options.inputSize;
    this.hiddenSize = options.hiddenSize;
    this.bias = options.bias ?? true;
    this.rng = options.rng ?? globalRandom;
  }

  get stateSize(): number {
    return this.hiddenSize;
  }

  protected initParameter(name: string, shape: readonly number[]): Tensor {
    const t = this.parameter(name, shape, this.options.backend);
    uniformInit(t, 1 / Math.sqrt(this.hiddenSize), this.rng);
    return t;
  }

  protected initBias(name: string, size: number): Tensor | null {
    return this.bias ? this.initParameter(name, [size]) : null;
  }

  protected zeros(batch: number): Tensor {
    positiveInteger('batch', batch);
    return zeros([batch, this.hiddenSize], { backend: this.parameters()[0].backend });
  }

  /** Checks x [B, inputSize] and each state tensor [B, hiddenSize]. */
  protected checkStep(x: Tensor, states: Record<string, unknown>): void {
    checkRank(x, 'input', [2], '[B, inputSize]');
    const B = x.shape[0];
    checkShape(x, 'input', [B, this.inputSize]);
    for (const [argument, s] of Object.entries(states)) {
      if (!(s instanceof Tensor)) throw new ValueError(argument, `a tensor [${B}, ${this.hiddenSize}]`, describe(s));
      checkShape(s, argument, [B, this.hiddenSize]);
    }
  }
}

/** What a value is, for error messages. */
export function describe(value: unknown): string {
  if (value instanceof Tensor) return `a tensor ${formatShape(value.shape)}`;
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value !== null && typeof value === 'object') return `an object with keys {${Object.keys(value).join(', ')}}`;
  return String(value);
}

/** A cell computed by the fused sequence op with T = 1. */
abstract class FusedCell extends CellModule {
  /** weight_ih, weight_hh, bias_ih, bias_hh (the same tensors as the named parameters). */
  readonly weights: SequenceWeights;

  constructor(private readonly mode: RecurrentMode, options: CellOptions, private readonly resetBefore = false) {
    super(options);
    const rows = GATES[mode] * this.hiddenSize;
    this.weights = {
      weightIh: this.initParameter('weight_ih', [rows, this.inputSize]),
      weightHh: this.initParameter('weight_hh', [rows, this.hiddenSize]),
      biasIh: this.initBias('bias_ih', rows),
      biasHh: this.initBias('bias_hh', rows),
    };
  }

  /** One fused step from h (and c for the LSTM), each [B, H]. */
  protected step(x: Tensor, h: Tensor, c: Tensor | null): { h: Tensor; c: Tensor | null } {
    const r = recurrentSequence(this.mode, reshape(x, [1, ...x.shape]), this.weights, h, c, { resetBefore: this.resetBefore });
    return { h: r.h, c: r.c };
  }
}

/** A fused cell whose state is its output h [B, H]. */
abstract class HiddenStateCell extends FusedCell implements Cell<Tensor> {
  zeroState(batch: number): Tensor {
    return this.zeros(batch);
  }

  forward(x: Tensor, state: Tensor): CellOutput<Tensor> {
    this.checkStep(x, { state });
    const { h } = this.step(x, state, null);
    return { output: h, state: h };
  }
}

/** Elman cell:  h' = act(W_ih x + b_ih + W_hh h + b_hh),  act = tanh (default) or relu;  output h'. */
export class RNNCell extends HiddenStateCell {
  readonly nonlinearity: 'tanh' | 'relu';

  constructor(options: CellOptions & { nonlinearity?: 'tanh' | 'relu' }) {
    const act = options.nonlinearity ?? 'tanh';
    if (act !== 'tanh' && act !== 'relu') throw new ValueError('nonlinearity', '"tanh" or "relu"', JSON.stringify(act));
    super(act === 'tanh' ? 'RNN_TANH' : 'RNN_RELU', options);
    this.nonlinearity = act;
  }
}

/**
 * LSTM cell, gate rows i, f, g, o:
 *   i = σ(W_ii x + b_ii + W_hi h + b_hi),  f = σ(W_if x + b_if + W_hf h + b_hf),
 *   g = tanh(W_ig x + b_ig + W_hg h + b_hg),  o = σ(W_io x + b_io + W_ho h + b_ho),
 *   c' = f ⊙ c + i ⊙ g,  h' = o ⊙ tanh(c');  output h', state { h', c' }.
 */
export class LSTMCell extends FusedCell implements Cell<LSTMState> {
  constructor(options: CellOptions) {
    super('LSTM', options);
  }

  zeroState(batch: number): LSTMState {
    return { h: this.zeros(batch), c: this.zeros(batch) };
  }

  forward(x: Tensor, state: LSTMState): CellOutput<LSTMState> {
    if (state === null || typeof state !== 'object' || state instanceof Tensor) {
      throw new ValueError('state', 'an object {h, c} of tensors', describe(state));
    }
    this.checkStep(x, { 'state.h': state.h, 'state.c': state.c });
    const { h, c } = this.step(x, state.h, state.c);
    return { output: h, state: { h, c: c! } };
  }
}

/**
 * GRU cell, gate rows r, z, n:
 *   r = σ(W_ir x + b_ir + W_hr h + b_hr),  z = σ(W_iz x + b_iz + W_hz h + b_hz),
 *   n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))      (reset-after, PyTorch; default)
 *   n = tanh(W_in x + b_in + W_hn (r ⊙ h) + b_hn)      (resetBefore: Cho et al.)
 *   h' = (1 − z) ⊙ n + z ⊙ h;  output h'.
 */
export class GRUCell extends HiddenStateCell {
  constructor(options: CellOptions & { resetBefore?: boolean }) {
    super('GRU', options, options.resetBefore ?? false);
  }
}

/**
 * The course's simplified GRU (update gate only) over the memory cell c, with [c, x] the
 * concatenation of c [B, H] and x [B, I]:
 *   c̃ = tanh(W_c [c, x] + b_c),  Γu = σ(W_u [c, x] + b_u),  c' = Γu ⊙ c̃ + (1 − Γu) ⊙ c;  output c'.
 * Parameters weight_c, weight_u [H, H + I] and bias_c, bias_u [H].
 */
export class SimplifiedGRUCell extends CellModule implements Cell<Tensor> {
  readonly weightC: Tensor;
  readonly biasC: Tensor | null;
  readonly weightU: Tensor;
  readonly biasU: Tensor | null;

  constructor(options: CellOptions) {
    super(options);
    const shape = [this.hiddenSize, this.hiddenSize + this.inputSize];
    this.weightC = this.initParameter('weight_c', shape);
    this.biasC = this.initBias('bias_c', this.hiddenSize);
    this.weightU = this.initParameter('weight_u', shape);
    this.biasU = this.initBias('bias_u', this.hiddenSize);
  }

  zeroState(batch: number): Tensor {
    return this.zeros(batch);
  }

  forward(x: Tensor, state: Tensor): CellOutput<Tensor> {
    this.checkStep(x, { state });
    const cx = concat([state, x], 1);
    const candidate = tanh(linear(cx, this.weightC, this.biasC));
    const update = sigmoid(linear(cx, this.weightU, this.biasU));
    // Γu ⊙ c̃ + (1 − Γu) ⊙ c  =  c + Γu ⊙ (c̃ − c)
    const next = add(state, mul(update, sub(candidate, state)));
    return { output: next, state: next };
  }
}
