/**
 * ZIP archives for the playground: a checkpoint directory is downloaded as one .zip (entries
 * stored, CRC-32 checked by any unzip tool) and opened from one (stored or deflated entries,
 * as operating systems' "compress" tools write them).
 */

export interface ZipEntry {
  /** Path inside the archive, `/`-separated. */
  path: string;
  bytes: Uint8Array;
}

/** A file that is not a ZIP archive this reader can open. */
export class ZipError extends Error {
  override name = 'ZipError';
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (ISO 3309, as ZIP and PNG use it). */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const LOCAL_HEADER = 0x04034b50, CENTRAL_HEADER = 0x02014b50, END_OF_CENTRAL = 0x06054b50;
/** General-purpose flag bit 11: names are UTF-8. */
const UTF8_NAMES = 0x0800;

/** An archive of `entries`, each stored uncompressed (model weights barely compress). */
export function encodeZip(entries: readonly ZipEntry[]): Uint8Array {
  const encoder = new TextEncoder();
  const names = entries.map((e) => encoder.encode(e.path));
  const localSize = entries.reduce((n, e, i) => n + 30 + names[i].length + e.bytes.length, 0);
  const centralSize = names.reduce((n, name) => n + 46 + name.length, 0);
  const out = new Uint8Array(localSize + centralSize + 22);
  const view = new DataView(out.buffer);
  let at = 0;
  const offsets: number[] = [], crcs: number[] = [];
  entries.forEach((entry, i) => {
    offsets.push(at);
    crcs.push(crc32(entry.bytes));
    view.setUint32(at, LOCAL_HEADER, true);
    view.setUint16(at + 4, 20, true); // version needed: 2.0
    view.setUint16(at + 6, UTF8_NAMES, true);
    view.setUint16(at + 8, 0, true); // stored
    view.setUint32(at + 14, crcs[i], true);
    view.setUint32(at + 18, entry.bytes.length, true);
    view.setUint32(at + 22, entry.bytes.length, true);
    view.setUint16(at + 26, names[i].length, true);
    out.set(names[i], at + 30);
    out.set(entry.bytes, at + 30 + names[i].length);
    at += 30 + names[i].length + entry.bytes.length;
  });
  const centralStart = at;
  entries.forEach((entry, i) => {
    view.setUint32(at, CENTRAL_HEADER, true);
    view.setUint16(at + 4, 20, true); // made by: 2.0
    view.setUint16(at + 6, 20, true);
    view.setUint16(at + 8, UTF8_NAMES, true);
    view.setUint32(at + 16, crcs[i], true);
    view.setUint32(at + 20, entry.bytes.length, true);
    view.setUint32(at + 24, entry.bytes.length, true);
    view.setUint16(at + 28, names[i].length, true);
    view.setUint32(at + 42, offsets[i], true);
    out.set(names[i], at + 46);
    at += 46 + names[i].length;
  });
  view.setUint32(at, END_OF_CENTRAL, true);
  view.setUint16(at + 8, entries.length, true);
  view.setUint16(at + 10, entries.length, true);
  view.setUint32(at + 12, at - centralStart, true);
  view.setUint32(at + 16, centralStart, true);
  return out;
}

/** The files of an archive (directories skipped); deflated entries are inflated with DecompressionStream. */
export async function decodeZip(bytes: Uint8Array, source = 'the archive'): Promise<ZipEntry[]> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (why: string): never => {
    throw new ZipError(`${source} is not a ZIP archive rnnkit can open (${why})`);
  };
  let end = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 0xffff); i--) {
    if (view.getUint32(i, true) === END_OF_CENTRAL) {
      end = i;
      break;
    }
  }
  if (end < 0) fail('no end-of-archive record; it may be truncated');
  const count = view.getUint16(end + 10, true);
  let at = view.getUint32(end + 16, true);
  const decoder = new TextDecoder();
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (at + 46 > bytes.length || view.getUint32(at, true) !== CENTRAL_HEADER) fail(`entry ${i} of the directory is damaged`);
    const method = view.getUint16(at + 10, true), crc = view.getUint32(at + 16, true);
    const compressedSize = view.getUint32(at + 20, true), size = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true), extraLength = view.getUint16(at + 30, true), commentLength = view.getUint16(at + 32, true);
    const local = view.getUint32(at + 42, true);
    const path = decoder.decode(bytes.subarray(at + 46, at + 46 + nameLength));
    at += 46 + nameLength + extraLength + commentLength;
    if (path.endsWith('/')) continue;
    if (local + 30 > bytes.length || view.getUint32(local, true) !== LOCAL_HEADER) fail(`${path}: damaged entry`);
    const dataStart = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    if (dataStart + compressedSize > bytes.length) fail(`${path} is cut short`);
    const data = bytes.subarray(dataStart, dataStart + compressedSize);
    let content: Uint8Array;
    if (method === 0) content = data;
    else if (method === 8) content = await inflate(data).catch(() => fail(`${path}: damaged compressed data`));
    else content = fail(`${path} uses compression method ${method}; only stored and deflated entries are read`);
    if (content.length !== size || crc32(content) !== crc) fail(`${path}: checksum mismatch`);
    entries.push({ path, bytes: content });
  }
  return entries;
}

async function inflate(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
