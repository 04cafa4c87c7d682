/**
 * Attention of decoder states (queries) over encoder states (values), with masked softmax over each
 * row's source length. Scores (math in src/ops/attention.ts):
 *
 *   dot       score(t, s) = q_t · v_s                                    (queryDim = keyDim)
 *   general   score(t, s) = q_t · (W_a v_s)                              (Luong; w_a: keyDim → queryDim, no bias)
 *   additive  score(t, s) = vᵀ tanh(W_q q_t + b_q + W_a v_s)             (Bahdanau; w_q, w_a → hiddenSize, v)
 *
 * weights = softmax_s(score), context_t = Σ_s weights(t, s) v_s. The key projection depends on the
 * values only, so `keys(values)` is computed once per source batch and reused at every decoder step.
 */
import { Tensor } from '../tensor/tensor.ts';
import { ValueError, positiveInteger } from '../errors.ts';
import { reshape, tanh } from '../ops/basic.ts';
import { attend, attentionScores, maskedSoftmax, pairwiseAdd } from '../ops/attention.ts';
import { Module } from './module.ts';
import { Linear, type InitOptions } from './layers.ts';

export type AttentionKind = 'dot' | 'general' | 'additive';
export const ATTENTION_KINDS: readonly AttentionKind[] = ['dot', 'general', 'additive'];

export interface AttentionOptions extends InitOptions {
  kind: AttentionKind;
  queryDim: number;
  keyDim: number;
  /** additive only: size of the tanh layer (default queryDim). */
  hiddenSize?: number;
}

export interface AttentionResult {
  /** [T, B, keyDim] */
  context: Tensor;
  /** [B, T, S], zero past each row's source length */
  weights: Tensor;
}

export class Attention extends Module {
  readonly kind: AttentionKind;
  readonly w_a: Linear | null;
  readonly w_q: Linear | null;
  readonly v: Linear | null;

  constructor(options: AttentionOptions) {
    super();
    const { kind, queryDim, keyDim, backend, rng } = options;
    if (!ATTENTION_KINDS.includes(kind)) throw new ValueError('attention', ATTENTION_KINDS.map((k) => `"${k}"`).join(', '), JSON.stringify(kind));
    positiveInteger('queryDim', queryDim);
    positiveInteger('keyDim', keyDim);
    if (kind === 'dot' && queryDim !== keyDim) {
      throw new ValueError('attention "dot"', `query and key sizes equal (use "general" otherwise)`, `${queryDim} and ${keyDim}`);
    }
    this.kind = kind;
    const hidden = options.hiddenSize ?? queryDim;
    this.w_a = kind === 'dot' ? null : this.submodule('w_a', new Linear(keyDim, kind === 'general' ? queryDim : hidden, { bias: false, backend, rng }));
    this.w_q = kind === 'additive' ? this.submodule('w_q', new Linear(queryDim, hidden, { backend, rng })) : null;
    this.v = kind === 'additive' ? this.submodule('v', new Linear(hidden, 1, { bias: false, backend, rng })) : null;
  }

  /** The keys the scores compare queries with: values [S, B, keyDim] projected (or themselves for "dot"). */
  keys(values: Tensor): Tensor {
    return this.w_a ? this.w_a.forward(values) : values;
  }

  /** Scores of queries [T, B, queryDim] against keys [S, B, ·] → [B, T, S]. */
  scores(query: Tensor, keys: Tensor): Tensor {
    if (this.kind !== 'additive') return attentionScores(query, keys);
    const summed = tanh(pairwiseAdd(this.w_q!.forward(query), keys)); // [B, T, S, hidden]
    const [B, T, S] = summed.shape;
    return reshape(this.v!.forward(summed), [B, T, S]);
  }

  /** query [T, B, queryDim], keys from `keys(values)`, values [S, B, keyDim], source lengths per row. */
  forward(query: Tensor, keys: Tensor, values: Tensor, lengths: Int32Array | null): AttentionResult {
    const weights = maskedSoftmax(this.scores(query, keys), lengths);
    return { context: attend(weights, values), weights };
  }
}
