/**
 * One-to-many: a class (or any condition vector) → a sequence.
 *
 *   condition z = class_embedding[class]  (or a vector of conditionSize given by the caller)
 *   h0 = tanh(init(z)) for every layer (c0 = 0 for an LSTM)
 *   x_t = [embedding(y_{t−1}); z]  — the condition is fed at every step
 *   rnn (stacked) → linear → next-token logits
 *
 * Sequences are framed as <s> y_1 … y_n </s>; sampling draws tokens until </s> or a maximum length,
 * for many sequences at once (one batch row each).
 */
import type { Backend } from '../backend/backend.ts';
import { Tensor, tensor, tidy, zeros } from '../tensor/tensor.ts';
import { Random } from '../tensor/random.ts';
import { ShapeError, ValueError, formatShape } from '../errors.ts';
import { reshape, tanh } from '../ops/basic.ts';
import { concat, stack } from '../ops/shape.ts';
import { crossEntropy } from '../ops/softmax.ts';
import { embedding } from '../ops/embedding.ts';
import { Module } from '../nn/module.ts';
import { Embedding, Linear } from '../nn/layers.ts';
import type { RecurrentLayer } from '../nn/rnn.ts';
import { BOS_ID, EOS_ID, PAD_ID } from '../data/text.ts';
import { paddedBatch } from '../data/batching.ts';
import { sampleNext, type SamplingOptions } from '../sampling/index.ts';
import type { CellKind } from './charlm-net.ts';
import { recurrentStack } from './recurrent-encoder.ts';

export interface ConditionalGeneratorConfig {
  vocabSize: number;
  /** Classes with a learned embedding each; 0 = conditions are vectors given by the caller. */
  numClasses: number;
  conditionSize: number;
  cell: CellKind;
  embeddingSize: number;
  hiddenSize: number;
  numLayers: number;
  dropout: number;
}

export interface GenerateOptions extends SamplingOptions {
  /** Sequences to draw. Default 1. */
  count?: number;
  /** Tokens per sequence at most (</s> not counted). Default 30. */
  maxLength?: number;
  seed?: number;
}

export class ConditionalGenerator extends Module {
  readonly class_embedding: Embedding | null;
  readonly init: Linear;
  readonly embedding: Embedding;
  readonly rnn: RecurrentLayer;
  readonly linear: Linear;

  constructor(readonly config: ConditionalGeneratorConfig, options: { backend?: Backend; rng?: Random } = {}) {
    super();
    const c = config;
    if (!(Number.isInteger(c.numClasses) && c.numClasses >= 0)) throw new ValueError('numClasses', 'an integer ≥ 0', String(c.numClasses));
    this.class_embedding = c.numClasses > 0 ? this.submodule('class_embedding', new Embedding(c.numClasses, c.conditionSize, options)) : null;
    this.init = this.submodule('init', new Linear(c.conditionSize, c.hiddenSize, options));
    this.embedding = this.submodule('embedding', new Embedding(c.vocabSize, c.embeddingSize, { paddingIdx: PAD_ID, ...options }));
    this.rnn = this.submodule('rnn', recurrentStack({ ...c, inputSize: c.embeddingSize + c.conditionSize, bidirectional: false }, options));
    this.linear = this.submodule('linear', new Linear(c.hiddenSize, c.vocabSize, options));
  }

  get backend(): Backend {
    return this.linear.weight.backend;
  }

  /** Condition vectors [B, conditionSize] of class ids. */
  classCondition(classes: Int32Array): Tensor {
    if (!this.class_embedding) throw new ValueError('classes', 'a model with numClasses > 0 (this one takes condition vectors)', `${classes.length} class ids`);
    for (const [i, k] of classes.entries()) {
      if (!(k >= 0 && k < this.config.numClasses)) throw new ValueError(`classes[${i}]`, `a class id in [0, ${this.config.numClasses})`, String(k));
    }
    return this.class_embedding.forward(tensor(classes, [classes.length], { dtype: 'int32', backend: this.backend }));
  }

  private initialState(condition: Tensor): { h0: Tensor; c0: Tensor | null } {
    const [B] = condition.shape, { hiddenSize: H, numLayers: L } = this.config;
    const h = tanh(this.init.forward(condition));
    return {
      h0: L === 1 ? reshape(h, [1, B, H]) : stack(Array<Tensor>(L).fill(h), 0),
      c0: this.config.cell === 'lstm' ? zeros([L, B, H], { backend: this.backend }) : null,
    };
  }

  /** Input ids [T, B] with a condition [B, conditionSize] from state (h0, c0) → logits [T, B, V] and the final state. */
  private run(ids: Int32Array, T: number, condition: Tensor, h0: Tensor, c0: Tensor | null, lengths: Int32Array | null) {
    const B = condition.shape[0];
    const x = this.embedding.forward(tensor(ids, [T, B], { dtype: 'int32', backend: this.backend }));
    const conditionEveryStep = embedding(tensor(new Int32Array(T * B).map((_, i) => i % B), [T, B], { dtype: 'int32', backend: this.backend }), condition);
    const { output, hN, cN } = this.rnn.forward(concat([x, conditionEveryStep], 2), { h0, c0, lengths });
    return { logits: this.linear.forward(output), h: hN, c: cN };
  }

  /** Mean cross-entropy of next-token predictions of <s> y → y </s> for each sequence under its condition. */
  loss(sequences: readonly Int32Array[], condition: Tensor): Tensor {
    if (condition.rank !== 2 || condition.shape[0] !== sequences.length || condition.shape[1] !== this.config.conditionSize) {
      throw new ShapeError('condition', `[${sequences.length}, ${this.config.conditionSize}]`, formatShape(condition.shape));
    }
    const inputs = paddedBatch(sequences.map((s) => Int32Array.from([BOS_ID, ...s])), PAD_ID);
    const targets = paddedBatch(sequences.map((s) => Int32Array.from([...s, EOS_ID])), PAD_ID);
    const { h0, c0 } = this.initialState(condition);
    const { logits } = this.run(inputs.tokens, inputs.T, condition, h0, c0, inputs.lengths);
    const V = this.config.vocabSize, n = inputs.T * inputs.batch;
    return crossEntropy(reshape(logits, [n, V]), tensor(targets.tokens, [n], { dtype: 'int32', backend: this.backend }), { ignoreIndex: PAD_ID });
  }

  /** Draws `count` sequences (token ids without <s>/</s>) under one condition: a class id or a vector. */
  generate(condition: number | Float32Array, options: GenerateOptions = {}): number[][] {
    const { count = 1, maxLength = 30, seed = 0 } = options;
    if (!(Number.isInteger(count) && count >= 1)) throw new ValueError('count', 'an integer ≥ 1', String(count));
    if (!(Number.isInteger(maxLength) && maxLength >= 1)) throw new ValueError('maxLength', 'an integer ≥ 1', String(maxLength));
    const rng = new Random(seed);
    return this.inference(() => tidy(() => {
      const z = typeof condition === 'number'
        ? this.classCondition(new Int32Array(count).fill(condition))
        : this.vectorCondition(condition, count);
      let { h0: h, c0: c } = this.initialState(z);
      const V = this.config.vocabSize;
      const out: number[][] = Array.from({ length: count }, () => []);
      const open = new Uint8Array(count).fill(1);
      const last = new Int32Array(count).fill(BOS_ID);
      for (let step = 0; step < maxLength + 1 && open.some((o) => o); step++) {
        ({ h, c } = tidy(() => {
          const r = this.run(last, 1, z, h, c, null);
          const logits = r.logits.f32;
          for (let b = 0; b < count; b++) {
            if (!open[b]) continue;
            const row = logits.slice(b * V, (b + 1) * V);
            row[PAD_ID] = row[BOS_ID] = -Infinity; // never drawn: they cannot follow a token
            const id = sampleNext(row, options, rng);
            if (id === EOS_ID || step === maxLength) open[b] = 0;
            else out[b].push(id);
            last[b] = id;
          }
          return { h: r.h, c: r.c };
        }));
      }
      return out;
    }));
  }

  private vectorCondition(vector: Float32Array, count: number): Tensor {
    const D = this.config.conditionSize;
    if (vector.length !== D) throw new ShapeError('condition', `a vector of ${D} numbers`, `${vector.length}`);
    const data = new Float32Array(count * D);
    for (let b = 0; b < count; b++) data.set(vector, b * D);
    return tensor(data, [count, D], { backend: this.backend });
  }
}
