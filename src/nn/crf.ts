/**
 * A linear-chain CRF layer over per-token emission scores: parameters `transitions` [K, K]
 * (row = previous tag), `start_transitions` [K], `end_transitions` [K] (the names of the
 * pytorch-crf package), initialised U(−0.1, 0.1). The math is in src/ops/crf.ts.
 */
import { Tensor } from '../tensor/tensor.ts';
import { globalRandom } from '../tensor/random.ts';
import { crfNegLogLikelihood, crfViterbi, type CrfParameters } from '../ops/crf.ts';
import { Module, uniformInit } from './module.ts';
import type { InitOptions } from './layers.ts';
import { positiveInteger } from '../errors.ts';

export class CRF extends Module {
  readonly transitions: Tensor;
  readonly start: Tensor;
  readonly end: Tensor;

  constructor(readonly numTags: number, options: InitOptions = {}) {
    super();
    positiveInteger('numTags', numTags);
    const rng = options.rng ?? globalRandom;
    this.start = this.parameter('start_transitions', [numTags], options.backend);
    this.end = this.parameter('end_transitions', [numTags], options.backend);
    this.transitions = this.parameter('transitions', [numTags, numTags], options.backend);
    for (const p of [this.start, this.end, this.transitions]) uniformInit(p, 0.1, rng);
  }

  private get params(): CrfParameters {
    return { transitions: this.transitions, start: this.start, end: this.end };
  }

  /** −log p(tags | emissions), averaged over rows ('mean') or summed. emissions [T, B, K]; tags [T·B] time-major. */
  negLogLikelihood(emissions: Tensor, tags: Int32Array, lengths: Int32Array | null, reduction: 'sum' | 'mean' = 'mean'): Tensor {
    return crfNegLogLikelihood(emissions, tags, lengths, this.params, reduction);
  }

  /** The best tag sequence of each row (Viterbi). */
  decode(emissions: Tensor, lengths: Int32Array | null): number[][] {
    return crfViterbi(emissions, lengths, this.params);
  }
}
