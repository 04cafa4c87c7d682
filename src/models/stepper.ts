/**
 * One-token-at-a-time inference for an Embedding → unidirectional RNN/LSTM/GRU → Linear network
 * (sampling): every buffer is allocated once, and a step is a handful of kernel calls — per layer
 * one fused matrix-vector product (W_ih·x + W_hh·h + biases, x read straight from the embedding
 * row in the first layer) and the fused cell kernel (state updated in place), then the read-out
 * product. No tensors, no autograd, no allocation per token.
 */
import type { Backend, F32 } from '../backend/backend.ts';
import { ValueError } from '../errors.ts';
import type { Embedding, Linear } from '../nn/layers.ts';
import type { RecurrentLayer } from '../nn/rnn.ts';
import type { SequenceWeights } from '../ops/recurrent.ts';

/** The parts a Stepper runs (a CharLMNet has them). */
export interface StepperNet {
  embedding: Embedding;
  rnn: RecurrentLayer;
  linear: Linear;
}

interface LayerBuffers {
  weights: SequenceWeights;
  inputSize: number;
  gates: F32; // [gateRows]: W_ih x + b (+ W_hh h + b_hh except for the GRU)
  hiddenGates: F32 | null; // GRU: W_hh h + b_hh (reset-before: its n block is W_hn (r ⊙ h) + b_hn)
  resetHidden: F32 | null; // GRU reset-before: r ⊙ h
  h: F32;
  c: F32 | null;
}

export class Stepper {
  private readonly backend: Backend;
  private readonly layers: LayerBuffers[];
  private readonly logits: F32;
  private readonly owned: F32[] = [];

  constructor(private readonly net: StepperNet) {
    const rnn = net.rnn;
    if (rnn.bidirectional) throw new ValueError('net', 'a unidirectional recurrent layer for step-by-step generation', 'a bidirectional one');
    this.backend = net.embedding.weight.backend;
    const H = rnn.hiddenSize;
    const mode = rnn.mode;
    const gateRows = rnn.layerWeights(0).weightIh.shape[0];
    this.layers = Array.from({ length: rnn.numLayers }, (_, l) => ({
      weights: rnn.layerWeights(l),
      inputSize: l === 0 ? rnn.inputSize : H,
      gates: this.alloc(gateRows),
      hiddenGates: mode === 'GRU' ? this.alloc(gateRows) : null,
      resetHidden: mode === 'GRU' && rnn.resetBefore ? this.alloc(H) : null,
      h: this.alloc(H),
      c: mode === 'LSTM' ? this.alloc(H) : null,
    }));
    this.logits = this.alloc(net.linear.outFeatures);
  }

  private alloc(n: number): F32 {
    const a = this.backend.alloc(n, 'float32');
    this.owned.push(a);
    return a;
  }

  /** Zeroes the recurrent state. */
  reset(): void {
    for (const layer of this.layers) {
      this.backend.fill(layer.h, 0, layer.h.length, 0);
      if (layer.c) this.backend.fill(layer.c, 0, layer.c.length, 0);
    }
  }

  /** Feeds one token; returns the next-token logits (a view, valid until the next step). */
  step(id: number): F32 {
    const { backend: be, net } = this;
    const vocab = net.embedding.numEmbeddings;
    if (!Number.isInteger(id) || id < 0 || id >= vocab) throw new ValueError('id', `a token id in [0, ${vocab})`, String(id));
    // The first layer reads its input straight from the embedding row; later layers read h below.
    let input: F32 = net.embedding.weight.f32;
    let inputOff = id * net.embedding.embeddingDim;
    const H = net.rnn.hiddenSize;
    for (const layer of this.layers) {
      const { weights: w, inputSize: I, gates, hiddenGates, resetHidden, h, c } = layer;
      const G = gates.length;
      // gates = W_ih·x + b_ih + W_hh·h + b_hh, one call (the GRU keeps W_hh·h + b_hh in its own row)
      const wIh = w.weightIh.f32, wHh = w.weightHh.f32, bIh = w.biasIh?.f32 ?? null, bHh = w.biasHh?.f32 ?? null;
      if (hiddenGates) be.matVecSum(G, wIh, input, inputOff, I, null, null, 0, bIh, null, gates);
      else be.matVecSum(G, wIh, input, inputOff, I, wHh, h, H, bIh, bHh, gates);
      switch (net.rnn.mode) {
        case 'LSTM': be.lstmCellForward(1, H, gates, 0, c!, 0, h, 0, c!, 0, h, 0, null, 0, null, 0); break;
        case 'GRU':
          if (!resetHidden) {
            be.matVecSum(G, wHh, h, 0, H, null, null, 0, bHh, null, hiddenGates!);
            be.gruCellForward(1, H, gates, 0, hiddenGates!, 0, h, 0, h, 0, null, 0, null, 0);
          } else {
            // r, z from W_hh[r, z]·h; then the n block is W_hn·(r ⊙ h) + b_hn
            be.matVecSum(2 * H, wHh, h, 0, H, null, null, 0, bHh, null, hiddenGates!);
            be.gruResetGateForward(1, H, gates, 0, hiddenGates!, 0, h, 0, resetHidden, 0);
            be.matVecSum(H, wHh.subarray(2 * H * H), resetHidden, 0, H, null, null, 0, bHh?.subarray(2 * H) ?? null, null, hiddenGates!.subarray(2 * H));
            be.gruResetBeforeForward(1, H, gates, 0, hiddenGates!, 0, h, 0, h, 0, null, 0, null, 0);
          }
          break;
        case 'RNN_TANH': be.rnnCellForward('tanh', 1, H, gates, 0, h, 0, h, 0, null, 0, null, 0); break;
        case 'RNN_RELU': be.rnnCellForward('relu', 1, H, gates, 0, h, 0, h, 0, null, 0, null, 0); break;
      }
      input = h;
      inputOff = 0;
    }
    const V = this.logits.length;
    be.matVecSum(V, net.linear.weight.f32, input, 0, H, null, null, 0, net.linear.bias?.f32 ?? null, null, this.logits);
    return this.logits;
  }

  /**
   * Layer `l`'s state after the last step (views, valid until the next step): h, the LSTM's c,
   * and the activated gates in one row — LSTM i, f, g, o; GRU r, z, n — (null for a vanilla RNN,
   * whose row holds pre-activations).
   */
  layerState(l: number): { h: F32; c: F32 | null; gates: F32 | null } {
    const layer = this.layers[l];
    if (!layer) throw new ValueError('l', `a layer index in [0, ${this.layers.length})`, String(l));
    const gated = this.net.rnn.mode === 'LSTM' || this.net.rnn.mode === 'GRU';
    return { h: layer.h, c: layer.c, gates: gated ? layer.gates : null };
  }

  /** Returns the buffers to the backend. */
  dispose(): void {
    for (const a of this.owned) this.backend.free(a);
    this.owned.length = 0;
  }
}
