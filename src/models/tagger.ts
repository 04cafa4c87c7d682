/**
 * Many-to-many of equal length: one tag per token.
 *
 *   embedding (pad row 0) → rnn (bidirectional by default, stacked, packed by length) → dropout
 *   → linear per token → emission scores [T, B, tags]
 *
 * Trained by per-token cross-entropy, or, with `crf`, by the linear-chain CRF's negative
 * log-likelihood (decoded by Viterbi instead of a per-token argmax).
 */
import type { Backend } from '../backend/backend.ts';
import { Tensor, tensor } from '../tensor/tensor.ts';
import type { Random } from '../tensor/random.ts';
import { reshape } from '../ops/basic.ts';
import { crossEntropy } from '../ops/softmax.ts';
import { Module } from '../nn/module.ts';
import { Dropout, Embedding, Linear } from '../nn/layers.ts';
import type { RecurrentLayer } from '../nn/rnn.ts';
import { CRF } from '../nn/crf.ts';
import { PAD_ID } from '../data/text.ts';
import type { PaddedBatch } from '../data/batching.ts';
import type { CellKind } from './charlm-net.ts';
import { recurrentStack } from './recurrent-encoder.ts';

export interface SequenceTaggerConfig {
  vocabSize: number;
  numTags: number;
  cell: CellKind;
  embeddingSize: number;
  hiddenSize: number;
  numLayers: number;
  bidirectional: boolean;
  dropout: number;
  crf: boolean;
}

/** Target id of the positions past a row's length (ignored by the loss). */
const IGNORE = -100;

export class SequenceTagger extends Module {
  readonly embedding: Embedding;
  readonly rnn: RecurrentLayer;
  readonly dropout: Dropout;
  readonly linear: Linear;
  readonly crf: CRF | null;

  constructor(readonly config: SequenceTaggerConfig, options: { backend?: Backend; rng?: Random } = {}) {
    super();
    const c = config;
    this.embedding = this.submodule('embedding', new Embedding(c.vocabSize, c.embeddingSize, { paddingIdx: PAD_ID, ...options }));
    this.rnn = this.submodule('rnn', recurrentStack({ ...c, inputSize: c.embeddingSize }, options));
    this.dropout = this.submodule('dropout', new Dropout(c.dropout, options.rng));
    this.linear = this.submodule('linear', new Linear(c.hiddenSize * (c.bidirectional ? 2 : 1), c.numTags, options));
    this.crf = c.crf ? this.submodule('crf', new CRF(c.numTags, options)) : null;
  }

  get backend(): Backend {
    return this.linear.weight.backend;
  }

  /** A padded batch of token ids → emission scores [T, B, tags]. */
  emissions(batch: PaddedBatch): Tensor {
    const ids = tensor(batch.tokens, [batch.T, batch.batch], { dtype: 'int32', backend: this.backend });
    const { output } = this.rnn.forward(this.embedding.forward(ids), { lengths: batch.lengths });
    return this.linear.forward(this.dropout.forward(output));
  }

  /** Tags [T · B] time-major (anything past a row's length is ignored) → mean loss per token (softmax) or per sentence (CRF). */
  loss(batch: PaddedBatch, tags: Int32Array): Tensor {
    const em = this.emissions(batch);
    if (this.crf) return this.crf.negLogLikelihood(em, tags, batch.lengths);
    const { T, batch: B, lengths } = batch;
    const targets = Int32Array.from(tags, (y, i) => (Math.floor(i / B) < lengths[i % B] ? y : IGNORE));
    return crossEntropy(reshape(em, [T * B, this.config.numTags]), tensor(targets, [T * B], { dtype: 'int32', backend: this.backend }), { ignoreIndex: IGNORE });
  }

  /** The best tags of each row (Viterbi with a CRF, else the argmax of each token's scores). */
  predict(batch: PaddedBatch): number[][] {
    return this.inference(() => {
      const em = this.emissions(batch);
      if (this.crf) return this.crf.decode(em, batch.lengths);
      const { batch: B, lengths } = batch, K = this.config.numTags, e = em.f32;
      return Array.from(lengths, (L, b) => Array.from({ length: L }, (_, t) => {
        let best = 0;
        for (let k = 1; k < K; k++) if (e[(t * B + b) * K + k] > e[(t * B + b) * K + best]) best = k;
        return best;
      }));
    });
  }
}
