/**
 * loadOnnx: reads an ONNX model and runs its graph on an rnnkit backend. Everything that could stop
 * a run — an operator or attribute rnnkit does not support, a node whose inputs come from nowhere,
 * an initializer of an unsupported type — is found when the model loads, as a one-line
 * ModelFormatError naming it.
 */
import type { Backend } from '../../backend/backend.ts';
import { getBackend } from '../../backend/registry.ts';
import { ModelFormatError, ValueError } from '../../errors.ts';
import { OnnxNode, type RunContext } from './node.ts';
import { Tensor } from '../../tensor/tensor.ts';
import { BASIC_OPERATORS, type Operator } from './operators.ts';
import { RECURRENT_OPERATORS } from './recurrent.ts';
import { decodeModel, elementType, dataTypeName, tensorFromProto, toInt, type ModelProto, type ValueInfoProto } from './proto.ts';
import { elementCount, type OnnxElementType, type OnnxTensor } from './tensor.ts';

const OPERATORS: Record<string, Operator> = { ...BASIC_OPERATORS, ...RECURRENT_OPERATORS };

/** The operators loadOnnx runs, by op_type. */
export const SUPPORTED_OPERATORS: readonly string[] = Object.keys(OPERATORS).sort();

/** The oldest default-domain opset rnnkit reads (the versions of the operators above it knows). */
const MIN_OPSET = 7;

export interface OnnxValueInfo {
  name: string;
  /** Element type, or the ONNX name of a type rnnkit does not run. */
  type: OnnxElementType | string;
  /** Dimensions: a size, a symbolic name ("batch") or null when unknown. */
  dims: (number | string | null)[];
}

export interface OnnxLoadOptions {
  /** Backend that runs the float math (default: the current backend). */
  backend?: Backend;
}

function valueInfo(v: ValueInfoProto): OnnxValueInfo {
  const t = v.type?.tensorType;
  const code = t?.elemType ?? 0;
  let type: string;
  try {
    type = elementType(code, v.name ?? '');
  } catch {
    type = dataTypeName(code);
  }
  const dims = t?.shape?.dim?.map((d) => (d.dimParam ? d.dimParam : d.dimValue !== undefined && d.dimValue !== null ? toInt(d.dimValue) : null)) ?? [];
  return { name: v.name ?? '', type, dims };
}

export class OnnxModel {
  /** The graph inputs a caller feeds (initializers excluded). */
  readonly inputs: readonly OnnxValueInfo[];
  readonly outputs: readonly OnnxValueInfo[];
  /** The model's default-domain opset version. */
  readonly opset: number;
  readonly producer: string;
  /** The model's metadata_props (rnnkit stores the vocabulary and model config there). */
  readonly metadata: Readonly<Record<string, string>>;
  private readonly nodes: OnnxNode[];
  private readonly initializers: Map<string, OnnxTensor>;
  private readonly backend: Backend | undefined;
  /** Values that are the same in every run: initializers and the outputs of Constant nodes. */
  private readonly constants = new Set<OnnxTensor>();
  /** What operators derived from constants, on `cacheBackend` (see RunContext.cached). */
  private readonly cache = new Map<object, unknown>();
  private cacheBackend: Backend | null = null;

  constructor(proto: ModelProto, options: OnnxLoadOptions = {}) {
    const graph = proto.graph!;
    const fail = (detail: string): never => {
      throw new ModelFormatError('ONNX model', detail);
    };
    const opsets = proto.opsetImport ?? [];
    const main = opsets.find((o) => !o.domain || o.domain === 'ai.onnx');
    this.opset = main ? toInt(main.version) : fail('imports no version of the default operator set');
    if (this.opset < MIN_OPSET) fail(`opset ${this.opset} is older than ${MIN_OPSET}, the oldest rnnkit reads`);
    this.producer = [proto.producerName, proto.producerVersion].filter(Boolean).join(' ');
    this.metadata = Object.fromEntries((proto.metadataProps ?? []).map((p) => [p.key ?? '', p.value ?? '']));
    this.backend = options.backend;
    if ((graph.sparseInitializer?.length ?? 0) > 0) fail('sparse initializers are not supported');
    this.initializers = new Map((graph.initializer ?? []).map((t, i) => {
      const name = t.name || `#${i}`;
      return [name, tensorFromProto(t, `initializer '${name}'`)];
    }));
    for (const t of this.initializers.values()) this.constants.add(t);
    this.inputs = (graph.input ?? []).filter((v) => !this.initializers.has(v.name ?? '')).map(valueInfo);
    this.outputs = (graph.output ?? []).map(valueInfo);

    // Every node known, its attributes supported, its inputs produced before it (a topological order).
    const known = new Set<string>(['', ...this.initializers.keys(), ...this.inputs.map((v) => v.name)]);
    this.nodes = (graph.node ?? []).map((p, i) => {
      const node = new OnnxNode(p, i);
      if (p.domain && p.domain !== 'ai.onnx') fail(`${node.label}: operator domain '${p.domain}' is not supported (only the default ONNX domain is)`);
      const op = OPERATORS[node.opType];
      if (!op) fail(`${node.label}: operator '${node.opType}' is not supported (rnnkit runs ${SUPPORTED_OPERATORS.join(', ')})`);
      const unknown = node.attributeNames().filter((a) => !op.attributes.includes(a));
      if (unknown.length > 0) throw node.error(`attribute${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} not supported`);
      op.check?.(node, this.opset);
      for (const input of node.inputs) if (!known.has(input)) throw node.error(`input '${input}' is not produced before this node`);
      for (const output of node.outputs) known.add(output);
      return node;
    });
    for (const out of this.outputs) if (!known.has(out.name)) fail(`graph output '${out.name}' is produced by no node`);
  }

  /**
   * Runs the graph. feeds: one tensor per graph input, by name (type and fixed dimensions checked);
   * returns every graph output by name (or only those named in `outputNames`).
   */
  run(feeds: Record<string, OnnxTensor>, outputNames: readonly string[] = this.outputs.map((o) => o.name)): Record<string, OnnxTensor> {
    const values = new Map<string, OnnxTensor>(this.initializers);
    for (const input of this.inputs) {
      const t = feeds[input.name];
      if (!t) throw new ValueError(`feeds["${input.name}"]`, `a ${input.type} tensor`, 'none');
      if (t.type !== input.type) throw new ValueError(`feeds["${input.name}"]`, `a ${input.type} tensor`, `a ${t.type} tensor`);
      const fits = t.dims.length === input.dims.length && input.dims.every((d, i) => typeof d !== 'number' || d === t.dims[i]);
      if (input.dims.length > 0 && !fits) {
        throw new ValueError(`feeds["${input.name}"]`, `dims [${input.dims.map((d) => d ?? '?').join(', ')}]`, `[${t.dims.join(', ')}]`);
      }
      if (t.data.length !== elementCount(t.dims)) throw new ValueError(`feeds["${input.name}"]`, `${elementCount(t.dims)} values`, `${t.data.length}`);
      values.set(input.name, t);
    }
    const unknown = Object.keys(feeds).filter((k) => !this.inputs.some((i) => i.name === k));
    if (unknown.length > 0) throw new ValueError('feeds', `only the graph inputs (${this.inputs.map((i) => i.name).join(', ')})`, unknown.join(', '));
    const backend = this.backend ?? getBackend();
    if (backend !== this.cacheBackend) {
      this.dispose();
      this.cacheBackend = backend;
    }
    const ctx: RunContext = {
      backend,
      opset: this.opset,
      isConstant: (t) => this.constants.has(t),
      cached: <T>(key: object, make: () => T): T => {
        if (!this.cache.has(key)) this.cache.set(key, make());
        return this.cache.get(key) as T;
      },
    };
    for (const node of this.nodes) {
      const args = node.inputs.map((name) => (name === '' ? null : values.get(name)!));
      const results = OPERATORS[node.opType].run(node, args, ctx);
      node.outputs.forEach((name, i) => {
        const r = results[i];
        if (name !== '' && r) values.set(name, r);
        if (r && node.opType === 'Constant') this.constants.add(r);
      });
    }
    return this.collect(values, outputNames);
  }

  /** Frees the backend storage kept from run to run (weights converted once); a later run converts them again. */
  dispose(): void {
    for (const value of this.cache.values()) visitTensors(value, (t) => t.dispose());
    this.cache.clear();
  }

  private collect(values: Map<string, OnnxTensor>, outputNames: readonly string[]): Record<string, OnnxTensor> {
    return Object.fromEntries(outputNames.map((name) => {
      const v = values.get(name);
      if (!v) throw new ValueError('outputNames', `names of graph values (${this.outputs.map((o) => o.name).join(', ')})`, JSON.stringify(name));
      return [name, v];
    }));
  }
}

/** Calls visit on every Tensor in a value (a tensor, or arrays and plain objects of them). */
function visitTensors(value: unknown, visit: (t: Tensor) => void, depth = 0): void {
  if (value instanceof Tensor) visit(value);
  else if (depth < 4 && value !== null && typeof value === 'object') for (const v of Object.values(value)) visitTensors(v, visit, depth + 1);
}

/** Reads an ONNX model (the bytes of a .onnx file); see OnnxModel.run. */
export function loadOnnx(bytes: Uint8Array | ArrayBuffer, options: OnnxLoadOptions = {}): OnnxModel {
  const data = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  return new OnnxModel(decodeModel(data), options);
}

