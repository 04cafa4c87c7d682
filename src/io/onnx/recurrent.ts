/**
 * ONNX's RNN, LSTM and GRU operators (opsets 7–14+) on rnnkit's recurrent ops: every direction
 * (forward, reverse, bidirectional), layout 0 ([T, B, ·]) and 1 ([B, T, ·]), sequence_lens, initial
 * states, LSTM peepholes and input_forget, GRU linear_before_reset 0 and 1, clip, and the
 * activations ONNX lists (Relu, Tanh, Sigmoid, Affine, LeakyRelu, ScaledTanh, HardSigmoid, Elu,
 * Softsign, Softplus; ThresholdedRelu is refused). With the default activations and no clip or
 * peepholes a direction runs as one fused sequence op; otherwise as composed steps
 * (src/ops/recurrent-variants.ts).
 *
 * Gate blocks are reordered on the way in: ONNX's LSTM i, o, f, c → rnnkit's i, f, g, o; GRU z, r, h
 * → r, z, n; peepholes i, o, f → i, f, o.
 */
import { Tensor, keep, tensor, tidy } from '../../tensor/tensor.ts';
import { noGrad } from '../../autograd/tape.ts';
import type { Activation, ActivationName } from '../../ops/activations.ts';
import { variantRecurrentSequence } from '../../ops/recurrent-variants.ts';
import type { RecurrentMode, SequenceWeights } from '../../ops/recurrent.ts';
import type { OnnxNode } from './node.ts';
import { type Operator, required, requireFloat, transpose } from './operators.ts';
import { integers, onnxTensor, type OnnxTensor } from './tensor.ts';

type Kind = 'RNN' | 'LSTM' | 'GRU';

const GATE_ORDER: Record<Kind, number[]> = { RNN: [0], LSTM: [0, 2, 3, 1], GRU: [1, 0, 2] };
const PEEPHOLE_ORDER = [0, 2, 1];
const DEFAULT_ACTIVATIONS: Record<Kind, string[]> = { RNN: ['Tanh'], LSTM: ['Sigmoid', 'Tanh', 'Tanh'], GRU: ['Sigmoid', 'Tanh'] };
const DIRECTIONS: Record<string, boolean[]> = { forward: [false], reverse: [true], bidirectional: [false, true] };

/** ONNX activation names (case-insensitive, as ONNX Runtime reads them) → rnnkit's, with the α/β each consumes and their defaults. */
const ACTIVATIONS: Record<string, { name: ActivationName; alpha?: number; beta?: number }> = {
  relu: { name: 'relu' },
  tanh: { name: 'tanh' },
  sigmoid: { name: 'sigmoid' },
  affine: { name: 'affine', alpha: 0, beta: 0 },
  leakyrelu: { name: 'leakyRelu', alpha: 0.01 },
  scaledtanh: { name: 'scaledTanh', alpha: 0, beta: 0 },
  hardsigmoid: { name: 'hardSigmoid', alpha: 0.2, beta: 0.5 },
  elu: { name: 'elu', alpha: 1 },
  softsign: { name: 'softsign' },
  softplus: { name: 'softplus' },
};

interface Attributes {
  hiddenSize: number;
  reverse: boolean[];
  layout: number;
  /** Per direction. */
  activations: Activation[][];
  clip: number | null;
  inputForget: boolean;
  resetBefore: boolean;
}

/** The node's attributes, checked: anything rnnkit cannot run is an error naming it. */
function attributesOf(kind: Kind, node: OnnxNode): Attributes {
  const hiddenSize = node.int('hidden_size', 0);
  if (!(hiddenSize >= 1)) throw node.error('attribute hidden_size must be given (≥ 1)');
  const direction = node.string('direction', 'forward');
  const reverse = DIRECTIONS[direction];
  if (!reverse) throw node.error(`direction '${direction}' is not forward, reverse or bidirectional`);
  const layout = node.int('layout', 0);
  if (layout !== 0 && layout !== 1) throw node.error(`layout ${layout} is not 0 or 1`);
  const perDirection = DEFAULT_ACTIVATIONS[kind].length;
  const names = node.strings('activations') ?? reverse.flatMap(() => DEFAULT_ACTIVATIONS[kind]);
  if (names.length !== perDirection * reverse.length) {
    throw node.error(`activations [${names.join(', ')}]: expected ${perDirection * reverse.length} (${perDirection} per direction)`);
  }
  const alphas = node.floats('activation_alpha') ?? [], betas = node.floats('activation_beta') ?? [];
  const parsed = names.map((n) => {
    const spec = ACTIVATIONS[n.toLowerCase()];
    if (!spec) throw node.error(`activation '${n}' is not supported (rnnkit runs ${Object.keys(ACTIVATIONS).join(', ')})`);
    const a: Activation = { name: spec.name };
    if (spec.alpha !== undefined) a.alpha = alphas.length > 0 ? alphas.shift()! : spec.alpha;
    if (spec.beta !== undefined) a.beta = betas.length > 0 ? betas.shift()! : spec.beta;
    return a;
  });
  const clip = node.has('clip') ? node.float('clip') : null;
  if (clip !== null && !(clip > 0)) throw node.error(`clip ${clip} is not positive`);
  const inputForget = kind === 'LSTM' && node.int('input_forget', 0) === 1;
  const resetBefore = kind === 'GRU' && node.int('linear_before_reset', 0) === 0;
  return {
    hiddenSize, reverse, layout, clip, inputForget, resetBefore,
    activations: reverse.map((_, d) => parsed.slice(d * perDirection, (d + 1) * perDirection)),
  };
}

/** Rows [d] of a [D, blocks·H, cols] tensor with its gate blocks permuted; float32 values. */
function directionBlocks(t: OnnxTensor, d: number, order: number[], H: number): Float32Array {
  const cols = t.dims.length === 3 ? t.dims[2] : 1;
  const block = H * cols;
  const base = d * order.length * block;
  const out = new Float32Array(order.length * block);
  order.forEach((from, k) => out.set(t.data.subarray(base + from * block, base + (from + 1) * block), k * block));
  return out;
}

/** The per-direction weights with every tensor kept past the enclosing tidy scope. */
function keepTensors<T extends { w: SequenceWeights; peephole: Tensor | null }[]>(weights: T): T {
  for (const { w, peephole } of weights) for (const t of [w.weightIh, w.weightHh, w.biasIh, w.biasHh, peephole]) if (t) keep(t);
  return weights;
}

function checkDims(node: OnnxNode, t: OnnxTensor | null, what: string, dims: number[]): void {
  if (t && (t.dims.length !== dims.length || t.dims.some((d, i) => d !== dims[i]))) {
    throw node.error(`${what} has shape [${t.dims.join(', ')}], expected [${dims.join(', ')}]`);
  }
}

function recurrentOperator(kind: Kind): Operator {
  const gates = GATE_ORDER[kind].length;
  return {
    attributes: [
      'activation_alpha', 'activation_beta', 'activations', 'clip', 'direction', 'hidden_size', 'layout',
      ...(kind === 'LSTM' ? ['input_forget'] : kind === 'GRU' ? ['linear_before_reset'] : []),
    ],
    check: (node) => void attributesOf(kind, node),
    run(node, inputs, ctx) {
      const a = attributesOf(kind, node);
      const H = a.hiddenSize, D = a.reverse.length;
      const X0 = requireFloat(node, required(node, inputs, 0, 'X'), 'X');
      if (X0.dims.length !== 3) throw node.error(`X has shape [${X0.dims.join(', ')}], expected rank 3`);
      const X = a.layout === 1 ? transpose(X0, [1, 0, 2]) : X0;
      const [T, B, I] = X.dims;
      const W = requireFloat(node, required(node, inputs, 1, 'W'), 'W');
      const R = requireFloat(node, required(node, inputs, 2, 'R'), 'R');
      const Bias = inputs[3] ? requireFloat(node, inputs[3], 'B') : null;
      const lensInput = inputs[4] ?? null;
      const stateDims = a.layout === 0 ? [D, B, H] : [B, D, H];
      const toDirectionMajor = (s: OnnxTensor | null): OnnxTensor | null => (s && a.layout === 1 ? transpose(s, [1, 0, 2]) : s);
      const h0 = toDirectionMajor(inputs[5] ? requireFloat(node, inputs[5], 'initial_h') : null);
      const c0 = kind === 'LSTM' && inputs[6] ? toDirectionMajor(requireFloat(node, inputs[6], 'initial_c')) : null;
      const P = kind === 'LSTM' && inputs[7] ? requireFloat(node, inputs[7], 'P') : null;
      checkDims(node, W, 'W', [D, gates * H, I]);
      checkDims(node, R, 'R', [D, gates * H, H]);
      checkDims(node, Bias, 'B', [D, 2 * gates * H]);
      checkDims(node, inputs[5] ?? null, 'initial_h', stateDims);
      checkDims(node, kind === 'LSTM' ? (inputs[6] ?? null) : null, 'initial_c', stateDims);
      checkDims(node, P, 'P', [D, 3 * H]);
      const lengths = lensInput ? integers(lensInput, 'sequence_lens') : null;
      if (lengths) {
        checkDims(node, lensInput, 'sequence_lens', [B]);
        lengths.forEach((n, b) => {
          if (!(n >= 1 && n <= T)) throw node.error(`sequence_lens[${b}] = ${n}; rnnkit needs lengths in [1, ${T}]`);
        });
      }
      const mode: RecurrentMode = kind === 'RNN' ? 'RNN_TANH' : kind;
      const perDirection = noGrad(() => tidy(() => {
        const backend = ctx.backend;
        const f32 = (data: Float32Array, shape: number[]): Tensor => tensor(data, shape, { backend });
        const x = f32(X.data as Float32Array, [T, B, I]);
        // Weights in rnnkit's gate order, per direction: converted once when they are constants.
        const convert = (): { w: SequenceWeights; peephole: Tensor | null }[] => a.reverse.map((_, d) => {
          const half = gates * H;
          const bias = (from: number): Tensor | null => {
            if (!Bias) return null;
            const part: OnnxTensor = { type: 'float32', dims: [1, half], data: Bias.data.subarray(d * 2 * half + from, d * 2 * half + from + half) };
            return f32(directionBlocks(part, 0, GATE_ORDER[kind], H), [half]);
          };
          return {
            w: {
              weightIh: f32(directionBlocks(W, d, GATE_ORDER[kind], H), [half, I]),
              weightHh: f32(directionBlocks(R, d, GATE_ORDER[kind], H), [half, H]),
              biasIh: bias(0),
              biasHh: bias(half),
            },
            peephole: P && P.data.subarray(d * 3 * H, (d + 1) * 3 * H).some((v) => v !== 0) ? f32(directionBlocks(P, d, PEEPHOLE_ORDER, H), [3 * H]) : null,
          };
        });
        const constant = [W, R, Bias, P].every((t) => !t || ctx.isConstant(t));
        const weights = constant ? ctx.cached(node, () => keepTensors(convert())) : convert();
        return a.reverse.map((reverse, d) => {
          const { w, peephole } = weights[d];
          const state = (s: OnnxTensor | null): Tensor | null => (s ? f32(s.data.subarray(d * B * H, (d + 1) * B * H) as Float32Array, [B, H]) : null);
          const r = variantRecurrentSequence(mode, x, w, state(h0), state(c0), {
            lengths: lengths ? Int32Array.from(lengths) : null, reverse, resetBefore: a.resetBefore,
            activations: a.activations[d], clip: a.clip, inputForget: a.inputForget, peephole,
          });
          return { y: Float32Array.from(r.output.f32.subarray(0, T * B * H)), h: Float32Array.from(r.h.f32.subarray(0, B * H)), c: r.c ? Float32Array.from(r.c.f32.subarray(0, B * H)) : null };
        });
      }));
      // Y [T, D, B, H], Y_h / Y_c [D, B, H] (layout 0); transposed to [B, T, D, H] and [B, D, H] for layout 1.
      const Y = onnxTensor('float32', [T, D, B, H]);
      perDirection.forEach(({ y }, d) => {
        for (let t = 0; t < T; t++) Y.data.set(y.subarray(t * B * H, (t + 1) * B * H), (t * D + d) * B * H);
      });
      const state = (key: 'h' | 'c'): OnnxTensor => {
        const s = onnxTensor('float32', [D, B, H]);
        perDirection.forEach((r, d) => s.data.set(r[key]!, d * B * H));
        return a.layout === 1 ? transpose(s, [1, 0, 2]) : s;
      };
      return [a.layout === 1 ? transpose(Y, [2, 0, 1, 3]) : Y, state('h'), ...(kind === 'LSTM' ? [state('c')] : [])];
    },
  };
}

export const RECURRENT_OPERATORS: Record<Kind, Operator> = {
  RNN: recurrentOperator('RNN'),
  LSTM: recurrentOperator('LSTM'),
  GRU: recurrentOperator('GRU'),
};
