/**
 * A graph node as the operators see it: its inputs, outputs and typed attribute readers. Reading an
 * attribute of the wrong type, or a required one that is missing, is a one-line ModelFormatError
 * naming the node.
 */
import type { Backend } from '../../backend/backend.ts';
import { ModelFormatError } from '../../errors.ts';
import { ATTRIBUTE_TYPES, tensorFromProto, toInt, type AttributeProto, type NodeProto } from './proto.ts';
import type { OnnxTensor } from './tensor.ts';

export interface RunContext {
  backend: Backend;
  /** The model's version of the default ONNX operator set. */
  opset: number;
  /** Whether a value is the same in every run (an initializer or a Constant's output). */
  isConstant(t: OnnxTensor): boolean;
  /**
   * What `make` builds from constant values, kept on the backend from run to run under `key` (a
   * constant tensor, or a node whose inputs are constants); freed by OnnxModel.dispose().
   */
  cached<T>(key: object, make: () => T): T;
}

export class OnnxNode {
  readonly opType: string;
  readonly name: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  private readonly attributes: Map<string, AttributeProto>;

  constructor(proto: NodeProto, index: number) {
    this.opType = proto.opType ?? '';
    this.name = proto.name || `#${index}`;
    this.inputs = proto.input ?? [];
    this.outputs = proto.output ?? [];
    this.attributes = new Map((proto.attribute ?? []).map((a) => [a.name, a]));
  }

  /** "LSTM node 'rnn/LSTM'" — how errors name this node. */
  get label(): string {
    return `${this.opType} node '${this.name}'`;
  }

  error(detail: string): ModelFormatError {
    return new ModelFormatError('ONNX model', `${this.label}: ${detail}`);
  }

  attributeNames(): string[] {
    return [...this.attributes.keys()];
  }

  has(name: string): boolean {
    return this.attributes.has(name);
  }

  private get(name: string, type: keyof typeof ATTRIBUTE_TYPES): AttributeProto | undefined {
    const a = this.attributes.get(name);
    if (a?.refAttrName) throw this.error(`attribute '${name}' refers to a function attribute, which rnnkit does not support`);
    if (a && a.type && a.type !== ATTRIBUTE_TYPES[type]) throw this.error(`attribute '${name}' must be of type ${type}`);
    return a;
  }

  int(name: string, fallback?: number): number {
    const a = this.get(name, 'INT');
    if (a) return toInt(a.i);
    if (fallback === undefined) throw this.error(`attribute '${name}' is required`);
    return fallback;
  }

  float(name: string, fallback?: number): number {
    const a = this.get(name, 'FLOAT');
    if (a) return a.f ?? 0;
    if (fallback === undefined) throw this.error(`attribute '${name}' is required`);
    return fallback;
  }

  string(name: string, fallback?: string): string {
    const a = this.get(name, 'STRING');
    if (a) return new TextDecoder().decode(a.s ?? new Uint8Array(0));
    if (fallback === undefined) throw this.error(`attribute '${name}' is required`);
    return fallback;
  }

  ints(name: string): number[] | null {
    const a = this.get(name, 'INTS');
    return a ? (a.ints ?? []).map(toInt) : null;
  }

  floats(name: string): number[] | null {
    const a = this.get(name, 'FLOATS');
    return a ? [...(a.floats ?? [])] : null;
  }

  strings(name: string): string[] | null {
    const a = this.get(name, 'STRINGS');
    return a ? (a.strings ?? []).map((s) => new TextDecoder().decode(s)) : null;
  }

  tensor(name: string): OnnxTensor | null {
    const a = this.get(name, 'TENSOR');
    return a?.t ? tensorFromProto(a.t, `attribute '${name}' of ${this.label}`) : null;
  }
}
