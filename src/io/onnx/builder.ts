/**
 * GraphBuilder: writes an ONNX model — graph inputs and outputs, initializers, nodes with typed
 * attributes — and serializes it with protobufjs. Names of initializers and intermediate values are
 * made unique with a counter.
 */
import { ValueError } from '../../errors.ts';
import { DATA_TYPES, encodeModel, tensorToProto, type AttributeProto, type NodeProto, type TensorProto, type ValueInfoProto } from './proto.ts';
import type { OnnxElementType, OnnxTensor } from './tensor.ts';

/** An attribute value with its ONNX type. */
export type AttributeValue =
  | { int: number } | { float: number } | { string: string }
  | { ints: readonly number[] } | { floats: readonly number[] } | { strings: readonly string[] } | { tensor: OnnxTensor };

const TYPE_CODES = { float: 1, int: 2, string: 3, tensor: 4, floats: 6, ints: 7, strings: 8 } as const;

function attribute(name: string, value: AttributeValue): AttributeProto {
  const encode = (s: string): Uint8Array => new TextEncoder().encode(s);
  if ('int' in value) return { name, type: TYPE_CODES.int, i: value.int };
  if ('float' in value) return { name, type: TYPE_CODES.float, f: value.float };
  if ('string' in value) return { name, type: TYPE_CODES.string, s: encode(value.string) };
  if ('ints' in value) return { name, type: TYPE_CODES.ints, ints: [...value.ints] };
  if ('floats' in value) return { name, type: TYPE_CODES.floats, floats: [...value.floats] };
  if ('strings' in value) return { name, type: TYPE_CODES.strings, strings: value.strings.map(encode) };
  return { name, type: TYPE_CODES.tensor, t: tensorToProto('', value.tensor) };
}

function valueInfo(name: string, type: OnnxElementType, dims: readonly (number | string)[]): ValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType: DATA_TYPES[type], shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  };
}

export interface ModelInfo {
  /** Version of the default ONNX operator set the graph uses. */
  opset: number;
  producerVersion?: string;
  docString?: string;
  /** Key/value strings stored in the model (ModelProto.metadata_props). */
  metadata?: Record<string, string>;
}

export class GraphBuilder {
  private readonly nodes: NodeProto[] = [];
  private readonly initializers: TensorProto[] = [];
  private readonly inputs: ValueInfoProto[] = [];
  private readonly outputs: ValueInfoProto[] = [];
  private readonly used = new Set<string>();

  constructor(readonly name: string) {}

  /** `base`, or base_1, base_2, … if taken. */
  private fresh(base: string): string {
    let name = base;
    for (let i = 1; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }

  input(name: string, type: OnnxElementType, dims: readonly (number | string)[]): string {
    if (this.used.has(name)) throw new ValueError('input name', 'a name not yet used in the graph', JSON.stringify(name));
    this.used.add(name);
    this.inputs.push(valueInfo(name, type, dims));
    return name;
  }

  /** Declares `value` (a name produced in the graph) as the graph output `name`, through Identity when renamed. */
  output(value: string, name: string, type: OnnxElementType, dims: readonly (number | string)[]): void {
    if (value !== name) {
      if (this.used.has(name)) throw new ValueError('output name', 'a name not yet used in the graph', JSON.stringify(name));
      this.used.add(name);
      this.nodes.push({ opType: 'Identity', name: this.fresh(`Identity_${name}`), input: [value], output: [name] });
    }
    this.outputs.push(valueInfo(name, type, dims));
  }

  /** A constant tensor stored in the model; returns its (unique) name. */
  initializer(base: string, t: OnnxTensor): string {
    const name = this.fresh(base);
    this.initializers.push(tensorToProto(name, t));
    return name;
  }

  /**
   * Adds a node; `outputs` gives the number of outputs (named after the node) or their names
   * ('' for an output not produced). Returns the output names.
   */
  node(opType: string, inputs: readonly string[], outputs: number | readonly string[] = 1, attributes: Record<string, AttributeValue> = {}): string[] {
    const name = this.fresh(opType);
    const out = typeof outputs === 'number' ? Array.from({ length: outputs }, (_, i) => this.fresh(`${name}_out${i}`)) : [...outputs];
    this.nodes.push({
      opType, name, input: [...inputs], output: out,
      attribute: Object.entries(attributes).map(([k, v]) => attribute(k, v)),
    });
    return out;
  }

  /** The serialized ModelProto (IR version 8). */
  build(info: ModelInfo): Uint8Array {
    return encodeModel({
      irVersion: 8,
      producerName: 'rnnkit',
      producerVersion: info.producerVersion ?? '',
      docString: info.docString ?? '',
      opsetImport: [{ domain: '', version: info.opset }],
      metadataProps: Object.entries(info.metadata ?? {}).map(([key, value]) => ({ key, value })),
      graph: { name: this.name, node: this.nodes, initializer: this.initializers, input: this.inputs, output: this.outputs },
    });
  }
}
