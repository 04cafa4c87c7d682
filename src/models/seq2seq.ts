/**
 * Encoder–decoder with attention (many-to-many of different lengths), time-major:
 *
 *   encoder   src_emb (pad row 0) → enc: LSTM/GRU, bidirectional by default, packed by source length
 *   bridge    decoder h0 = tanh(bridge([h_fwd_last; h_bwd_first])) for every decoder layer; c0 = 0
 *   decoder   tgt_emb → dec: LSTM/GRU over the whole teacher-forced target (one fused op; no input feeding)
 *   attention attn over the encoder outputs (dot / general / additive), masked by source length
 *   output    h~_t = tanh(w_c [ctx_t; h_t]),  logits = out(h~_t)
 *
 * With the defaults this is the G2P model of shared/bench/torch_g2p.py; parameter names follow it
 * (the attention's projection is `attn.w_a`). Decoding: greedy, or batched beam search (every
 * source's beams are rows of one decoder batch).
 */
import type { Backend } from '../backend/backend.ts';
import { Tensor, tensor, tidy, zeros } from '../tensor/tensor.ts';
import { Random } from '../tensor/random.ts';
import { reshape, tanh } from '../ops/basic.ts';
import { concat, indexSelect, slice, stack } from '../ops/shape.ts';
import { crossEntropy, logSoftmax } from '../ops/softmax.ts';
import { Module } from '../nn/module.ts';
import { Embedding, Linear } from '../nn/layers.ts';
import type { RecurrentLayer } from '../nn/rnn.ts';
import type { CellKind } from './charlm-net.ts';
import { recurrentStack } from './recurrent-encoder.ts';
import { Attention, type AttentionKind } from '../nn/attention.ts';
import { BOS_ID, EOS_ID, PAD_ID } from '../data/text.ts';
import { paddedBatch } from '../data/batching.ts';
import { ValueError } from '../errors.ts';

export interface Seq2SeqConfig {
  sourceVocabSize: number;
  targetVocabSize: number;
  cell: CellKind;
  embeddingSize: number;
  /** Per direction. */
  encoderHidden: number;
  encoderLayers: number;
  bidirectional: boolean;
  decoderHidden: number;
  decoderLayers: number;
  attention: AttentionKind;
}

/** The model of torch_g2p.py (source and target vocabulary sizes left to the data). */
export const G2P_CONFIG: Omit<Seq2SeqConfig, 'sourceVocabSize' | 'targetVocabSize'> = {
  cell: 'lstm', embeddingSize: 64, encoderHidden: 128, encoderLayers: 1, bidirectional: true,
  decoderHidden: 256, decoderLayers: 1, attention: 'general',
};

/** Padded, time-major source and teacher-forced target ids of a batch of pairs. */
export interface PairBatch {
  src: Int32Array; // [S, B]
  srcLengths: Int32Array;
  tgtIn: Int32Array; // [T, B]: <s> y_1 … y_n, then <pad>
  tgtOut: Int32Array; // [T, B]: y_1 … y_n </s>, then <pad>
  tgtLengths: Int32Array; // n + 1
  S: number;
  T: number;
  B: number;
}

/** Frames each target as <s> y → y </s> and pads sources and targets with <pad> (id 0). */
export function pairBatch(sources: readonly Int32Array[], targets: readonly Int32Array[]): PairBatch {
  if (sources.length !== targets.length) throw new ValueError('targets', `${sources.length} targets (one per source)`, `${targets.length}`);
  const src = paddedBatch(sources, PAD_ID);
  const tgtIn = paddedBatch(targets.map((t) => Int32Array.from([BOS_ID, ...t])), PAD_ID);
  const tgtOut = paddedBatch(targets.map((t) => Int32Array.from([...t, EOS_ID])), PAD_ID);
  return {
    src: src.tokens, srcLengths: src.lengths, tgtIn: tgtIn.tokens, tgtOut: tgtOut.tokens, tgtLengths: tgtIn.lengths,
    S: src.T, T: tgtIn.T, B: src.batch,
  };
}

export interface Encoded {
  /** [S, B, directions · encoderHidden] */
  values: Tensor;
  /** attn.keys(values) */
  keys: Tensor;
  lengths: Int32Array;
  /** Decoder state: h [decoderLayers, B, decoderHidden] (and c for an LSTM). */
  h: Tensor;
  c: Tensor | null;
}

export interface DecodeResult {
  logits: Tensor; // [T, B, V]
  h: Tensor;
  c: Tensor | null;
  weights: Tensor; // [B, T, S]
}

export interface BeamOptions {
  /** Hypotheses kept per source (1 = greedy). Default 5. */
  beam?: number;
  /** Longest output in tokens, </s> not counted. Default 2 · source length + 10. */
  maxLength?: number;
  /** Final hypotheses are ranked by log p / length^alpha (0 = raw log p, the default). */
  lengthPenalty?: number;
}

export interface Hypothesis {
  /** Output token ids, without <s> and </s>. */
  tokens: number[];
  /** Log probability of the tokens and </s> (if it ended). */
  logProb: number;
  /** Attention weights of each output step over the source, [steps][S]. */
  attention: Float32Array[];
}

export class Seq2Seq extends Module {
  readonly src_emb: Embedding;
  readonly enc: RecurrentLayer;
  readonly bridge: Linear;
  readonly tgt_emb: Embedding;
  readonly dec: RecurrentLayer;
  readonly attn: Attention;
  readonly w_c: Linear;
  readonly out: Linear;

  constructor(readonly config: Seq2SeqConfig, options: { backend?: Backend; rng?: Random } = {}) {
    super();
    const c = config;
    const { backend, rng } = options;
    const rnn = (inputSize: number, hiddenSize: number, numLayers: number, bidirectional: boolean): RecurrentLayer =>
      recurrentStack({ cell: c.cell, inputSize, hiddenSize, numLayers, bidirectional, dropout: 0 }, { backend, rng });
    const encOut = c.encoderHidden * (c.bidirectional ? 2 : 1);
    this.src_emb = this.submodule('src_emb', new Embedding(c.sourceVocabSize, c.embeddingSize, { paddingIdx: PAD_ID, backend, rng }));
    this.enc = this.submodule('enc', rnn(c.embeddingSize, c.encoderHidden, c.encoderLayers, c.bidirectional));
    this.bridge = this.submodule('bridge', new Linear(encOut, c.decoderHidden, { backend, rng }));
    this.tgt_emb = this.submodule('tgt_emb', new Embedding(c.targetVocabSize, c.embeddingSize, { paddingIdx: PAD_ID, backend, rng }));
    this.dec = this.submodule('dec', rnn(c.embeddingSize, c.decoderHidden, c.decoderLayers, false));
    this.attn = this.submodule('attn', new Attention({ kind: c.attention, queryDim: c.decoderHidden, keyDim: encOut, backend, rng }));
    this.w_c = this.submodule('w_c', new Linear(encOut + c.decoderHidden, c.decoderHidden, { bias: false, backend, rng }));
    this.out = this.submodule('out', new Linear(c.decoderHidden, c.targetVocabSize, { backend, rng }));
  }

  get backend(): Backend {
    return this.out.weight.backend;
  }

  private ids(data: Int32Array, T: number, B: number): Tensor {
    return tensor(data, [T, B], { dtype: 'int32', backend: this.backend });
  }

  /** Source ids [S, B] (time-major) with their lengths → encoder outputs, keys and the decoder's initial state. */
  encode(src: Int32Array, S: number, lengths: Int32Array): Encoded {
    const B = lengths.length;
    const { output, hN } = this.enc.forward(this.src_emb.forward(this.ids(src, S, B)), { lengths });
    const dirs = this.enc.directions, top = (this.enc.numLayers - 1) * dirs, H = this.enc.hiddenSize;
    const final = (k: number): Tensor => reshape(slice(hN, 0, k, k + 1), [B, H]);
    const joined = dirs === 2 ? concat([final(top), final(top + 1)], 1) : final(top);
    const h0 = tanh(this.bridge.forward(joined));
    const L = this.config.decoderLayers;
    const h = L === 1 ? reshape(h0, [1, B, this.config.decoderHidden]) : stack(Array<Tensor>(L).fill(h0), 0);
    const c = this.config.cell === 'lstm' ? zeros([L, B, this.config.decoderHidden], { backend: this.backend }) : null;
    return { values: output, keys: this.attn.keys(output), lengths, h, c };
  }

  /**
   * Target inputs [T, B] from the state (h, c) → decoder outputs [T, B, decoderHidden] and attention
   * contexts [T, B, ·] (read out by `readout`), the new state and the attention weights [B, T, S].
   */
  attendDecoder(tgtIn: Int32Array, T: number, encoded: Encoded, h: Tensor, c: Tensor | null, lengths: Int32Array | null = null) {
    const B = encoded.lengths.length;
    const { output, hN, cN } = this.dec.forward(this.tgt_emb.forward(this.ids(tgtIn, T, B)), { h0: h, c0: c, lengths });
    const { context, weights } = this.attn.forward(output, encoded.keys, encoded.values, encoded.lengths);
    return { features: concat([context, output], -1), h: hN, c: cN, weights };
  }

  /** logits = out(tanh(w_c [ctx; h])) for features [..., encOut + decoderHidden]. */
  readout(features: Tensor): Tensor {
    return this.out.forward(tanh(this.w_c.forward(features)));
  }

  /** Target inputs [T, B] from the state (h, c) → logits [T, B, V], the new state and the attention weights. */
  decode(tgtIn: Int32Array, T: number, encoded: Encoded, h: Tensor, c: Tensor | null, lengths: Int32Array | null = null): DecodeResult {
    const { features, ...rest } = this.attendDecoder(tgtIn, T, encoded, h, c, lengths);
    return { logits: this.readout(features), ...rest };
  }

  /** Mean cross-entropy over the real target tokens of a batch (teacher forcing); the read-out sees only those positions. */
  loss(batch: PairBatch): Tensor {
    const { T, B } = batch;
    const encoded = this.encode(batch.src, batch.S, batch.srcLengths);
    const { features } = this.attendDecoder(batch.tgtIn, T, encoded, encoded.h, encoded.c, batch.tgtLengths);
    const real: number[] = [];
    for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) if (t < batch.tgtLengths[b]) real.push(t * B + b);
    const logits = this.readout(indexSelect(reshape(features, [T * B, features.shape[2]]), 0, real));
    const targets = tensor(Int32Array.from(real, (i) => batch.tgtOut[i]), [real.length], { dtype: 'int32', backend: this.backend });
    return crossEntropy(logits, targets);
  }

  /**
   * Beam search for every source at once: a source's `beam` hypotheses are rows b·beam … b·beam+beam−1
   * of one decoder batch. Each step extends every live hypothesis by every token, keeps the `beam`
   * best extensions per source, and sets aside those ending in </s>; a source is done when `beam`
   * hypotheses have ended or none is live. The best ended hypothesis wins (or the best live one
   * if none ended), ranked by log p / length^lengthPenalty.
   */
  beamSearch(sources: readonly Int32Array[], options: BeamOptions = {}): Hypothesis[] {
    const K = options.beam ?? 5;
    const alpha = options.lengthPenalty ?? 0;
    if (!(Number.isInteger(K) && K >= 1)) throw new ValueError('beam', 'an integer ≥ 1', String(K));
    if (!(alpha >= 0)) throw new ValueError('lengthPenalty', 'a number ≥ 0', String(alpha));
    if (sources.length === 0) return [];
    return this.inference(() => tidy(() => this.search(sources, K, alpha, options.maxLength)));
  }

  /** Greedy decoding: beam search with one hypothesis per source. */
  greedy(sources: readonly Int32Array[], maxLength?: number): Hypothesis[] {
    return this.beamSearch(sources, { beam: 1, maxLength });
  }

  private search(sources: readonly Int32Array[], K: number, alpha: number, maxLengthOption: number | undefined): Hypothesis[] {
    const B = sources.length, N = B * K, V = this.config.targetVocabSize;
    const batch = paddedBatch(sources, PAD_ID);
    const S = batch.T;
    const maxLength = maxLengthOption ?? 2 * S + 10;
    if (!(Number.isInteger(maxLength) && maxLength >= 1)) throw new ValueError('maxLength', 'an integer ≥ 1', String(maxLength));
    const encoded = this.encode(batch.tokens, S, batch.lengths);
    // Every source's encoding repeated for its K rows.
    const expand = Int32Array.from({ length: N }, (_, r) => Math.floor(r / K));
    const beams: Encoded = {
      values: indexSelect(encoded.values, 1, expand), keys: indexSelect(encoded.keys, 1, expand),
      lengths: Int32Array.from(expand, (b) => batch.lengths[b]), h: encoded.h, c: encoded.c,
    };
    let h = indexSelect(encoded.h, 1, expand), c = encoded.c ? indexSelect(encoded.c, 1, expand) : null;
    const score = new Float64Array(N).fill(-Infinity);
    for (let b = 0; b < B; b++) score[b * K] = 0;
    let tokens: number[][] = Array.from({ length: N }, () => []);
    let attention: Float32Array[][] = Array.from({ length: N }, () => []);
    const ended: Hypothesis[][] = Array.from({ length: B }, () => []);
    const done = new Uint8Array(B);
    const last = new Int32Array(N).fill(BOS_ID);
    const rank = (hyp: Hypothesis): number => hyp.logProb / (alpha === 0 ? 1 : Math.max(1, hyp.tokens.length + 1) ** alpha);

    for (let step = 0; step < maxLength && done.some((d) => !d); step++) {
      const parent = Int32Array.from({ length: N }, (_, r) => r - (r % K));
      const nextScore = new Float64Array(N).fill(-Infinity);
      const nextTokens: number[][] = Array.from({ length: N }, () => []);
      const nextAttention: Float32Array[][] = Array.from({ length: N }, () => []);
      ({ h, c } = tidy(() => {
        const r = this.decode(last, 1, beams, h, c);
        const logp = logSoftmax(reshape(r.logits, [N, V])).f32;
        const weights = r.weights.f32;
        for (let b = 0; b < B; b++) {
          if (done[b]) continue;
          let live = 0;
          for (const { row, token, score: s } of bestExtensions(score, logp, b * K, K, V)) {
            const steps = [...attention[row], weights.slice(row * S, row * S + S)];
            if (token === EOS_ID) ended[b].push({ tokens: tokens[row], logProb: s, attention: steps });
            else {
              const to = b * K + live++;
              parent[to] = row;
              nextScore[to] = s;
              nextTokens[to] = [...tokens[row], token];
              nextAttention[to] = steps;
              last[to] = token;
            }
          }
          if (ended[b].length >= K || live === 0) done[b] = 1;
        }
        return { h: indexSelect(r.h, 1, parent), c: r.c ? indexSelect(r.c, 1, parent) : null };
      }));
      score.set(nextScore);
      tokens = nextTokens;
      attention = nextAttention;
    }
    return ended.map((hyps, b) => {
      const pool = hyps.length > 0 ? hyps : Array.from({ length: K }, (_, k) => b * K + k)
        .filter((row) => score[row] > -Infinity)
        .map((row) => ({ tokens: tokens[row], logProb: score[row], attention: attention[row] }));
      return pool.reduce((x, y) => (rank(y) > rank(x) ? y : x));
    });
  }
}

/** The k best (row, token) extensions, best first, of the live rows first … first + k − 1 (score > −∞). */
function bestExtensions(score: Float64Array, logp: Float32Array, first: number, k: number, V: number): { row: number; token: number; score: number }[] {
  const best: { row: number; token: number; score: number }[] = [];
  for (let row = first; row < first + k; row++) {
    if (score[row] === -Infinity) continue;
    for (let v = 0; v < V; v++) {
      const s = score[row] + logp[row * V + v];
      if (best.length === k && s <= best[k - 1].score) continue;
      let i = best.length < k ? best.length : k - 1;
      best[i] = { row, token: v, score: s };
      for (; i > 0 && best[i].score > best[i - 1].score; i--) [best[i], best[i - 1]] = [best[i - 1], best[i]];
    }
  }
  return best;
}
