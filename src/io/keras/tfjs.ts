/**
 * TensorFlow.js / Keras import: a layers-format `model.json` (the modelTopology that
 * `model.save()` and tensorflowjs_converter write) plus its weight data becomes a KerasModel — an
 * rnnkit Module whose forward gives the outputs TensorFlow.js gives, and whose parameters carry
 * rnnkit's (PyTorch's) layouts, so it can be trained further or exported.
 *
 * Layers: InputLayer, Embedding, SimpleRNN, LSTM, GRU (reset_after true and false), Bidirectional
 * (merge concat, sum, mul, ave), Dense, TimeDistributed(Dense), Dropout, Activation, in a Sequential
 * model or a functional one that is a chain. Weight conversion: Keras kernels [in, gates·units] are
 * transposed to [gates·units, in]; LSTM gates i, f, c, o keep their order; GRU gates z, r, h become
 * r, z, n; Keras' single bias goes to bias_ih (bias_hh = 0), reset_after's [2, 3·units] to both.
 */
import { Tensor, tensor } from '../../tensor/tensor.ts';
import type { Backend } from '../../backend/backend.ts';
import { getBackend } from '../../backend/registry.ts';
import { ModelFormatError, ShapeError, formatShape } from '../../errors.ts';
import { add, mul, reshape, scale } from '../../ops/basic.ts';
import { concat, slice, split } from '../../ops/shape.ts';
import { softmax } from '../../ops/softmax.ts';
import { activate, type Activation, type ActivationName } from '../../ops/activations.ts';
import { Module } from '../../nn/module.ts';
import { Embedding, Linear } from '../../nn/layers.ts';
import { GRU, LSTM, RNN, type RecurrentLayer } from '../../nn/rnn.ts';

const FORMAT = 'TensorFlow.js model';

function fail(detail: string): never {
  throw new ModelFormatError(FORMAT, detail);
}

/** The parts of model.json rnnkit reads. */
export interface TfjsModelJson {
  modelTopology?: KerasTopology | { model_config?: KerasTopology };
  weightsManifest?: { paths: string[]; weights: WeightSpec[] }[];
  format?: string;
}

interface KerasTopology {
  class_name: string;
  config: { name?: string; layers: KerasLayer[] } | KerasLayer[];
  keras_version?: string;
}

interface KerasLayer {
  class_name: string;
  name?: string;
  config: Record<string, unknown> & { name?: string };
  inbound_nodes?: unknown[];
}

export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: unknown;
}

// ---- weights ------------------------------------------------------------------------------------

/** The manifest's weights read from the concatenation of its shard files, in manifest order. */
function readWeights(manifest: NonNullable<TfjsModelJson['weightsManifest']>, data: Uint8Array): Map<string, { shape: number[]; values: Float32Array }> {
  const out = new Map<string, { shape: number[]; values: Float32Array }>();
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let offset = 0;
  for (const spec of manifest.flatMap((group) => group.weights)) {
    if (spec.quantization) fail(`weight '${spec.name}' is quantized, which rnnkit does not read`);
    if (spec.dtype !== 'float32') fail(`weight '${spec.name}' has dtype ${spec.dtype}; rnnkit reads float32 weights`);
    const n = spec.shape.reduce((a, b) => a * b, 1);
    if (offset + 4 * n > data.byteLength) fail(`the weight files hold ${data.byteLength} bytes, fewer than the manifest lists (truncated?)`);
    const values = new Float32Array(n);
    for (let i = 0; i < n; i++) values[i] = view.getFloat32(offset + 4 * i, true);
    out.set(spec.name, { shape: spec.shape, values });
    offset += 4 * n;
  }
  if (offset !== data.byteLength) fail(`the weight files hold ${data.byteLength} bytes, the manifest lists ${offset}`);
  return out;
}

class Weights {
  constructor(private readonly all: Map<string, { shape: number[]; values: Float32Array }>) {}

  /** The weight named `${prefix}…/${suffix}` (Keras may put a cell name in between). */
  get(prefix: string, suffix: string, shape: number[]): Float32Array {
    const names = [...this.all.keys()].filter((n) => n.startsWith(`${prefix}/`) && n.endsWith(`/${suffix}`));
    if (names.length !== 1) fail(`${names.length === 0 ? 'no' : 'more than one'} weight ${prefix}/…/${suffix} in the manifest`);
    const w = this.all.get(names[0])!;
    if (w.shape.join() !== shape.join()) fail(`weight ${names[0]} has shape ${formatShape(w.shape)}, expected ${formatShape(shape)}`);
    return w.values;
  }
}

/** [rows, cols] → its transpose, with the column blocks of width `block` permuted by `order` first. */
function transposeBlocks(values: Float32Array, rows: number, cols: number, order: readonly number[]): Float32Array {
  const block = cols / order.length;
  const out = new Float32Array(rows * cols);
  order.forEach((from, k) => {
    for (let j = 0; j < block; j++) for (let i = 0; i < rows; i++) out[(k * block + j) * rows + i] = values[i * cols + from * block + j];
  });
  return out;
}

function setParameter(p: Tensor, values: Float32Array): void {
  p.f32.set(values);
}

// ---- activations --------------------------------------------------------------------------------

const KERAS_ACTIVATIONS: Record<string, ActivationName> = {
  linear: 'linear', sigmoid: 'sigmoid', tanh: 'tanh', relu: 'relu', relu6: 'relu6', elu: 'elu', selu: 'selu',
  softplus: 'softplus', softsign: 'softsign', swish: 'swish', silu: 'swish', hard_sigmoid: 'hardSigmoid', hardsigmoid: 'hardSigmoid',
};

/** A Keras activation name (snake or camel case); Keras 3's hard_sigmoid is relu6(x + 3) / 6. */
function activation(name: unknown, where: string, kerasMajor: number): Activation {
  const key = String(name ?? 'linear').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
  const mapped = KERAS_ACTIVATIONS[key];
  if (!mapped) fail(`${where}: activation '${String(name)}' is not supported (rnnkit runs ${Object.keys(KERAS_ACTIVATIONS).join(', ')}, and softmax on Dense)`);
  return mapped === 'hardSigmoid' && kerasMajor >= 3 ? { name: mapped, alpha: 1 / 6, beta: 0.5 } : { name: mapped };
}

// ---- layers -------------------------------------------------------------------------------------

/** One imported layer: its module (parameters) and how it maps an input to an output. */
interface ImportedLayer {
  name: string;
  module: Module | null;
  apply(x: Tensor): Tensor;
  /** Feature size of the output's last axis. */
  outFeatures: number;
}

interface LayerContext {
  weights: Weights;
  backend: Backend;
  kerasMajor: number;
  /** Feature size of the input's last axis (null before an Embedding: integer ids). */
  inFeatures: number | null;
}

const bool = (v: unknown, fallback = false): boolean => (v === undefined || v === null ? fallback : Boolean(v));

/** Refuses a layer whose boolean option `key` is set. */
function refuse(layer: KerasLayer, name: string, key: string): void {
  if (bool(layer.config[key])) fail(`layer '${name}' (${layer.class_name}): ${key} = true is not supported`);
}

/** x [B, T] → [B, T, E] after time reversal (go_backwards) along axis 1. */
function reverseTime(x: Tensor): Tensor {
  const T = x.shape[1];
  return concat(Array.from({ length: T }, (_, t) => slice(x, 1, T - 1 - t, T - t)), 1);
}

type RecurrentKind = 'SimpleRNN' | 'LSTM' | 'GRU';
const GATE_ORDER: Record<RecurrentKind, number[]> = { SimpleRNN: [0], LSTM: [0, 1, 2, 3], GRU: [1, 0, 2] };

/** A SimpleRNN / LSTM / GRU (or a Bidirectional one) as an rnnkit RecurrentLayer with batchFirst. */
function recurrent(layer: KerasLayer, name: string, ctx: LayerContext, merge: string | null): ImportedLayer {
  const kind = layer.class_name as RecurrentKind;
  const c = layer.config;
  refuse(layer, name, 'return_state');
  const H = Number(c.units);
  const I = ctx.inFeatures ?? fail(`layer '${name}' (${kind}) needs a float input; put an Embedding before it`);
  const where = `layer '${name}' (${kind})`;
  const act = activation(c.activation ?? 'tanh', where, ctx.kerasMajor);
  const gate = kind === 'SimpleRNN' ? null : activation(c.recurrent_activation ?? 'hard_sigmoid', where, ctx.kerasMajor);
  const activations = kind === 'SimpleRNN' ? [act] : kind === 'GRU' ? [gate!, act] : [gate!, act, act];
  const resetAfter = kind === 'GRU' && bool(c.reset_after);
  const useBias = bool(c.use_bias, true);
  const bidirectional = merge !== null;
  const options = {
    inputSize: I, hiddenSize: H, batchFirst: true, bidirectional, bias: useBias, backend: ctx.backend, activations,
  };
  const rnn: RecurrentLayer = kind === 'LSTM' ? new LSTM(options) : kind === 'GRU' ? new GRU({ ...options, resetBefore: !resetAfter }) : new RNN(options);
  const G = GATE_ORDER[kind].length;
  const prefixes = bidirectional ? [`${name}/forward_`, `${name}/backward_`] : [name];
  prefixes.forEach((prefix, d) => {
    const w = rnn.layerWeights(d);
    // Keras names them `${prefix}${inner}/…`: the prefix of a Bidirectional's sublayer is followed by the inner name.
    const find = (suffix: string, shape: number[]): Float32Array => ctx.weights.get(bidirectional ? prefix + String(c.name ?? '') : prefix, suffix, shape);
    setParameter(w.weightIh, transposeBlocks(find('kernel', [I, G * H]), I, G * H, GATE_ORDER[kind]));
    setParameter(w.weightHh, transposeBlocks(find('recurrent_kernel', [H, G * H]), H, G * H, GATE_ORDER[kind]));
    if (useBias) {
      const bias = find('bias', resetAfter ? [2, G * H] : [G * H]);
      setParameter(w.biasIh!, transposeBlocks(bias.subarray(0, G * H), 1, G * H, GATE_ORDER[kind]));
      w.biasHh!.f32.set(resetAfter ? transposeBlocks(bias.subarray(G * H), 1, G * H, GATE_ORDER[kind]) : new Float32Array(G * H));
    }
  });
  const sequences = bool(c.return_sequences);
  const backwards = bool(c.go_backwards);
  const combine = (parts: Tensor[]): Tensor => {
    if (parts.length === 1) return parts[0];
    if (merge === 'concat') return concat(parts, parts[0].rank - 1);
    if (merge === 'sum') return add(parts[0], parts[1]);
    if (merge === 'mul') return mul(parts[0], parts[1]);
    return scale(add(parts[0], parts[1]), 0.5);
  };
  return {
    name,
    module: rnn,
    outFeatures: merge === 'concat' ? 2 * H : H,
    apply(x) {
      const { output, hN } = rnn.forward(backwards ? reverseTime(x) : x);
      if (sequences) return combine(bidirectional ? split(output, 2, 2) : [output]);
      return combine(Array.from({ length: hN.shape[0] }, (_, d) => reshape(slice(hN, 0, d, d + 1), [hN.shape[1], H])));
    },
  };
}

function dense(layer: KerasLayer, name: string, ctx: LayerContext): ImportedLayer {
  const c = layer.config;
  const units = Number(c.units);
  const I = ctx.inFeatures ?? fail(`layer '${name}' (Dense) needs a float input`);
  const linear = new Linear(I, units, { bias: bool(c.use_bias, true), backend: ctx.backend });
  setParameter(linear.weight, transposeBlocks(ctx.weights.get(name, 'kernel', [I, units]), I, units, [0]));
  if (linear.bias) setParameter(linear.bias, ctx.weights.get(name, 'bias', [units]));
  const post = finalActivation(c.activation, `layer '${name}' (Dense)`, ctx.kerasMajor);
  return { name, module: linear, outFeatures: units, apply: (x) => post(linear.forward(x)) };
}

function finalActivation(name: unknown, where: string, kerasMajor: number): (x: Tensor) => Tensor {
  if (name === 'softmax') return softmax;
  const a = activation(name, where, kerasMajor);
  return (x) => activate(x, a);
}

function importLayer(layer: KerasLayer, ctx: LayerContext): ImportedLayer | null {
  const c = layer.config;
  const name = String(c.name ?? layer.name ?? layer.class_name);
  switch (layer.class_name) {
    case 'InputLayer':
      return null;
    case 'Dropout':
    case 'SpatialDropout1D':
      return { name, module: null, outFeatures: ctx.inFeatures ?? 0, apply: (x) => x };
    case 'Activation':
      return { name, module: null, outFeatures: ctx.inFeatures ?? 0, apply: finalActivation(c.activation, `layer '${name}' (Activation)`, ctx.kerasMajor) };
    case 'Embedding': {
      refuse(layer, name, 'mask_zero');
      const [V, E] = [Number(c.input_dim), Number(c.output_dim)];
      const emb = new Embedding(V, E, { backend: ctx.backend });
      setParameter(emb.weight, ctx.weights.get(name, 'embeddings', [V, E]));
      return { name, module: emb, outFeatures: E, apply: (ids) => emb.forward(ids) };
    }
    case 'SimpleRNN':
    case 'LSTM':
    case 'GRU':
      return recurrent(layer, name, ctx, null);
    case 'Bidirectional': {
      const inner = c.layer as KerasLayer;
      if (c.backward_layer) fail(`layer '${name}' (Bidirectional): a separate backward_layer is not supported`);
      const merge = c.merge_mode === undefined ? 'concat' : c.merge_mode;
      if (!['concat', 'sum', 'mul', 'ave'].includes(String(merge))) fail(`layer '${name}' (Bidirectional): merge_mode ${JSON.stringify(merge)} is not supported (concat, sum, mul, ave are)`);
      if (!['SimpleRNN', 'LSTM', 'GRU'].includes(inner?.class_name)) fail(`layer '${name}' (Bidirectional) wraps '${inner?.class_name}'; rnnkit wraps SimpleRNN, LSTM, GRU`);
      return recurrent(inner, name, ctx, String(merge));
    }
    case 'Dense':
      return dense(layer, name, ctx);
    case 'TimeDistributed': {
      const inner = c.layer as KerasLayer;
      if (inner?.class_name !== 'Dense') fail(`layer '${name}' (TimeDistributed) wraps '${inner?.class_name}'; rnnkit wraps Dense`);
      return dense({ ...inner, config: { ...inner.config, name } }, name, ctx);
    }
    default:
      return fail(`layer '${name}' has class ${layer.class_name}, which rnnkit does not import (it imports InputLayer, Embedding, SimpleRNN, LSTM, GRU, Bidirectional, Dense, TimeDistributed, Dropout, Activation)`);
  }
}

/** The layers of a Sequential model, or of a functional model that is a chain (each layer fed by the one before). */
function layerList(topology: KerasTopology): KerasLayer[] {
  const config = topology.config;
  const layers = Array.isArray(config) ? config : config?.layers;
  if (!Array.isArray(layers)) fail('modelTopology has no layers');
  if (topology.class_name === 'Sequential') return layers;
  if (topology.class_name !== 'Model' && topology.class_name !== 'Functional') fail(`model class ${topology.class_name} is not supported (Sequential, or a functional Model that is a chain)`);
  layers.forEach((layer, i) => {
    const inbound = JSON.stringify(layer.inbound_nodes ?? []);
    const previous = i > 0 ? String(layers[i - 1].name ?? layers[i - 1].config.name) : null;
    if (previous === null ? inbound !== '[]' : !inbound.includes(`"${previous}"`) || (layer.inbound_nodes as unknown[][]).flat().length !== 1) {
      fail(`functional model: layer '${layer.name ?? layer.config.name}' is not fed by the layer before it alone; rnnkit imports chains`);
    }
  });
  return layers;
}

/** An imported TensorFlow.js / Keras model: forward(x) gives what the original model's predict(x) gives. */
export class KerasModel extends Module {
  private readonly layers: ImportedLayer[];

  constructor(layers: ImportedLayer[], readonly inputIsIds: boolean, readonly backend: Backend) {
    super();
    this.layers = layers;
    layers.forEach((l) => {
      if (l.module) this.submodule(l.name.replace(/[./]/g, '_'), l.module);
    });
  }

  /** The layer names, in order. */
  get layerNames(): string[] {
    return this.layers.map((l) => l.name);
  }

  /** x: int32 token ids [B, T] (a model starting with an Embedding) or float32 [B, T, features]. */
  forward(x: Tensor): Tensor {
    if (this.inputIsIds ? x.dtype !== 'int32' || x.rank !== 2 : x.dtype !== 'float32' || x.rank !== 3) {
      throw new ShapeError('x', this.inputIsIds ? 'int32 token ids [B, T]' : 'float32 [B, T, features]', `${x.dtype} ${formatShape(x.shape)}`);
    }
    return this.layers.reduce((y, l) => l.apply(y), x);
  }

  /** forward over nested arrays ([B][T] ids or [B][T][features]). */
  predict(x: number[][] | number[][][]): Tensor {
    return this.forward(tensor(x, undefined, { dtype: this.inputIsIds ? 'int32' : 'float32', backend: this.backend }));
  }
}

/**
 * Builds a KerasModel from a model.json (object or its text) and the bytes of its weight files,
 * concatenated in the order of the manifest's paths.
 */
export function loadTfjsModel(modelJson: TfjsModelJson | string, weightData: Uint8Array | ArrayBuffer, options: { backend?: Backend } = {}): KerasModel {
  let json: TfjsModelJson;
  try {
    json = typeof modelJson === 'string' ? JSON.parse(modelJson) : modelJson;
  } catch (e) {
    return fail(`model.json is not JSON (${(e as Error).message})`);
  }
  const topology0 = json?.modelTopology;
  const topology = (topology0 && 'model_config' in topology0 ? topology0.model_config : topology0) as KerasTopology | undefined;
  if (!topology?.class_name) fail('model.json has no modelTopology (is it a layers-format model? graph models are not supported)');
  if (!Array.isArray(json.weightsManifest)) fail('model.json has no weightsManifest');
  const data = weightData instanceof Uint8Array ? weightData : new Uint8Array(weightData);
  const weights = new Weights(readWeights(json.weightsManifest, data));
  const kerasMajor = /^\d+/.test(topology.keras_version ?? '') ? Number.parseInt(topology.keras_version!, 10) : 2;
  const layers = layerList(topology);
  const backend = options.backend ?? getBackend();
  const ctx: LayerContext = { weights, backend, kerasMajor, inFeatures: null };
  const first = layers.find((l) => l.class_name !== 'InputLayer');
  const inputIsIds = first?.class_name === 'Embedding';
  if (!inputIsIds) {
    const shape = (layers[0].config.batch_input_shape ?? layers[0].config.batch_shape) as (number | null)[] | undefined;
    ctx.inFeatures = shape?.[shape.length - 1] ?? fail('the first layer declares no batch_input_shape with a feature size');
  }
  const imported: ImportedLayer[] = [];
  for (const layer of layers) {
    const l = importLayer(layer, ctx);
    if (!l) continue;
    imported.push(l);
    ctx.inFeatures = l.outFeatures;
  }
  return new KerasModel(imported, inputIsIds, backend);
}
