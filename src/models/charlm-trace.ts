/**
 * What a character model computes over a text, position by position — the material of
 * "Visualizing and understanding recurrent networks" (Karpathy, Johnson, Fei-Fei 2015): after
 * reading each character, every layer's hidden state h, an LSTM's cell state c and gates
 * (i, f, g, o), a GRU's gates (r, z, n), and the distribution of the next character. Runs the
 * Stepper, one token at a time, as sampling does.
 */
import { ValueError } from '../errors.ts';
import { probabilities } from '../sampling/index.ts';
import { START, type CharLM } from './charlm.ts';
import { Stepper } from './stepper.ts';

/** The signals of a layer a trace records, by cell: each is [T, H]. */
export const TRACE_SIGNALS = {
  LSTM: ['h', 'c', 'i', 'f', 'g', 'o'],
  GRU: ['h', 'r', 'z', 'n'],
  RNN_TANH: ['h'],
  RNN_RELU: ['h'],
} as const;

export interface CharLMTrace {
  /** The characters read, one per position. */
  chars: string[];
  /** Hidden units per layer. */
  hiddenSize: number;
  /** Per layer, each signal of TRACE_SIGNALS for the cell as [T, H] (row t: after reading chars[t]). */
  layers: Record<string, Float32Array>[];
  /** The vocabulary's tokens (ids index them). */
  tokens: readonly string[];
  /** Next-token probabilities [T, V]: row t is the distribution after reading chars[t]. */
  probs: Float32Array;
  /**
   * A sequence model reads its start marker first: its distribution over the first character
   * [V] (null for a text model).
   */
  firstProbs: Float32Array | null;
}

/** Runs `model` over `text` and records every position (characters outside the vocabulary: a VocabError naming them). */
export function traceCharLM(model: CharLM, text: string): CharLMTrace {
  const chars = [...text];
  const ids = model.vocab.encode(text);
  const rnn = model.net.rnn;
  const H = rnn.hiddenSize, T = ids.length, V = model.vocab.size;
  const signals = TRACE_SIGNALS[rnn.mode];
  // the gate row holds the signals after h (and c) in order, H values each
  const gateNames = signals.filter((s) => s !== 'h' && s !== 'c');
  const layers = Array.from({ length: rnn.numLayers }, () =>
    Object.fromEntries(signals.map((s) => [s, new Float32Array(T * H)])) as Record<string, Float32Array>);
  const probs = new Float32Array(T * V);
  let firstProbs: Float32Array | null = null;
  const stepper = new Stepper(model.net);
  try {
    if (model.config.sequences) firstProbs = Float32Array.from(probabilities(stepper.step(model.vocab.specialId(START))));
    for (let t = 0; t < T; t++) {
      probs.set(probabilities(stepper.step(ids[t])), t * V);
      layers.forEach((record, l) => {
        const { h, c, gates } = stepper.layerState(l);
        record.h.set(h, t * H);
        if (c) record.c.set(c, t * H);
        gateNames.forEach((name, k) => record[name].set(gates!.subarray(k * H, (k + 1) * H), t * H));
      });
    }
  } finally {
    stepper.dispose();
  }
  return { chars, hiddenSize: H, layers, tokens: model.vocab.tokens, probs, firstProbs };
}

export interface UnitScore {
  unit: number;
  /** (mean inside − mean outside) / standard deviation over the whole text. */
  score: number;
  meanInside: number;
  meanOutside: number;
}

/**
 * The units of one signal that respond most to the positions [start, end) of a trace: ranked by
 * how far their mean activation inside the selection departs from their mean outside it, in
 * units of their standard deviation over the text (strongest first, either sign).
 */
export function unitsFiringOn(trace: CharLMTrace, layer: number, signal: string, start: number, end: number, top = 10): UnitScore[] {
  const values = trace.layers[layer]?.[signal];
  if (!values) throw new ValueError('layer/signal', `a layer in [0, ${trace.layers.length}) and one of ${Object.keys(trace.layers[0] ?? {}).join(', ')}`, `${layer}/${signal}`);
  const T = trace.chars.length, H = trace.hiddenSize;
  if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && start < end && end <= T && end - start < T)) {
    throw new ValueError('selection', `positions 0 ≤ start < end ≤ ${T} that leave part of the text outside`, `[${start}, ${end})`);
  }
  const scores: UnitScore[] = [];
  for (let u = 0; u < H; u++) {
    let inside = 0, outside = 0, sum = 0, sumSquares = 0;
    for (let t = 0; t < T; t++) {
      const v = values[t * H + u];
      if (t >= start && t < end) inside += v; else outside += v;
      sum += v;
      sumSquares += v * v;
    }
    const mean = sum / T;
    const std = Math.sqrt(Math.max(0, sumSquares / T - mean * mean));
    const meanInside = inside / (end - start), meanOutside = outside / (T - (end - start));
    scores.push({ unit: u, score: std > 1e-12 ? (meanInside - meanOutside) / std : 0, meanInside, meanOutside });
  }
  return scores.sort((a, b) => Math.abs(b.score) - Math.abs(a.score) || a.unit - b.unit).slice(0, top);
}
