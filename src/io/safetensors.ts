/**
 * The safetensors format (what `safetensors.torch.load_file` reads): an 8-byte little-endian header
 * length, a JSON header {name: {dtype, shape, data_offsets}}, then the raw little-endian data.
 * Portable: bytes in, bytes out; reading checks every size before touching data.
 */
import { CheckpointError, ShapeError, describeValue, formatShape } from '../errors.ts';

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
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) throw new ShapeError(`tensors["${name}"].shape`, `${t.data.length} elements (the length of its data)`, formatShape(t.shape));
    const bytes = t.data.length * 4;
    header[name] = { dtype: t.data instanceof Int32Array ? 'I32' : 'F32', shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  // Padded with spaces so that the data starts 8-byte aligned.
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerBytes = new Uint8Array(Math.ceil(json.length / 8) * 8).fill(0x20);
  headerBytes.set(json);
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

/** The safetensors spec's bound on the header, so that a hostile header length costs nothing. */
const MAX_HEADER_BYTES = 100_000_000;

export interface DecodedSafetensors {
  /** Tensors by name (an object without prototype, so that any name is just a key). */
  tensors: Record<string, NamedArray>;
  metadata: Record<string, string>;
}

/**
 * Reads a safetensors file. Everything is checked before any data is copied: the header is a JSON
 * object of entries {dtype: "F32" | "I32", shape: [integers ≥ 0], data_offsets: [begin, end]} whose
 * byte ranges tile the data section exactly (in any order; no overlap, no gap, nothing outside it),
 * and `__metadata__` maps strings to strings. Anything else is a CheckpointError naming `source`;
 * the memory taken is at most the file's size.
 */
export function decodeSafetensors(bytes: Uint8Array, source = 'safetensors file'): DecodedSafetensors {
  const fail = (why: string): never => {
    throw new CheckpointError(`${source} is corrupt or truncated (${why}): re-save it or point to another checkpoint`);
  };
  if (bytes.length < 8) fail(`${bytes.length} bytes, less than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const declared = view.getBigUint64(0, true);
  if (declared > BigInt(bytes.length - 8)) fail(`a header of ${declared} bytes in a file of ${bytes.length}`);
  const headerLength = Number(declared);
  if (headerLength > MAX_HEADER_BYTES) fail(`a header of ${headerLength} bytes, more than the format's ${MAX_HEADER_BYTES}`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength)));
  } catch {
    return fail('its header is not JSON');
  }
  if (!isObject(header)) return fail(`its header is ${describeValue(header)}, not a JSON object`);
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  const metadata: Record<string, string> = Object.create(null);
  const entries: { name: string; dtype: DTypeName; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (!isObject(entry) || Object.values(entry).some((v) => typeof v !== 'string')) {
        fail(`__metadata__ is ${describeValue(entry)}, not an object of strings`);
      }
      Object.assign(metadata, entry);
      continue;
    }
    const what = `tensor ${describeValue(name)}`;
    if (!isObject(entry)) return fail(`${what} is ${describeValue(entry)}, not an object with dtype, shape and data_offsets`);
    const { dtype, shape, data_offsets: offsets } = entry;
    if (typeof dtype !== 'string' || !Object.hasOwn(DTYPES, dtype)) fail(`${what} has dtype ${describeValue(dtype)}; only F32 and I32 are read`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      fail(`${what} has shape ${describeValue(shape)}, not a list of integers ≥ 0`);
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) || offsets[0] > offsets[1]) {
      fail(`${what} has data_offsets ${describeValue(offsets)}, not [begin, end] with integers 0 ≤ begin ≤ end`);
    }
    const [begin, end] = offsets as number[];
    const bytesNeeded = 4 * (shape as number[]).reduce((a, b) => a * b, 1);
    if (end - begin !== bytesNeeded) fail(`${what} of shape ${describeValue(shape)} needs ${bytesNeeded} bytes, its data_offsets ${describeValue(offsets)} hold ${end - begin}`);
    if (end > dataLength) fail(`${what} needs bytes ${describeValue(offsets)} of a data section of ${dataLength}`);
    entries.push({ name, dtype: dtype as DTypeName, shape: shape as number[], begin, end });
  }
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  for (const [i, e] of entries.entries()) {
    if (e.begin < covered) fail(`the bytes of tensors ${describeValue(entries[i - 1].name)} and ${describeValue(e.name)} overlap`);
    if (e.begin > covered) fail(`bytes [${covered}, ${e.begin}) of the data section belong to no tensor`);
    covered = e.end;
  }
  if (covered !== dataLength) fail(`bytes [${covered}, ${dataLength}) of the data section belong to no tensor`);

  const tensors: Record<string, NamedArray> = Object.create(null);
  for (const { name, dtype, shape, begin, end } of entries) {
    const copy = new Uint8Array(bytes.subarray(dataStart + begin, dataStart + end));
    tensors[name] = { shape, data: new DTYPES[dtype](copy.buffer, 0, (end - begin) / 4) };
  }
  return { tensors, metadata };
}

/** A JSON object: not null, not an array. */
function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
