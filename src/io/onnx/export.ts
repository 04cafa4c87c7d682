/**
 * ONNX export: rnnkit models as ONNX graphs of the standard operators — Gather for embeddings, ONNX's
 * own RNN / LSTM / GRU operators for the recurrent layers (gate blocks reordered: rnnkit's LSTM
 * i, f, g, o → ONNX i, o, f, c; GRU r, z, n → z, r, h; the reset-after GRU is linear_before_reset = 1),
 * MatMul + Add for linear read-outs — runnable in ONNX Runtime.
 *
 * Each model kind (a checkpoint's `kind`) is one entry of ONNX_GRAPHS: the graphs it exports as
 * and one small function that writes them from shared pieces (embedding, recurrentLayer, linear).
 * Tensors are time-major like rnnkit's ([time, batch, ·]); token ids are int64.
 */
import { ValueError } from '../../errors.ts';
import type { Tensor } from '../../tensor/tensor.ts';
import type { Embedding, Linear } from '../../nn/layers.ts';
import type { RecurrentLayer } from '../../nn/rnn.ts';
import type { SequenceWeights } from '../../ops/recurrent.ts';
import type { CharLM } from '../../models/charlm.ts';
import type { SequenceClassifier } from '../../models/classifier.ts';
import type { SequenceTagger } from '../../models/tagger.ts';
import type { TextClassifier } from '../../models/text-classifier.ts';
import type { TextTagger } from '../../models/text-tagger.ts';
import type { WordClassifier } from '../../models/word-classifier.ts';
import type { Translator } from '../../models/translator.ts';
import type { CheckpointModel } from '../checkpoint.ts';
import { GraphBuilder, type AttributeValue } from './builder.ts';
import { onnxTensor } from './tensor.ts';

/** Opsets the exporter writes (14 is the first with the current RNN/LSTM/GRU definitions). */
export const ONNX_OPSETS = { min: 14, max: 21, default: 17 } as const;

export interface OnnxExportOptions {
  /** Which graph of the model kind (ONNX_GRAPHS[kind].graphs; default: the first). */
  graph?: string;
  /** Default-domain opset version of the model, in [14, 21] (default 17). */
  opset?: number;
}

// ---- shared pieces --------------------------------------------------------------------------

function values(t: Tensor): Float32Array {
  return Float32Array.from(t.f32.subarray(0, t.size));
}

function int64s(g: GraphBuilder, name: string, v: readonly number[]): string {
  return g.initializer(name, onnxTensor('int64', [v.length], v));
}

/** ids (int64 [...]) → embedding rows [..., E]. */
export function embedding(g: GraphBuilder, emb: Embedding, ids: string): string {
  const table = g.initializer('embedding.weight', onnxTensor('float32', [...emb.weight.shape], values(emb.weight)));
  return g.node('Gather', [table, ids], 1, { axis: { int: 0 } })[0];
}

/** x [..., in] → x · Wᵀ + b [..., out]. */
export function linear(g: GraphBuilder, lin: Linear, x: string, name = 'linear'): string {
  const [out, inF] = lin.weight.shape;
  const w = lin.weight.f32, wt = new Float32Array(inF * out);
  for (let o = 0; o < out; o++) for (let i = 0; i < inF; i++) wt[i * out + o] = w[o * inF + i];
  const product = g.node('MatMul', [x, g.initializer(`${name}.weight_t`, onnxTensor('float32', [inF, out], wt))])[0];
  if (!lin.bias) return product;
  return g.node('Add', [product, g.initializer(`${name}.bias`, onnxTensor('float32', [out], values(lin.bias)))])[0];
}

/** ONNX's gate block k is rnnkit's block TO_ONNX[mode][k] (LSTM i, o, f, c ← i, f, g, o; GRU z, r, h ← r, z, n). */
const TO_ONNX: Record<string, number[]> = { LSTM: [0, 3, 1, 2], GRU: [1, 0, 2], RNN_TANH: [0], RNN_RELU: [0] };

/** The gate blocks of a [blocks·H, cols] (or [blocks·H]) parameter in ONNX order. */
function onnxBlocks(t: Tensor, order: number[]): Float32Array {
  const block = t.size / order.length;
  const src = t.f32, out = new Float32Array(t.size);
  order.forEach((from, k) => out.set(src.subarray(from * block, (from + 1) * block), k * block));
  return out;
}

/**
 * ONNX's names (and α, β) for a layer's activations; PyTorch's defaults need none. Activations ONNX's
 * recurrent operators lack (relu6, swish, selu) are a ValueError.
 */
function onnxActivations(layer: RecurrentLayer): { names: string[]; alpha: number[]; beta: number[] } | null {
  if (!layer.activations) return layer.mode === 'RNN_RELU' ? { names: ['Relu'], alpha: [], beta: [] } : null;
  const names: string[] = [], alpha: number[] = [], beta: number[] = [];
  for (const a of layer.activations) {
    const spec = ONNX_ACTIVATIONS[a.name];
    if (!spec) throw new ValueError('activations', `activations ONNX's ${layer.mode} operator has (${Object.keys(ONNX_ACTIVATIONS).join(', ')})`, a.name);
    names.push(spec.name);
    if (spec.alpha !== undefined) alpha.push(a.alpha ?? spec.alpha);
    if (spec.beta !== undefined) beta.push(a.beta ?? spec.beta);
  }
  return { names, alpha, beta };
}

/** rnnkit activation → ONNX's name, with the defaults of the α and β it takes (src/ops/activations.ts). */
const ONNX_ACTIVATIONS: Record<string, { name: string; alpha?: number; beta?: number }> = {
  sigmoid: { name: 'Sigmoid' }, tanh: { name: 'Tanh' }, relu: { name: 'Relu' }, softsign: { name: 'Softsign' }, softplus: { name: 'Softplus' },
  linear: { name: 'Affine', alpha: 1, beta: 0 }, affine: { name: 'Affine', alpha: 1, beta: 0 },
  hardSigmoid: { name: 'HardSigmoid', alpha: 0.2, beta: 0.5 }, leakyRelu: { name: 'LeakyRelu', alpha: 0.01 }, elu: { name: 'Elu', alpha: 1 },
  scaledTanh: { name: 'ScaledTanh', alpha: 1, beta: 1 },
};

export interface RecurrentValues {
  /** [T, B, directions · H] */
  output: string;
  /** [layers · directions, B, H] */
  h: string;
  c: string | null;
}

/**
 * A RecurrentLayer (all layers, both directions) as one ONNX recurrent node per layer.
 * x: [T, B, inputSize]; states: initial h (and c) [layers · directions, B, H], or zeros when absent,
 * and the rows' lengths (int32 [B], ONNX's sequence_lens: outputs past a row's length are 0, its
 * final state is that of its last real step, as rnnkit's packed rows).
 */
export function recurrentLayer(
  g: GraphBuilder, layer: RecurrentLayer, x: string, states: { h?: string; c?: string; lengths?: string } = {}, name = 'rnn',
): RecurrentValues {
  const { mode, hiddenSize: H, numLayers, directions: D } = layer;
  const op = mode === 'LSTM' ? 'LSTM' : mode === 'GRU' ? 'GRU' : 'RNN';
  const order = TO_ONNX[mode];
  const activations = onnxActivations(layer);
  const finals: string[] = [], cells: string[] = [];
  for (let l = 0; l < numLayers; l++) {
    const ws = Array.from({ length: D }, (_, d) => layer.layerWeights(l * D + d));
    // [D, ...] stacks of the directions' parameters, gate blocks in ONNX order
    const stacked = (base: string, parts: (w: SequenceWeights) => (Tensor | null)[], dims: number[]): string => {
      const values = ws.flatMap((w) => parts(w).map((t) => Array.from(onnxBlocks(t!, order))).flat());
      return g.initializer(`${name}.${base}_l${l}`, onnxTensor('float32', [D, ...dims], values));
    };
    const gatesH = ws[0].weightIh.shape[0], inF = ws[0].weightIh.shape[1];
    const W = stacked('W', (w) => [w.weightIh], [gatesH, inF]);
    const R = stacked('R', (w) => [w.weightHh], [gatesH, H]);
    const B = ws[0].biasIh ? stacked('B', (w) => [w.biasIh, w.biasHh], [2 * gatesH]) : '';
    const rows = (s: string | undefined): string => (s ? g.node('Slice', [s, int64s(g, 'start', [l * D]), int64s(g, 'end', [(l + 1) * D]), int64s(g, 'axis', [0])])[0] : '');
    const inputs = [x, W, R, B, states.lengths ?? '', rows(states.h), ...(op === 'LSTM' ? [rows(states.c)] : [])];
    while (inputs[inputs.length - 1] === '') inputs.pop();
    const attributes: Record<string, AttributeValue> = {
      hidden_size: { int: H },
      direction: { string: D === 2 ? 'bidirectional' : 'forward' },
      ...(op === 'GRU' ? { linear_before_reset: { int: layer.resetBefore ? 0 : 1 } } : {}),
    };
    if (activations) {
      // one list per direction
      attributes.activations = { strings: [...activations.names, ...(D === 2 ? activations.names : [])] };
      if (activations.alpha.length > 0) attributes.activation_alpha = { floats: [...activations.alpha, ...(D === 2 ? activations.alpha : [])] };
      if (activations.beta.length > 0) attributes.activation_beta = { floats: [...activations.beta, ...(D === 2 ? activations.beta : [])] };
    }
    const [y, yH, yC] = g.node(op, inputs, op === 'LSTM' ? 3 : 2, attributes);
    finals.push(yH);
    if (yC) cells.push(yC);
    // Y [T, D, B, H] → [T, B, D·H]
    x = D === 1
      ? g.node('Squeeze', [y, int64s(g, 'axes', [1])])[0]
      : g.node('Reshape', [g.node('Transpose', [y], 1, { perm: { ints: [0, 2, 1, 3] } })[0], int64s(g, 'shape', [0, 0, -1])])[0];
  }
  const join = (parts: string[]): string => (parts.length === 1 ? parts[0] : g.node('Concat', parts, 1, { axis: { int: 0 } })[0]);
  return { output: x, h: join(finals), c: cells.length > 0 ? join(cells) : null };
}

function checkOpset(options: OnnxExportOptions): number {
  const opset = options.opset ?? ONNX_OPSETS.default;
  if (!(Number.isInteger(opset) && opset >= ONNX_OPSETS.min && opset <= ONNX_OPSETS.max)) {
    throw new ValueError('opset', `an integer in [${ONNX_OPSETS.min}, ${ONNX_OPSETS.max}]`, String(opset));
  }
  return opset;
}

// ---- model kinds ----------------------------------------------------------------------------

/**
 * A character language model. sequence: ids int64 [time, batch] → logits [time, batch, V] and the
 * final states h_n (and c_n) [layers, batch, H], from zero states. step (for sampling): ids int64
 * [batch] and the states h (and c) [layers, batch, H] → logits [batch, V], h_next (and c_next).
 */
function charLMGraph(g: GraphBuilder, lm: CharLM, graph: string): void {
  const { net } = lm;
  const { numLayers: L, hiddenSize: H } = net.rnn;
  const V = net.linear.outFeatures;
  const stateDims = [L, 'batch', H];
  if (graph === 'sequence') {
    const x = embedding(g, net.embedding, g.input('ids', 'int64', ['time', 'batch']));
    const r = recurrentLayer(g, net.rnn, x);
    g.output(linear(g, net.linear, r.output), 'logits', 'float32', ['time', 'batch', V]);
    g.output(r.h, 'h_n', 'float32', stateDims);
    if (r.c) g.output(r.c, 'c_n', 'float32', stateDims);
    return;
  }
  if (net.rnn.bidirectional) throw new ValueError('graph', '"sequence" for a bidirectional model', '"step"');
  const rows = embedding(g, net.embedding, g.input('ids', 'int64', ['batch']));
  const x = g.node('Unsqueeze', [rows, int64s(g, 'axes', [0])])[0];
  const states = { h: g.input('h', 'float32', stateDims), c: net.rnn.mode === 'LSTM' ? g.input('c', 'float32', stateDims) : undefined };
  const r = recurrentLayer(g, net.rnn, x, states);
  const last = g.node('Squeeze', [r.output, int64s(g, 'axes', [0])])[0];
  g.output(linear(g, net.linear, last), 'logits', 'float32', ['batch', V]);
  g.output(r.h, 'h_next', 'float32', stateDims);
  if (r.c) g.output(r.c, 'c_next', 'float32', stateDims);
}

/** Inputs ids int64 [time, batch] and lengths int32 [batch] → the recurrent layer's values over the embedded ids, and the lengths. */
function paddedSequence(g: GraphBuilder, net: { embedding: Embedding; rnn: RecurrentLayer }): RecurrentValues & { lengths: string } {
  const x = embedding(g, net.embedding, g.input('ids', 'int64', ['time', 'batch']));
  const lengths = g.input('lengths', 'int32', ['batch']);
  return { ...recurrentLayer(g, net.rnn, x, { lengths }), lengths };
}

/** TensorProto.DataType FLOAT and INT64, for Cast. */
const ONNX_FLOAT = 1, ONNX_INT64 = 7;

/**
 * A sequence classifier (many-to-one): ids int64 [time, batch] (padding past each row's length)
 * and lengths int32 [batch] → class logits [batch, classes]. Pooling `last` (the top layer's final
 * states, both directions) or `mean` (over each row's real steps; ONNX's outputs past a length are 0).
 */
function classifierGraph(g: GraphBuilder, net: SequenceClassifier): void {
  const { pooling } = net.config;
  if (pooling !== 'last' && pooling !== 'mean') throw new ValueError('model', 'a classifier with "last" or "mean" pooling (ONNX export)', `"${pooling}" pooling`);
  const r = paddedSequence(g, net);
  let pooled: string;
  if (pooling === 'last') {
    pooled = topFinalStates(g, net.rnn, r.h);
  } else {
    const sum = g.node('ReduceSum', [r.output, int64s(g, 'axes', [0])], 1, { keepdims: { int: 0 } })[0];
    const count = g.node('Unsqueeze', [g.node('Cast', [r.lengths], 1, { to: { int: ONNX_FLOAT } })[0], int64s(g, 'axes', [1])])[0];
    pooled = g.node('Div', [sum, count])[0];
  }
  g.output(linear(g, net.linear, pooled), 'logits', 'float32', ['batch', net.config.numClasses]);
}

/**
 * A sequence tagger (many-to-many): ids int64 [time, batch] and lengths int32 [batch] → emission
 * scores [time, batch, tags] (the CRF's Viterbi decoding stays outside the graph; its transitions
 * travel in the metadata with the model's description).
 */
function taggerGraph(g: GraphBuilder, net: SequenceTagger): void {
  const r = paddedSequence(g, net);
  g.output(linear(g, net.linear, r.output), 'emissions', 'float32', ['time', 'batch', net.config.numTags]);
}

/** The top layer's final states of a recurrent layer, both directions joined: [B, directions · H]. */
function topFinalStates(g: GraphBuilder, rnn: RecurrentLayer, h: string): string {
  const { numLayers: L, directions: D, hiddenSize: H } = rnn;
  const top = g.node('Slice', [h, int64s(g, 'start', [(L - 1) * D]), int64s(g, 'end', [L * D]), int64s(g, 'axis', [0])])[0];
  // [D, B, H] → [B, D·H]: the forward state, then the backward one
  return g.node('Reshape', [g.node('Transpose', [top], 1, { perm: { ints: [1, 0, 2] } })[0], int64s(g, 'shape', [0, D * H])])[0];
}

/** x [..., in] → x · Wᵀ [..., out] for a linear layer without bias, or x itself when there is no layer. */
function optionalLinear(g: GraphBuilder, lin: Linear | null, x: string, name: string): string {
  return lin ? linear(g, lin, x, name) : x;
}

/**
 * A seq2seq model (encoder–decoder with attention) as two graphs.
 * encoder: src int64 [source time, batch] and src_lengths int32 [batch] → values [source time, batch,
 *   E] (the encoder's outputs), keys [source time, batch, K] (what the attention scores compare with)
 *   and the decoder's initial state h (and c) [decoder layers, batch, H].
 * decoder_step: ids int64 [batch] (the previous target token), h (and c), values, keys and
 *   src_lengths → logits [batch, V], h_next (and c_next) and the attention weights [batch, source time]
 *   over each row's real source positions. Beam search and sampling stay outside the graphs.
 */
function seq2seqGraph(g: GraphBuilder, translator: Translator, graph: string): void {
  const net = translator.module, c = net.config;
  const stateDims = [c.decoderLayers, 'batch', c.decoderHidden];
  const lstm = net.dec.mode === 'LSTM';
  if (graph === 'encoder') {
    const x = embedding(g, net.src_emb, g.input('src', 'int64', ['source', 'batch']));
    const r = recurrentLayer(g, net.enc, x, { lengths: g.input('src_lengths', 'int32', ['batch']) }, 'enc');
    // h0 = tanh(bridge(final states)), the same for every decoder layer; c0 = 0
    const h0 = g.node('Unsqueeze', [g.node('Tanh', [linear(g, net.bridge, topFinalStates(g, net.enc, r.h), 'bridge')])[0], int64s(g, 'axes', [0])])[0];
    const h = g.node('Tile', [h0, int64s(g, 'repeats', [c.decoderLayers, 1, 1])])[0];
    const encOut = net.enc.hiddenSize * net.enc.directions;
    g.output(r.output, 'values', 'float32', ['source', 'batch', encOut]);
    g.output(optionalLinear(g, net.attn.w_a, r.output, 'attn.w_a'), 'keys', 'float32', ['source', 'batch', net.attn.w_a ? net.attn.w_a.outFeatures : encOut]);
    g.output(h, 'h', 'float32', stateDims);
    if (lstm) g.output(g.node('Sub', [h, h])[0], 'c', 'float32', stateDims);
    return;
  }
  const rows = embedding(g, net.tgt_emb, g.input('ids', 'int64', ['batch']));
  const states = { h: g.input('h', 'float32', stateDims), c: lstm ? g.input('c', 'float32', stateDims) : undefined };
  const r = recurrentLayer(g, net.dec, g.node('Unsqueeze', [rows, int64s(g, 'axes', [0])])[0], states, 'dec');
  const query = g.node('Squeeze', [r.output, int64s(g, 'axes', [0])])[0]; // [B, H]
  const batchMajor = (name: string, dims: (number | string)[]) => g.node('Transpose', [g.input(name, 'float32', dims)], 1, { perm: { ints: [1, 0, 2] } })[0];
  const encOut = net.enc.hiddenSize * net.enc.directions;
  const values = batchMajor('values', ['source', 'batch', encOut]); // [B, S, E]
  const keys = batchMajor('keys', ['source', 'batch', net.attn.w_a ? net.attn.w_a.outFeatures : encOut]); // [B, S, K]
  const lengths = g.input('src_lengths', 'int32', ['batch']);
  // scores [B, S]: dot / general ⟨q, k_s⟩; additive vᵀ tanh(w_q q + k_s)
  let scores: string;
  if (net.attn.kind === 'additive') {
    const q = g.node('Unsqueeze', [linear(g, net.attn.w_q!, query, 'attn.w_q'), int64s(g, 'axes', [1])])[0];
    const summed = g.node('Tanh', [g.node('Add', [keys, q])[0]])[0];
    scores = g.node('Squeeze', [linear(g, net.attn.v!, summed, 'attn.v'), int64s(g, 'axes', [2])])[0];
  } else {
    scores = g.node('Squeeze', [g.node('MatMul', [keys, g.node('Unsqueeze', [query, int64s(g, 'axes', [2])])[0]])[0], int64s(g, 'axes', [2])])[0];
  }
  // positions past a row's source length get no weight
  const S = g.node('Gather', [g.node('Shape', [keys])[0], g.initializer('one', onnxTensor('int64', [], [1]))], 1, { axis: { int: 0 } })[0];
  const positions = g.node('Range', [g.initializer('zero', onnxTensor('int64', [], [0])), S, g.initializer('step', onnxTensor('int64', [], [1]))])[0];
  const limit = g.node('Unsqueeze', [g.node('Cast', [lengths], 1, { to: { int: ONNX_INT64 } })[0], int64s(g, 'axes', [1])])[0];
  const real = g.node('Less', [g.node('Unsqueeze', [positions, int64s(g, 'axes', [0])])[0], limit])[0];
  const masked = g.node('Where', [real, scores, g.initializer('minus_infinity', onnxTensor('float32', [], [-Infinity]))])[0];
  const weights = g.node('Softmax', [masked], 1, { axis: { int: 1 } })[0];
  const context = g.node('Squeeze', [g.node('MatMul', [g.node('Unsqueeze', [weights, int64s(g, 'axes', [1])])[0], values])[0], int64s(g, 'axes', [1])])[0];
  // logits = out(tanh(w_c [context; h]))
  const features = g.node('Concat', [context, query], 1, { axis: { int: 1 } })[0];
  g.output(linear(g, net.out, g.node('Tanh', [linear(g, net.w_c, features, 'w_c')])[0], 'out'), 'logits', 'float32', ['batch', c.targetVocabSize]);
  g.output(r.h, 'h_next', 'float32', stateDims);
  if (r.c) g.output(r.c, 'c_next', 'float32', stateDims);
  g.output(weights, 'attention', 'float32', ['batch', 'source']);
}

interface GraphWriter {
  /** The graphs this kind exports as; the first is the default. */
  graphs: readonly string[];
  write(g: GraphBuilder, model: CheckpointModel, graph: string): void;
}

/** The ONNX graphs of each model kind: a new kind adds its entry (and its graph function above). */
export const ONNX_GRAPHS: Record<string, GraphWriter> = {
  charlm: { graphs: ['sequence', 'step'], write: (g, model, graph) => charLMGraph(g, model as CharLM, graph) },
  classifier: { graphs: ['sequence'], write: (g, model) => classifierGraph(g, (model as TextClassifier).module) },
  'word-classifier': { graphs: ['sequence'], write: (g, model) => classifierGraph(g, (model as WordClassifier).module) },
  tagger: { graphs: ['sequence'], write: (g, model) => taggerGraph(g, (model as TextTagger).module) },
  seq2seq: { graphs: ['encoder', 'decoder_step'], write: (g, model, graph) => seq2seqGraph(g, model as Translator, graph) },
};

/**
 * A model (any kind in ONNX_GRAPHS) as an ONNX model: the bytes of a .onnx file. Its description
 * (vocabulary, configuration) travels in the model's metadata under "rnnkit" as JSON
 * { kind, graph, ...describe() }.
 */
export function exportOnnx(model: CheckpointModel, options: OnnxExportOptions = {}): Uint8Array {
  const writer = ONNX_GRAPHS[model.kind];
  if (!writer) throw new ValueError('model', `a model of a kind ONNX export knows (${Object.keys(ONNX_GRAPHS).join(', ')})`, `a ${model.kind} model`);
  const graph = options.graph ?? writer.graphs[0];
  if (!writer.graphs.includes(graph)) throw new ValueError('graph', `one of ${writer.graphs.join(', ')} for a ${model.kind} model`, JSON.stringify(graph));
  const opset = checkOpset(options);
  const g = new GraphBuilder(`rnnkit_${model.kind}_${graph}`);
  writer.write(g, model, graph);
  return g.build({
    opset,
    docString: `rnnkit ${model.kind} model, ${graph} graph`,
    metadata: { rnnkit: JSON.stringify({ kind: model.kind, graph, ...model.describe() }) },
  });
}
