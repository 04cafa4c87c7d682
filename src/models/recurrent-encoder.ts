/** The embedding → recurrent stack shared by the classifier, the tagger and the generator. */
import type { Backend } from '../backend/backend.ts';
import type { Random } from '../tensor/random.ts';
import { ValueError } from '../errors.ts';
import { GRU, LSTM, RNN, type RecurrentLayer } from '../nn/rnn.ts';

import type { CellKind } from './charlm-net.ts';

export const CELL_KINDS: readonly CellKind[] = ['lstm', 'gru', 'rnn'];

export interface RecurrentStackConfig {
  cell: CellKind;
  inputSize: number;
  hiddenSize: number;
  numLayers: number;
  bidirectional: boolean;
  /** Between layers. */
  dropout: number;
}

/** RNN (tanh) / LSTM / GRU by name. */
export function recurrentStack(c: RecurrentStackConfig, options: { backend?: Backend; rng?: Random }): RecurrentLayer {
  const o = { inputSize: c.inputSize, hiddenSize: c.hiddenSize, numLayers: c.numLayers, bidirectional: c.bidirectional, dropout: c.dropout, ...options };
  switch (c.cell) {
    case 'lstm': return new LSTM(o);
    case 'gru': return new GRU(o);
    case 'rnn': return new RNN(o);
    default: throw new ValueError('cell', CELL_KINDS.map((k) => `"${k}"`).join(', '), JSON.stringify(c.cell));
  }
}
