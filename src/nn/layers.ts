/** Linear, Embedding and Dropout modules. */
import type { Backend } from '../backend/backend.ts';
import { Tensor } from '../tensor/tensor.ts';
import { Random, globalRandom } from '../tensor/random.ts';
import { ValueError, positiveInteger, unitInterval } from '../errors.ts';
import { linear } from '../ops/basic.ts';
import { embedding } from '../ops/embedding.ts';
import { dropout } from '../ops/dropout.ts';
import { Module, normalInit, uniformInit } from './module.ts';
import type { WordVectors } from '../embeddings/word-vectors.ts';

export interface InitOptions {
  backend?: Backend;
  rng?: Random;
}

/** y = x·Wᵀ + b. weight [out, in], bias [out]; init U(−1/√in, 1/√in) like PyTorch. */
export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(readonly inFeatures: number, readonly outFeatures: number, options: InitOptions & { bias?: boolean } = {}) {
    super();
    positiveInteger('inFeatures', inFeatures);
    positiveInteger('outFeatures', outFeatures);
    const rng = options.rng ?? globalRandom;
    const bound = 1 / Math.sqrt(inFeatures);
    this.weight = this.parameter('weight', [outFeatures, inFeatures], options.backend);
    uniformInit(this.weight, bound, rng);
    this.bias = options.bias === false ? null : this.parameter('bias', [outFeatures], options.backend);
    if (this.bias) uniformInit(this.bias, bound, rng);
  }

  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }
}

/**
 * A lookup table [numEmbeddings, embeddingDim]; init N(0, 1) like PyTorch. With `paddingIdx` that
 * row starts at zero and is never trained (PyTorch's padding_idx).
 */
export class Embedding extends Module {
  readonly weight: Tensor;
  readonly paddingIdx: number | null;

  constructor(readonly numEmbeddings: number, readonly embeddingDim: number, options: InitOptions & { paddingIdx?: number } = {}) {
    super();
    positiveInteger('numEmbeddings', numEmbeddings);
    positiveInteger('embeddingDim', embeddingDim);
    const { paddingIdx } = options;
    if (paddingIdx !== undefined && !(Number.isInteger(paddingIdx) && paddingIdx >= 0 && paddingIdx < numEmbeddings)) {
      throw new ValueError('paddingIdx', `an id in [0, ${numEmbeddings})`, String(paddingIdx));
    }
    this.paddingIdx = paddingIdx ?? null;
    this.weight = this.parameter('weight', [numEmbeddings, embeddingDim], options.backend);
    normalInit(this.weight, options.rng ?? globalRandom);
    if (paddingIdx !== undefined) this.weight.f32.fill(0, paddingIdx * embeddingDim, (paddingIdx + 1) * embeddingDim);
  }

  /**
   * An embedding whose row i is the pretrained vector of vocab[i] (see usePretrained); `coverage`
   * tells how many vocabulary words the vectors had.
   */
  static fromPretrained(vectors: WordVectors, vocab: readonly string[], options: InitOptions & { freeze?: boolean } = {}): Embedding & { coverage: number } {
    const table = new Embedding(vocab.length, vectors.dim, options);
    return Object.assign(table, { coverage: table.usePretrained(vectors, vocab, options) });
  }

  /**
   * Sets row i to the pretrained vector of vocab[i] (looked up as is, then lower-cased); rows of
   * words the vectors lack are drawn again from N(0, σ²), σ the standard deviation of the pretrained
   * values. `freeze: true` keeps the table fixed (no gradient). Returns how many words were found.
   */
  usePretrained(vectors: WordVectors, vocab: readonly string[], options: { freeze?: boolean; rng?: Random } = {}): number {
    if (vocab.length !== this.numEmbeddings || vectors.dim !== this.embeddingDim) {
      throw new ValueError('vectors, vocab', `${this.numEmbeddings} words of ${this.embeddingDim} dimensions`, `${vocab.length} words of ${vectors.dim}`);
    }
    const w = this.weight.f32, dim = vectors.dim, rng = options.rng ?? globalRandom;
    let mean = 0, square = 0;
    for (const v of vectors.vectors) {
      mean += v / vectors.vectors.length;
      square += (v * v) / vectors.vectors.length;
    }
    const sigma = Math.sqrt(Math.max(0, square - mean * mean));
    let found = 0;
    vocab.forEach((word, i) => {
      const row = vectors.has(word) ? vectors.indexOf(word) : vectors.indexOf(word.toLowerCase());
      if (row >= 0) {
        w.set(vectors.vectors.subarray(row * dim, (row + 1) * dim), i * dim);
        found++;
      } else {
        for (let k = i * dim; k < (i + 1) * dim; k++) w[k] = sigma * rng.normal();
      }
    });
    this.weight.requiresGrad = !options.freeze;
    return found;
  }

  /** ids: int32 [...] → [..., embeddingDim]. */
  forward(ids: Tensor): Tensor {
    return embedding(ids, this.weight, this.paddingIdx ?? -1);
  }
}

export class Dropout extends Module {
  constructor(readonly p: number, private readonly rng: Random = globalRandom) {
    super();
    unitInterval('Dropout(p)', p);
  }

  forward(x: Tensor): Tensor {
    return dropout(x, this.p, this.training, this.rng);
  }
}
