/** Word-vector files on disk: streaming load with progress, atomic save. */
import { open, rename, rm } from 'node:fs/promises';
import { VectorsReader, encodeVectors, type VectorsFormat } from '../embeddings/formats.ts';
import type { WordVectors } from '../embeddings/word-vectors.ts';

/** Bytes read per chunk. */
const CHUNK_BYTES = 1 << 22;

export interface LoadVectorsOptions {
  /** Default: detected (header or not, text or binary). */
  format?: VectorsFormat;
  /** Called after every chunk with the bytes and words read so far. */
  onProgress?: (progress: { bytesRead: number; totalBytes: number; words: number }) => void;
}

/** Reads a word2vec (text or binary), GloVe or fastText .vec file in one streaming pass. */
export async function loadWordVectors(path: string, options: LoadVectorsOptions = {}): Promise<WordVectors> {
  const file = await open(path, 'r');
  try {
    const totalBytes = (await file.stat()).size;
    const reader = new VectorsReader({ format: options.format, source: path, totalBytes });
    const buffer = new Uint8Array(CHUNK_BYTES);
    for (;;) {
      const { bytesRead } = await file.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      reader.push(buffer.subarray(0, bytesRead));
      options.onProgress?.({ bytesRead: reader.bytesRead, totalBytes, words: reader.wordsRead });
    }
    return reader.finish();
  } finally {
    await file.close();
  }
}

/** Writes word2vec text (or binary) under a temporary name, then renames it into place. */
export async function saveWordVectors(path: string, vectors: WordVectors, options: { binary?: boolean } = {}): Promise<void> {
  const temporary = `${path}.tmp-${process.pid}`;
  const file = await open(temporary, 'w');
  try {
    for (const part of encodeVectors(vectors, options)) await file.write(part);
    await file.close();
    await rename(temporary, path);
  } catch (e) {
    await file.close().catch(() => {});
    await rm(temporary, { force: true });
    throw e;
  }
}
