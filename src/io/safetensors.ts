/**
 * The safetensors format (what `safetensors.torch.load_file` reads): an 8-byte little-endian header
 * length, a JSON header {name: {dtype, shape, data_offsets}}, then the raw little-endian data.
 * Portable: bytes in, bytes out; reading checks every size before touching data.
 */
import { CheckpointError } from '../errors.ts';

export interface NamedArray {
  shape: number[];
  data: Float32Array | Int32Array;
}

const DTYPES = { F32: Float32Array, I32: Int32Array } as const;
type DTypeName = keyof typeof DTYPES;

export function encodeSafetensors(tensors: Record<string, NamedArray>, metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    const bytes = t.data.length * 4;
    header[name] = { dtype: t.data instanceof Int32Array ? 'I32' : 'F32', shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((json.length + 8) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const t of Object.values(tensors)) {
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.length * 4);
    out.set(bytes, at);
    at += bytes.length;
  }
  return out;
}

export function decodeSafetensors(bytes: Uint8Array, source = 'safetensors file'): { tensors: Record<string, NamedArray>; metadata: Record<string, string> } {
  const fail = (why: string): never => {
    throw new CheckpointError(`${source} is corrupt or truncated (${why}): re-save it or point to another checkpoint`);
  };
  if (bytes.length < 8) fail(`${bytes.length} bytes, less than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > bytes.length - 8) fail(`header of ${headerLength} bytes in a file of ${bytes.length}`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength)));
  } catch {
    return fail('its header is not JSON');
  }
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  const tensors: Record<string, NamedArray> = {};
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = entry as Record<string, string>;
      continue;
    }
    const { dtype, shape, data_offsets: offsets } = entry as { dtype: string; shape: number[]; data_offsets: [number, number] };
    if (!(dtype in DTYPES)) fail(`tensor "${name}" has dtype ${dtype}; only F32 and I32 are read`);
    if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) fail(`tensor "${name}" has shape ${JSON.stringify(shape)}`);
    const count = shape.reduce((a, b) => a * b, 1);
    if (!Array.isArray(offsets) || offsets[1] - offsets[0] !== count * 4 || offsets[0] < 0 || offsets[1] > dataLength) {
      fail(`tensor "${name}" needs bytes ${JSON.stringify(offsets)} of ${dataLength}`);
    }
    const copy = new Uint8Array(bytes.subarray(dataStart + offsets[0], dataStart + offsets[1]));
    tensors[name] = { shape, data: new DTYPES[dtype as DTypeName](copy.buffer, 0, count) };
  }
  return { tensors, metadata };
}
