/**
 * Many-to-one: a sequence of token ids → one class. The minimum the transfer-learning task needs
 * (the sequence-tasks work brings the full classifier with more poolings):
 *
 *   embedding → rnn (RNN/LSTM/GRU, stacked, optionally bidirectional, over per-row lengths)
 *   → final states of the top layer (both directions) → dropout → linear → class logits
 *
 * and its predictions.
 */
import type { Backend } from '../backend/backend.ts';
import { Tensor, tensor, tidy } from '../tensor/tensor.ts';
import type { Random } from '../tensor/random.ts';
import { ValueError } from '../errors.ts';
import { noGrad } from '../autograd/tape.ts';
import { reshape } from '../ops/basic.ts';
import { concat, slice } from '../ops/shape.ts';
import { crossEntropy } from '../ops/softmax.ts';
import { Module } from '../nn/module.ts';
import { Dropout, Embedding, Linear } from '../nn/layers.ts';
import { GRU, LSTM, RNN, type RecurrentLayer } from '../nn/rnn.ts';
import { paddedBatch, type PaddedBatch } from '../data/batching.ts';

export interface SequenceClassifierConfig {
  vocabSize: number;
  numClasses: number;
  cell: 'lstm' | 'gru' | 'rnn';
  embeddingSize: number;
  hiddenSize: number;
  numLayers: number;
  bidirectional: boolean;
  /** Only 'last' here: the final states of the top layer. */
  pooling: 'last';
  /** Before the output layer (and between recurrent layers). */
  dropout: number;
}

/** Token id 0 pads batches. */
export const PAD_ID = 0;

export class SequenceClassifier extends Module {
  readonly embedding: Embedding;
  readonly rnn: RecurrentLayer;
  readonly dropout: Dropout;
  readonly linear: Linear;

  constructor(readonly config: SequenceClassifierConfig, options: { backend?: Backend; rng?: Random } = {}) {
    super();
    const c = config;
    if (c.pooling !== 'last') throw new ValueError('pooling', '"last"', JSON.stringify(c.pooling));
    const Layer = { lstm: LSTM, gru: GRU, rnn: RNN }[c.cell];
    if (!Layer) throw new ValueError('cell', '"lstm", "gru" or "rnn"', JSON.stringify(c.cell));
    this.embedding = this.submodule('embedding', new Embedding(c.vocabSize, c.embeddingSize, options));
    this.rnn = this.submodule('rnn', new Layer({
      inputSize: c.embeddingSize, hiddenSize: c.hiddenSize, numLayers: c.numLayers, bidirectional: c.bidirectional, dropout: c.dropout, ...options,
    }));
    this.dropout = this.submodule('dropout', new Dropout(c.dropout, options.rng));
    this.linear = this.submodule('linear', new Linear(c.hiddenSize * (c.bidirectional ? 2 : 1), c.numClasses, options));
  }

  get backend(): Backend {
    return this.linear.weight.backend;
  }

  /** A padded batch of token ids → class logits [B, C]. */
  forward(batch: PaddedBatch): { logits: Tensor; weights: null } {
    const { T, batch: B, lengths } = batch;
    const ids = tensor(batch.tokens, [T, B], { dtype: 'int32', backend: this.backend });
    const { hN } = this.rnn.forward(this.embedding.forward(ids), { lengths });
    const dirs = this.config.bidirectional ? 2 : 1, top = (this.config.numLayers - 1) * dirs;
    const final = (k: number): Tensor => reshape(slice(hN, 0, k, k + 1), [B, this.config.hiddenSize]);
    const pooled = dirs === 2 ? concat([final(top), final(top + 1)], 1) : final(top);
    return { logits: this.linear.forward(this.dropout.forward(pooled)), weights: null };
  }

  /** Mean cross-entropy against class ids. */
  loss(batch: PaddedBatch, labels: Int32Array): Tensor {
    return crossEntropy(this.forward(batch).logits, tensor(labels, [labels.length], { dtype: 'int32', backend: this.backend }));
  }
}

/** The predicted class (arg max) of each of `rows`. */
export function classify(model: SequenceClassifier, sequences: readonly Int32Array[], rows: readonly number[]): number[] {
  const predictions: number[] = [];
  const C = model.config.numClasses;
  model.eval();
  for (let start = 0; start < rows.length; start += 256) {
    const part = rows.slice(start, start + 256);
    tidy(() => noGrad(() => {
      const logits = model.forward(paddedBatch(part.map((r) => sequences[r]), PAD_ID)).logits.f32;
      part.forEach((_, b) => {
        let best = 0;
        for (let c = 1; c < C; c++) if (logits[b * C + c] > logits[b * C + best]) best = c;
        predictions.push(best);
      });
    }));
  }
  return predictions;
}
