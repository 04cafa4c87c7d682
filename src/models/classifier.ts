/**
 * Many-to-one: a sequence of token ids → one class.
 *
 *   embedding (pad row 0) → rnn (RNN/LSTM/GRU, stacked, optionally bidirectional, packed by length)
 *   → pooling over time: "last" (final states of the top layer, both directions), "mean", "max",
 *     or "attention" (α = softmax_t vᵀ tanh(W o_t + b) over the real steps, pooled = Σ α_t o_t)
 *   → dropout → linear → class logits
 */
import type { Backend } from '../backend/backend.ts';
import { Tensor, tensor } from '../tensor/tensor.ts';
import type { Random } from '../tensor/random.ts';
import { ValueError } from '../errors.ts';
import { reshape, tanh } from '../ops/basic.ts';
import { concat, slice, transpose01 } from '../ops/shape.ts';
import { crossEntropy, softmax } from '../ops/softmax.ts';
import { attend, maskedSoftmax } from '../ops/attention.ts';
import { maxOverTime, meanOverTime } from '../ops/pooling.ts';
import { Module } from '../nn/module.ts';
import { Dropout, Embedding, Linear } from '../nn/layers.ts';
import type { RecurrentLayer } from '../nn/rnn.ts';
import { PAD_ID } from '../data/text.ts';
import type { PaddedBatch } from '../data/batching.ts';
import type { CellKind } from './charlm-net.ts';
import { recurrentStack } from './recurrent-encoder.ts';

export type Pooling = 'last' | 'mean' | 'max' | 'attention';
export const POOLINGS: readonly Pooling[] = ['last', 'mean', 'max', 'attention'];

export interface SequenceClassifierConfig {
  vocabSize: number;
  numClasses: number;
  cell: CellKind;
  embeddingSize: number;
  hiddenSize: number;
  numLayers: number;
  bidirectional: boolean;
  pooling: Pooling;
  /** Before the output layer (and between recurrent layers). */
  dropout: number;
}

/** Learned attention pooling: α = softmax_t vᵀ tanh(W o_t + b). Parameters `proj`, `v`. */
class AttentionPooling extends Module {
  readonly proj: Linear;
  readonly v: Linear;

  constructor(size: number, options: { backend?: Backend; rng?: Random }) {
    super();
    this.proj = this.submodule('proj', new Linear(size, size, options));
    this.v = this.submodule('v', new Linear(size, 1, { ...options, bias: false }));
  }

  /** outputs [T, B, D] → pooled [B, D] and weights [B, 1, T]. */
  forward(outputs: Tensor, lengths: Int32Array): { pooled: Tensor; weights: Tensor } {
    const [T, B, D] = outputs.shape;
    const scores = reshape(transpose01(reshape(this.v.forward(tanh(this.proj.forward(outputs))), [T, B])), [B, 1, T]);
    const weights = maskedSoftmax(scores, lengths);
    return { pooled: reshape(attend(weights, outputs), [B, D]), weights };
  }
}

export class SequenceClassifier extends Module {
  readonly embedding: Embedding;
  readonly rnn: RecurrentLayer;
  readonly attention: AttentionPooling | null;
  readonly dropout: Dropout;
  readonly linear: Linear;

  constructor(readonly config: SequenceClassifierConfig, options: { backend?: Backend; rng?: Random } = {}) {
    super();
    const c = config;
    if (!POOLINGS.includes(c.pooling)) throw new ValueError('pooling', POOLINGS.map((p) => `"${p}"`).join(', '), JSON.stringify(c.pooling));
    const size = c.hiddenSize * (c.bidirectional ? 2 : 1);
    this.embedding = this.submodule('embedding', new Embedding(c.vocabSize, c.embeddingSize, { paddingIdx: PAD_ID, ...options }));
    this.rnn = this.submodule('rnn', recurrentStack({ ...c, inputSize: c.embeddingSize }, options));
    this.attention = c.pooling === 'attention' ? this.submodule('attention', new AttentionPooling(size, options)) : null;
    this.dropout = this.submodule('dropout', new Dropout(c.dropout, options.rng));
    this.linear = this.submodule('linear', new Linear(size, c.numClasses, options));
  }

  get backend(): Backend {
    return this.linear.weight.backend;
  }

  /** A padded batch of token ids → class logits [B, C] (and, for attention pooling, the weights [B, 1, T]). */
  forward(batch: PaddedBatch): { logits: Tensor; weights: Tensor | null } {
    const { T, batch: B, lengths } = batch;
    const ids = tensor(batch.tokens, [T, B], { dtype: 'int32', backend: this.backend });
    const { output, hN } = this.rnn.forward(this.embedding.forward(ids), { lengths });
    let pooled: Tensor, weights: Tensor | null = null;
    switch (this.config.pooling) {
      case 'last': {
        const dirs = this.rnn.directions, top = (this.rnn.numLayers - 1) * dirs;
        const final = (k: number): Tensor => reshape(slice(hN, 0, k, k + 1), [B, this.rnn.hiddenSize]);
        pooled = dirs === 2 ? concat([final(top), final(top + 1)], 1) : final(top);
        break;
      }
      case 'mean': pooled = meanOverTime(output, lengths); break;
      case 'max': pooled = maxOverTime(output, lengths); break;
      case 'attention': ({ pooled, weights } = this.attention!.forward(output, lengths)); break;
    }
    return { logits: this.linear.forward(this.dropout.forward(pooled)), weights };
  }

  /** Mean cross-entropy against class ids. */
  loss(batch: PaddedBatch, labels: Int32Array): Tensor {
    const targets = tensor(labels, [labels.length], { dtype: 'int32', backend: this.backend });
    return crossEntropy(this.forward(batch).logits, targets);
  }

  /** Class probabilities [B, C] (eval mode, no autograd). */
  probabilities(batch: PaddedBatch): Tensor {
    return this.inference(() => softmax(this.forward(batch).logits));
  }
}
