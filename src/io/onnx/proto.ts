/**
 * ONNX protobuf messages, read and written with protobufjs from the official onnx.proto (its JSON
 * descriptor in onnx-proto.generated.ts), and the conversion between TensorProto and OnnxTensor.
 * Only the fields rnnkit uses are typed below; protobufjs keeps the rest.
 */
import protobuf from 'protobufjs/light.js';
import { ModelFormatError } from '../../errors.ts';
import { ONNX_PROTO } from './onnx-proto.generated.ts';
import { elementCount, type OnnxElementType, type OnnxTensor } from './tensor.ts';

type Int = number | { toNumber(): number };

export interface TensorProto {
  dims?: Int[];
  dataType?: number;
  floatData?: number[];
  int32Data?: number[];
  int64Data?: Int[];
  doubleData?: number[];
  name?: string;
  rawData?: Uint8Array;
  dataLocation?: number;
}

export interface AttributeProto {
  name: string;
  type?: number;
  f?: number;
  i?: Int;
  s?: Uint8Array;
  t?: TensorProto;
  floats?: number[];
  ints?: Int[];
  strings?: Uint8Array[];
  refAttrName?: string;
}

export interface NodeProto {
  input?: string[];
  output?: string[];
  name?: string;
  opType?: string;
  domain?: string;
  attribute?: AttributeProto[];
}

export interface ValueInfoProto {
  name?: string;
  type?: { tensorType?: { elemType?: number; shape?: { dim?: { dimValue?: Int; dimParam?: string }[] } } };
}

export interface GraphProto {
  node?: NodeProto[];
  name?: string;
  initializer?: TensorProto[];
  sparseInitializer?: unknown[];
  input?: ValueInfoProto[];
  output?: ValueInfoProto[];
  valueInfo?: ValueInfoProto[];
}

export interface ModelProto {
  irVersion?: Int;
  opsetImport?: { domain?: string; version?: Int }[];
  producerName?: string;
  producerVersion?: string;
  docString?: string;
  metadataProps?: { key?: string; value?: string }[];
  graph?: GraphProto;
  functions?: unknown[];
}

const root = protobuf.Root.fromJSON(ONNX_PROTO);
const ModelType = root.lookupType('onnx.ModelProto');
const TensorType = root.lookupType('onnx.TensorProto');

/** TensorProto.DataType codes of the element types rnnkit runs (others are named in errors). */
export const DATA_TYPES: Record<OnnxElementType, number> = { float32: 1, int32: 6, int64: 7, bool: 9 };
const TYPE_NAMES = root.lookupEnum('onnx.TensorProto.DataType').valuesById;
export const ATTRIBUTE_TYPES = root.lookupEnum('onnx.AttributeProto.AttributeType').values;

export function toInt(v: Int | undefined | null): number {
  if (v === undefined || v === null) return 0;
  const n = typeof v === 'number' ? v : v.toNumber();
  return Math.max(-(2 ** 53), Math.min(2 ** 53, n));
}

export function dataTypeName(code: number): string {
  return TYPE_NAMES[code] ?? `data type ${code}`;
}

export function elementType(code: number, what: string): OnnxElementType {
  const type = (Object.keys(DATA_TYPES) as OnnxElementType[]).find((k) => DATA_TYPES[k] === code);
  if (!type) throw new ModelFormatError('ONNX model', `${what} has element type ${dataTypeName(code)}; rnnkit runs FLOAT, INT64, INT32 and BOOL`);
  return type;
}

function decode<T>(type: protobuf.Type, bytes: Uint8Array, what: string): T {
  try {
    return type.decode(bytes) as unknown as T;
  } catch (e) {
    throw new ModelFormatError('ONNX model', `${what} is truncated or not ONNX protobuf (${(e as Error).message})`);
  }
}

/** Decodes a serialized ModelProto; a file of another kind or a cut-off one is a ModelFormatError. */
export function decodeModel(bytes: Uint8Array, source = 'the file'): ModelProto {
  const model = decode<ModelProto>(ModelType, bytes, source);
  if (toInt(model.irVersion) < 3 || !model.graph || !(model.opsetImport?.length)) {
    throw new ModelFormatError('ONNX model', `${source} is not an ONNX model (no IR version ≥ 3, graph and opset import)`);
  }
  return model;
}

export function encodeModel(model: ModelProto): Uint8Array {
  return ModelType.encode(ModelType.fromObject(model)).finish();
}

/** Decodes a serialized TensorProto (an ONNX test's input_*.pb / output_*.pb). */
export function decodeTensorFile(bytes: Uint8Array, source: string): { name: string; tensor: OnnxTensor } {
  const proto = decode<TensorProto>(TensorType, bytes, source);
  return { name: proto.name ?? '', tensor: tensorFromProto(proto, source) };
}

export function encodeTensorFile(name: string, t: OnnxTensor): Uint8Array {
  return TensorType.encode(TensorType.fromObject(tensorToProto(name, t))).finish();
}

/** The values of a TensorProto (raw little-endian bytes or the typed repeated fields). */
export function tensorFromProto(p: TensorProto, what: string): OnnxTensor {
  if (p.dataLocation === 1) throw new ModelFormatError('ONNX model', `${what} keeps its data in an external file, which rnnkit does not read`);
  const type = elementType(p.dataType ?? 0, what);
  const dims = (p.dims ?? []).map(toInt);
  const n = elementCount(dims);
  const raw = p.rawData && p.rawData.length > 0 ? p.rawData : null;
  const width = type === 'int64' ? 8 : type === 'bool' ? 1 : 4;
  const fields = { float32: p.floatData, int32: p.int32Data, bool: p.int32Data, int64: p.int64Data };
  const count = raw ? raw.length / width : (fields[type]?.length ?? 0);
  if (count !== n) {
    throw new ModelFormatError('ONNX model', `${what} has ${count} values for dims [${dims.join(', ')}] (${n} expected): the file is corrupt`);
  }
  const data = type === 'float32' ? new Float32Array(n) : type === 'int64' ? new Float64Array(n) : type === 'int32' ? new Int32Array(n) : new Uint8Array(n);
  if (raw) {
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    for (let i = 0; i < n; i++) {
      data[i] = type === 'float32' ? view.getFloat32(4 * i, true)
        : type === 'int64' ? toInt(Number(view.getBigInt64(8 * i, true)))
        : type === 'int32' ? view.getInt32(4 * i, true) : view.getUint8(i);
    }
  } else {
    const values = fields[type] as Int[];
    for (let i = 0; i < n; i++) data[i] = type === 'float32' ? (values[i] as number) : toInt(values[i]);
  }
  return { type, dims, data };
}

/** A TensorProto with raw little-endian data. */
export function tensorToProto(name: string, t: OnnxTensor): TensorProto {
  const n = t.data.length;
  const width = t.type === 'int64' ? 8 : t.type === 'bool' ? 1 : 4;
  const raw = new Uint8Array(n * width);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < n; i++) {
    if (t.type === 'float32') view.setFloat32(4 * i, t.data[i], true);
    else if (t.type === 'int64') view.setBigInt64(8 * i, BigInt(t.data[i]), true);
    else if (t.type === 'int32') view.setInt32(4 * i, t.data[i], true);
    else view.setUint8(i, t.data[i]);
  }
  return { name, dims: [...t.dims], dataType: DATA_TYPES[t.type], rawData: raw };
}
