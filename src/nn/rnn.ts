/**
 * RNN, LSTM and GRU layers with PyTorch's parameters, names and shapes: numLayers, bidirectional,
 * batchFirst, bias, dropout between layers, initial states and per-sequence lengths.
 * Each layer and direction is one fused sequence op (src/ops/recurrent.ts).
 */
import { Tensor } from '../tensor/tensor.ts';
import { globalRandom } from '../tensor/random.ts';
import { ShapeError, ValueError, formatShape, checkLengths, checkRank, positiveInteger, unitInterval } from '../errors.ts';
import { reshape } from '../ops/basic.ts';
import { concat, indexSelect, slice, stack, transpose01 } from '../ops/shape.ts';
import { dropout } from '../ops/dropout.ts';
import { GATES, type RecurrentMode, type SequenceWeights } from '../ops/recurrent.ts';
import { variantRecurrentSequence } from '../ops/recurrent-variants.ts';
import type { Activation } from '../ops/activations.ts';
import { Module, uniformInit } from './module.ts';
import type { InitOptions } from './layers.ts';

export interface RNNOptions extends InitOptions {
  inputSize: number;
  hiddenSize: number;
  numLayers?: number;
  bias?: boolean;
  /** Input and output are [B, T, F] instead of [T, B, F]. */
  batchFirst?: boolean;
  /** Dropout probability on the outputs of every layer but the last (training only). */
  dropout?: number;
  bidirectional?: boolean;
  /**
   * Other activations than PyTorch's (as Keras and ONNX allow): RNN [f], GRU [f, g], LSTM [f, g, h]
   * for the gates, the candidate and the LSTM's cell output (see variantRecurrentSequence). Layers
   * with PyTorch's activations run the fused sequence op; others run composed steps.
   */
  activations?: readonly Activation[] | null;
}

export interface RNNInput {
  /** Initial hidden state [numLayers · directions, B, H]; zeros when omitted. */
  h0?: Tensor | null;
  /** Initial cell state (LSTM) [numLayers · directions, B, H]; zeros when omitted. */
  c0?: Tensor | null;
  /** Per-sequence lengths in [1, T]: positions past a length give zero outputs and leave the state alone. */
  lengths?: Int32Array | readonly number[] | null;
}

export interface RNNOutput {
  /** [T, B, directions · H] (or [B, T, ·] with batchFirst). */
  output: Tensor;
  /** Final hidden state [numLayers · directions, B, H]. */
  hN: Tensor;
  /** Final cell state (LSTM only). */
  cN: Tensor | null;
}

export class RecurrentLayer extends Module {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;
  readonly activations: readonly Activation[] | null;
  private readonly weights: SequenceWeights[] = []; // layer-major, then direction
  private readonly rng;

  /** `resetBefore` (GRU only): the reset gate multiplies h_prev before the recurrent product (Cho et al.). */
  constructor(readonly mode: RecurrentMode, options: RNNOptions, readonly resetBefore = false) {
    super();
    const { inputSize, hiddenSize, numLayers = 1, bias = true, batchFirst = false, dropout: p = 0, bidirectional = false } = options;
    positiveInteger('inputSize', inputSize);
    positiveInteger('hiddenSize', hiddenSize);
    positiveInteger('numLayers', numLayers);
    unitInterval('dropout', p);
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.numLayers = numLayers;
    this.bias = bias;
    this.batchFirst = batchFirst;
    this.dropout = p;
    this.bidirectional = bidirectional;
    this.activations = options.activations ?? null;
    this.rng = options.rng ?? globalRandom;
    const bound = 1 / Math.sqrt(hiddenSize);
    const made = new Map<string, Tensor>();
    for (const [name, shape] of recurrentParameterShapes(mode, options)) {
      const t = this.parameter(name, shape, options.backend);
      uniformInit(t, bound, this.rng);
      made.set(name, t);
    }
    for (let layer = 0; layer < numLayers; layer++) {
      for (let dir = 0; dir < this.directions; dir++) {
        const suffix = parameterSuffix(layer, dir);
        this.weights.push({
          weightIh: made.get(`weight_ih${suffix}`)!,
          weightHh: made.get(`weight_hh${suffix}`)!,
          biasIh: made.get(`bias_ih${suffix}`) ?? null,
          biasHh: made.get(`bias_hh${suffix}`) ?? null,
        });
      }
    }
  }

  /** The weights of one layer and direction (index = layer · directions + direction). */
  layerWeights(index: number): SequenceWeights {
    return this.weights[index];
  }

  get directions(): number {
    return this.bidirectional ? 2 : 1;
  }

  forward(input: Tensor, state: RNNInput = {}): RNNOutput {
    checkRank(input, 'input', [3], this.batchFirst ? '[B, T, features]' : '[T, B, features]');
    if (input.shape[2] !== this.inputSize) {
      throw new ShapeError('input', `[${this.batchFirst ? 'B, T' : 'T, B'}, ${this.inputSize}]`, formatShape(input.shape));
    }
    let x = this.batchFirst ? transpose01(input) : input;
    const B = x.shape[1];
    const stateShape = [this.numLayers * this.directions, B, this.hiddenSize];
    const isLSTM = this.mode === 'LSTM';
    checkState(state.h0, 'h0', stateShape);
    if (state.c0 && !isLSTM) throw new ShapeError('c0', 'none (only an LSTM has a cell state)', formatShape(state.c0.shape));
    checkState(state.c0, 'c0', stateShape);
    if (state.lengths) checkLengths(state.lengths, 'lengths', B, x.shape[0]);
    let lengths = state.lengths ? Int32Array.from(state.lengths) : null;
    let { h0, c0 } = state;
    // Rows sorted longest first, so that each step computes only the rows still active (see recurrentSequence).
    const order = lengths && lengths.some((l, b) => b > 0 && l > lengths![b - 1])
      ? Array.from(lengths.keys()).sort((a, b) => lengths![b] - lengths![a] || a - b) : null;
    let restore: number[] = [];
    if (order) {
      restore = Array<number>(B);
      order.forEach((row, i) => (restore[row] = i));
      x = indexSelect(x, 1, order);
      lengths = Int32Array.from(order, (row) => lengths![row]);
      if (h0) h0 = indexSelect(h0, 1, order);
      if (c0) c0 = indexSelect(c0, 1, order);
    }
    const unsort = (t: Tensor): Tensor => (order ? indexSelect(t, 1, restore) : t);

    const hFinal: Tensor[] = [];
    const cFinal: Tensor[] = [];
    for (let layer = 0; layer < this.numLayers; layer++) {
      const outputs: Tensor[] = [];
      for (let dir = 0; dir < this.directions; dir++) {
        const k = layer * this.directions + dir;
        const initial = (s: Tensor | null | undefined): Tensor | null =>
          s ? reshape(slice(s, 0, k, k + 1), [B, this.hiddenSize]) : null;
        const r = variantRecurrentSequence(this.mode, x, this.weights[k], initial(h0), initial(c0), {
          lengths, reverse: dir === 1, resetBefore: this.resetBefore, activations: this.activations,
        });
        outputs.push(r.output);
        hFinal.push(r.h);
        if (r.c) cFinal.push(r.c);
      }
      x = outputs.length === 1 ? outputs[0] : concat(outputs, 2);
      if (layer < this.numLayers - 1) x = dropout(x, this.dropout, this.training, this.rng);
    }
    x = unsort(x);
    return {
      output: this.batchFirst ? transpose01(x) : x,
      hN: unsort(stack(hFinal, 0)),
      cN: isLSTM ? unsort(stack(cFinal, 0)) : null,
    };
  }
}

/** PyTorch's suffix of a layer's and direction's parameter names: `_l1`, `_l0_reverse`. */
function parameterSuffix(layer: number, direction: number): string {
  return `_l${layer}${direction === 1 ? '_reverse' : ''}`;
}

type ShapeOptions = Pick<RNNOptions, 'inputSize' | 'hiddenSize' | 'numLayers' | 'bias' | 'bidirectional'>;

/**
 * Names and shapes of a recurrent layer's parameters, in the order the layer creates them (per
 * layer and direction: weight_ih [gates·H, in], weight_hh [gates·H, H], bias_ih, bias_hh [gates·H]),
 * one at a time.
 */
export function* recurrentParameterShapes(mode: RecurrentMode, options: ShapeOptions): Generator<[string, number[]]> {
  const { inputSize, hiddenSize, numLayers = 1, bias = true, bidirectional = false } = options;
  const directions = bidirectional ? 2 : 1;
  const gateRows = GATES[mode] * hiddenSize;
  for (let layer = 0; layer < numLayers; layer++) {
    const layerInput = layer === 0 ? inputSize : hiddenSize * directions;
    for (let dir = 0; dir < directions; dir++) {
      const suffix = parameterSuffix(layer, dir);
      yield [`weight_ih${suffix}`, [gateRows, layerInput]];
      yield [`weight_hh${suffix}`, [gateRows, hiddenSize]];
      if (bias) {
        yield [`bias_ih${suffix}`, [gateRows]];
        yield [`bias_hh${suffix}`, [gateRows]];
      }
    }
  }
}

/** How many parameters recurrentParameterShapes lists, counted without listing them (numLayers may be huge). */
export function recurrentParameterCount(mode: RecurrentMode, options: ShapeOptions): number {
  const { inputSize, hiddenSize, numLayers = 1, bias = true, bidirectional = false } = options;
  const directions = bidirectional ? 2 : 1;
  const gateRows = GATES[mode] * hiddenSize;
  const perDirection = (layerInput: number): number => gateRows * (layerInput + hiddenSize) + (bias ? 2 * gateRows : 0);
  return directions * (perDirection(inputSize) + (numLayers - 1) * perDirection(hiddenSize * directions));
}

function checkState(s: Tensor | null | undefined, argument: string, expected: number[]): void {
  if (s && (s.rank !== 3 || s.shape.some((d, i) => d !== expected[i]))) {
    throw new ShapeError(argument, formatShape(expected), formatShape(s.shape));
  }
}

/** Elman RNN: h_t = act(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh), act = tanh (default) or relu. */
export class RNN extends RecurrentLayer {
  constructor(options: RNNOptions & { nonlinearity?: 'tanh' | 'relu' }) {
    const act = options.nonlinearity ?? 'tanh';
    if (act !== 'tanh' && act !== 'relu') throw new ValueError('nonlinearity', '"tanh" or "relu"', JSON.stringify(act));
    super(act === 'tanh' ? 'RNN_TANH' : 'RNN_RELU', options);
  }
}

/** LSTM with gates i, f, g, o (see lstmCellForward in src/backend/backend.ts). */
export class LSTM extends RecurrentLayer {
  constructor(options: RNNOptions) {
    super('LSTM', options);
  }
}

/** GRU with gates r, z, n; reset-after like PyTorch unless resetBefore (Cho et al.). */
export class GRU extends RecurrentLayer {
  constructor(options: RNNOptions & { resetBefore?: boolean }) {
    super('GRU', options, options.resetBefore ?? false);
  }
}
