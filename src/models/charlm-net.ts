/**
 * The character language model's network: Embedding(V→E) → LSTM/GRU/RNN(E→H, layers) → Linear(H→V),
 * time-major token ids [T, B] in, logits [T, B, V] out. Parameter names match PyTorch's
 * `embedding.weight`, `rnn.weight_ih_l0`, …, `linear.weight`, so checkpoints load as a state_dict.
 */
import type { Backend } from '../backend/backend.ts';
import { Tensor } from '../tensor/tensor.ts';
import type { Random } from '../tensor/random.ts';
import { crossEntropy } from '../ops/softmax.ts';
import { reshape } from '../ops/basic.ts';
import { Module, checkParametersFit } from '../nn/module.ts';
import { getBackend } from '../backend/registry.ts';
import type { RecurrentMode } from '../ops/recurrent.ts';
import { Embedding, Linear } from '../nn/layers.ts';
import { GRU, LSTM, RNN, recurrentParameterCount, type RecurrentLayer } from '../nn/rnn.ts';
import { ShapeError, ValueError, formatShape, checkRank, positiveInteger } from '../errors.ts';

export const CELL_KINDS = ['lstm', 'gru', 'rnn'] as const;
export type CellKind = (typeof CELL_KINDS)[number];
const RECURRENT_MODES: Record<CellKind, RecurrentMode> = { lstm: 'LSTM', gru: 'GRU', rnn: 'RNN_TANH' };

export interface CharLMNetConfig {
  cell: CellKind;
  vocabSize: number;
  embeddingSize: number;
  hiddenSize: number;
  numLayers: number;
  dropout?: number;
  backend?: Backend;
  rng?: Random;
}

/** Recurrent state carried between calls: h [layers, B, H] and, for an LSTM, c. */
export interface RecurrentState {
  h: Tensor;
  c: Tensor | null;
}

export interface NetInput {
  /** The state to start from (zeros when absent). */
  state?: RecurrentState | null;
  /** Per-sequence lengths of a padded batch: logits past a length are the read-out of zero outputs. */
  lengths?: Int32Array | readonly number[] | null;
}

export class CharLMNet extends Module {
  readonly embedding: Embedding;
  readonly rnn: RecurrentLayer;
  readonly linear: Linear;

  constructor(readonly config: CharLMNetConfig) {
    super();
    const { cell, vocabSize, embeddingSize, hiddenSize, numLayers, dropout = 0, backend = getBackend(), rng } = config;
    if (!CELL_KINDS.includes(cell)) throw new ValueError('cell', `one of ${CELL_KINDS.join(', ')}`, JSON.stringify(cell));
    for (const [name, value] of Object.entries({ vocabSize, embeddingSize, hiddenSize, numLayers })) positiveInteger(name, value);
    checkParametersFit(backend, CharLMNet.parameterCount(config), 'the model');
    this.embedding = this.submodule('embedding', new Embedding(vocabSize, embeddingSize, { backend, rng }));
    const options = { inputSize: embeddingSize, hiddenSize, numLayers, dropout, backend, rng };
    const rnn = cell === 'lstm' ? new LSTM(options) : cell === 'gru' ? new GRU(options) : new RNN(options);
    this.rnn = this.submodule('rnn', rnn);
    this.linear = this.submodule('linear', new Linear(hiddenSize, vocabSize, { backend, rng }));
  }

  /** How many parameters a net of this configuration has, counted without allocating them. */
  static parameterCount(config: Pick<CharLMNetConfig, 'cell' | 'vocabSize' | 'embeddingSize' | 'hiddenSize' | 'numLayers'>): number {
    const { cell, vocabSize, embeddingSize, hiddenSize, numLayers } = config;
    const rnn = recurrentParameterCount(RECURRENT_MODES[cell], { inputSize: embeddingSize, hiddenSize, numLayers });
    return vocabSize * embeddingSize + rnn + vocabSize * hiddenSize + vocabSize; // embedding, rnn, linear weight and bias
  }

  /** ids: int32 [T, B] → logits [T, B, V] and the final state (of each sequence's last step with lengths). */
  forward(ids: Tensor, input: NetInput = {}): { logits: Tensor; state: RecurrentState } {
    checkRank(ids, 'ids', [2], '[T, B] (time-major token ids)');
    const { state, lengths } = input;
    const { output, hN, cN } = this.rnn.forward(this.embedding.forward(ids), { h0: state?.h, c0: state?.c, lengths });
    return { logits: this.linear.forward(output), state: { h: hN, c: cN } };
  }

  /** Mean cross-entropy of next-token predictions; targets int32 [T, B] (with lengths, −1 past a length is ignored). */
  loss(ids: Tensor, targets: Tensor, input: NetInput = {}): Tensor {
    return this.lossWithState(ids, targets, input).loss;
  }

  lossWithState(ids: Tensor, targets: Tensor, input: NetInput = {}): { loss: Tensor; state: RecurrentState } {
    if (targets.size !== ids.size) throw new ShapeError('targets', formatShape(ids.shape), formatShape(targets.shape));
    const { logits, state } = this.forward(ids, input);
    const V = this.config.vocabSize;
    return { loss: crossEntropy(reshape(logits, [ids.size, V]), targets, input.lengths ? { ignoreIndex: -1 } : {}), state };
  }
}
