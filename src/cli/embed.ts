/**
 * `rnnkit embed train|similar|analogy|eval|plot`: train word vectors, query them, evaluate them and
 * draw them. VECTORS is a run folder of `embed train`, a vectors file (word2vec text or binary,
 * GloVe, fastText .vec) or the name of a pretrained set (wink-100d).
 */
import type { ParseArgsConfig } from 'node:util';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { trainWord2Vec, WORD2VEC_DEFAULTS, type Word2VecProgress } from '../embeddings/word2vec.ts';
import type { WordVectors } from '../embeddings/word-vectors.ts';
import { pca2d, tsne2d } from '../embeddings/projection.ts';
import { plotHtml, plotSvg, type PlotPanel } from '../embeddings/plot.ts';
import { loadSentences } from '../node/word-corpora.ts';
import { openVectors, saveWordVectors, EVALUATION_FILES, RUN_VECTORS_FILE } from '../node/vectors.ts';
import { useBackend } from '../node/backends.ts';
import { ValueError } from '../errors.ts';
import { choiceOption, numberOption, UsageError } from './args.ts';
import type { OutputMode } from './progress.ts';

export const EMBED_OPTIONS: NonNullable<ParseArgsConfig['options']> = {
  data: { type: 'string', default: 'sotu' },
  out: { type: 'string' },
  mode: { type: 'string', default: WORD2VEC_DEFAULTS.mode },
  dim: { type: 'string', default: String(WORD2VEC_DEFAULTS.dim) },
  window: { type: 'string', default: String(WORD2VEC_DEFAULTS.window) },
  negative: { type: 'string', default: String(WORD2VEC_DEFAULTS.negative) },
  'min-count': { type: 'string', default: String(WORD2VEC_DEFAULTS.minCount) },
  sample: { type: 'string', default: String(WORD2VEC_DEFAULTS.sample) },
  alpha: { type: 'string', default: String(WORD2VEC_DEFAULTS.alpha) },
  'min-alpha': { type: 'string', default: String(WORD2VEC_DEFAULTS.minAlpha) },
  epochs: { type: 'string', default: String(WORD2VEC_DEFAULTS.epochs) },
  seed: { type: 'string', default: String(WORD2VEC_DEFAULTS.seed) },
  backend: { type: 'string' },
  threads: { type: 'string' },
  topn: { type: 'string' },
  method: { type: 'string' },
  analogies: { type: 'string' },
  pairs: { type: 'string' },
  'restrict-vocab': { type: 'string', default: '30000' },
  count: { type: 'string', default: '150' },
  json: { type: 'boolean', default: false },
  quiet: { type: 'boolean', default: false },
};

export const EMBED_HELP = `rnnkit embed <subcommand> …
  train [--data sotu|moby-dick|PATH] [--out RUN] [--mode skipgram|cbow] [--dim] [--window] [--negative]
        [--min-count] [--sample] [--alpha] [--min-alpha] [--epochs] [--seed] [--threads] [--json|--quiet]
  similar VECTORS WORD [--topn 10]
  analogy VECTORS A B C [--topn 5] [--method 3cosadd|3cosmul]      A is to B as C is to ?
  eval VECTORS [--analogies FILE] [--pairs FILE] [--restrict-vocab 30000] [--json]
  plot VECTORS [WORDS…] --out FILE.svg|FILE.html [--count 150] [--method pca|tsne|both] [--seed]
VECTORS: a run folder of "embed train", a word2vec (text or binary), GloVe or fastText .vec file, or wink-100d`;

type Values = Record<string, unknown>;

export async function embedCommand(values: Values, positionals: string[]): Promise<number> {
  const [sub, ...args] = positionals;
  const run = SUBCOMMANDS[sub as keyof typeof SUBCOMMANDS];
  if (!run) throw new UsageError(`embed: expected a subcommand (train, similar, analogy, eval, plot), got ${sub === undefined ? 'none' : JSON.stringify(sub)}`);
  return run(values, args);
}

const SUBCOMMANDS = { train, similar, analogy, eval: evaluate, plot };

/** openVectors with a progress line on a terminal (stderr) while a big file loads. */
export function openVectorsWithProgress(spec: string): Promise<WordVectors> {
  if (!process.stderr.isTTY) return openVectors(spec);
  let shown = false;
  return openVectors(spec, {
    onProgress: ({ bytesRead, totalBytes, words }) => {
      if (totalBytes < 50e6) return;
      shown = true;
      process.stderr.write(`\r\x1b[Kloading ${spec}: ${((100 * bytesRead) / totalBytes).toFixed(0)} % (${words.toLocaleString('en-US')} words)`);
    },
  }).finally(() => shown && process.stderr.write('\n'));
}

function outputMode(values: Values): OutputMode {
  return values.json ? 'json' : values.quiet ? 'quiet' : process.stdout.isTTY ? 'tty' : 'plain';
}

async function train(values: Values, args: string[]): Promise<number> {
  if (args.length > 0) throw new UsageError(`embed train takes no positional arguments, got ${args.join(' ')}`);
  const mode = outputMode(values);
  const data = values.data as string;
  const modeName = choiceOption(values, 'mode', ['skipgram', 'cbow'] as const)!;
  const out = (values.out as string | undefined) ?? join('runs', `${data.replace(/[^\w.-]+/g, '_')}-${modeName}`);
  const backend = await useBackend(values.backend as string | undefined, numberOption(values, 'threads', 'positive-int'));
  const sentences = await loadSentences(data);
  const options = {
    mode: modeName,
    dim: numberOption(values, 'dim', 'positive-int')!, window: numberOption(values, 'window', 'positive-int')!,
    negative: numberOption(values, 'negative', 'positive-int')!, minCount: numberOption(values, 'min-count', 'positive-int')!,
    sample: numberOption(values, 'sample', 'non-negative')!, alpha: numberOption(values, 'alpha', 'positive')!,
    minAlpha: numberOption(values, 'min-alpha', 'non-negative')!, epochs: numberOption(values, 'epochs', 'positive-int')!,
    seed: numberOption(values, 'seed', 'non-negative')!,
  };
  const say = (line: string) => mode !== 'json' && mode !== 'quiet' && process.stdout.write(line + '\n');
  say(`rnnkit embed: ${modeName} ${options.dim}-d, window ${options.window}, ${options.negative} negatives, ${options.epochs} epochs ` +
    `on ${data} (${sentences.length.toLocaleString('en-US')} sentences) with ${backend.name} × ${backend.threads} thread(s)`);
  let lastLine = 0;
  const onProgress = (p: Word2VecProgress) => {
    const now = performance.now();
    if (now - lastLine < (mode === 'tty' ? 200 : 5000) && p.words < p.totalWords) return;
    lastLine = now;
    const text = `epoch ${p.epoch}/${options.epochs}  ${(100 * p.words / p.totalWords).toFixed(1)} %  ${Math.round(p.wordsPerSecond).toLocaleString('en-US')} words/s`;
    if (mode === 'tty') process.stdout.write(`\r\x1b[K${text}`);
    else if (mode === 'plain') say(text);
    else if (mode === 'json') process.stdout.write(JSON.stringify({ event: 'progress', epoch: p.epoch, words: Math.round(p.words), words_per_s: p.wordsPerSecond }) + '\n');
  };
  const result = trainWord2Vec(sentences, { ...options, backend, onProgress });
  if (mode === 'tty') process.stdout.write('\n');
  await mkdir(out, { recursive: true });
  await saveWordVectors(join(out, RUN_VECTORS_FILE), result.vectors, { binary: true });
  const scores = await evaluationScores(result.vectors, {});
  const summary = {
    event: 'done', out, vectors: join(out, RUN_VECTORS_FILE), backend: backend.name, threads: backend.threads, ...options,
    corpus_words: result.corpusWords, vocab: result.vectors.size, seconds: result.seconds, words_per_s: result.wordsPerSecond, ...scores,
  };
  await writeFile(join(out, 'embed.json'), JSON.stringify(summary, null, 1) + '\n');
  if (mode === 'json') process.stdout.write(JSON.stringify(summary) + '\n');
  say(`${result.vectors.size.toLocaleString('en-US')} words, ${Math.round(result.wordsPerSecond).toLocaleString('en-US')} words/s; ${describeScores(scores)}. Vectors in ${summary.vectors}`);
  return 0;
}

interface Scores {
  analogy_accuracy: number;
  analogy_oov_pct: number;
  wordsim353_spearman: number | null;
  wordsim353_pearson: number | null;
  wordsim353_oov_pct: number;
}

async function evaluationScores(vectors: WordVectors, values: Values): Promise<Scores> {
  const restrictVocab = numberOption(values, 'restrict-vocab', 'positive-int') ?? 30000;
  const analogiesFile = (values.analogies as string | undefined) ?? EVALUATION_FILES.analogies;
  const pairsFile = (values.pairs as string | undefined) ?? EVALUATION_FILES.pairs;
  const analogies = vectors.evaluateAnalogies(await readFile(analogiesFile, 'utf8'), { restrictVocab, source: analogiesFile });
  const pairsText = await readFile(pairsFile, 'utf8');
  const pairs = noPairKnown(vectors, pairsText) ? null : vectors.evaluateWordPairs(pairsText, { source: pairsFile });
  return {
    analogy_accuracy: analogies.accuracy, analogy_oov_pct: analogies.oovRatio,
    wordsim353_spearman: pairs?.spearman ?? null, wordsim353_pearson: pairs?.pearson ?? null, wordsim353_oov_pct: pairs?.oovRatio ?? 100,
  };
}

/** Whether no word pair of the file has both words in the vocabulary (training on a toy corpus). */
function noPairKnown(vectors: WordVectors, text: string): boolean {
  const known = new Set(vectors.words.map((w) => w.toUpperCase()));
  return !text.split('\n').some((line) => {
    const [a, b] = line.split('\t');
    return !line.startsWith('#') && b !== undefined && known.has(a.toUpperCase()) && known.has(b.toUpperCase());
  });
}

function describeScores(s: Scores): string {
  const rho = s.wordsim353_spearman === null ? 'no word pair in the vocabulary' : `word-pair Spearman ρ ${s.wordsim353_spearman.toFixed(4)}`;
  return `analogy accuracy ${(100 * s.analogy_accuracy).toFixed(2)} % (${s.analogy_oov_pct.toFixed(1)} % of questions out of vocabulary), ` +
    `${rho} (${s.wordsim353_oov_pct.toFixed(1)} % of pairs out of vocabulary)`;
}

function requireArgs(args: string[], count: number, usage: string): void {
  if (args.length !== count) throw new UsageError(`usage: rnnkit embed ${usage}`);
}

function printRanking(results: { word: string; similarity: number }[]): void {
  for (const { word, similarity } of results) console.log(`${similarity.toFixed(4)}  ${word}`);
}

async function similar(values: Values, args: string[]): Promise<number> {
  requireArgs(args, 2, 'similar VECTORS WORD [--topn 10]');
  const vectors = await openVectorsWithProgress(args[0]);
  vectors.vector(args[1]); // names an unknown word
  printRanking(vectors.mostSimilar({ positive: [args[1]], topn: numberOption(values, 'topn', 'positive-int') ?? 10 }));
  return 0;
}

async function analogy(values: Values, args: string[]): Promise<number> {
  requireArgs(args, 4, 'analogy VECTORS A B C [--topn 5] [--method 3cosadd|3cosmul]');
  const [source, a, b, c] = args;
  const vectors = await openVectorsWithProgress(source);
  const method = choiceOption(values, 'method', ['3cosadd', '3cosmul'] as const);
  printRanking(vectors.mostSimilar({ positive: [b, c], negative: [a], topn: numberOption(values, 'topn', 'positive-int') ?? 5, method }));
  return 0;
}

async function evaluate(values: Values, args: string[]): Promise<number> {
  requireArgs(args, 1, 'eval VECTORS [--analogies FILE] [--pairs FILE] [--json]');
  await useBackend(values.backend as string | undefined, numberOption(values, 'threads', 'positive-int')); // the analogy products
  const vectors = await openVectorsWithProgress(args[0]);
  const scores = await evaluationScores(vectors, values);
  if (values.json) console.log(JSON.stringify({ vectors: args[0], words: vectors.size, dim: vectors.dim, ...scores }));
  else console.log(`${args[0]}: ${vectors.size.toLocaleString('en-US')} words × ${vectors.dim}; ${describeScores(scores)}`);
  return 0;
}

async function plot(values: Values, args: string[]): Promise<number> {
  if (args.length < 1) throw new UsageError('usage: rnnkit embed plot VECTORS [WORDS…] --out FILE.svg|FILE.html');
  const out = values.out as string | undefined;
  if (!out || !/\.(svg|html)$/.test(out)) throw new ValueError('--out', 'a file name ending in .svg or .html', JSON.stringify(out ?? null));
  const [source, ...requested] = args;
  const vectors = await openVectorsWithProgress(source);
  const count = numberOption(values, 'count', 'positive-int')!;
  const words = requested.length > 0 ? requested : vectors.words.slice(0, Math.min(count, vectors.size));
  const rows = new Float32Array(words.length * vectors.dim);
  words.forEach((w, i) => rows.set(vectors.vector(w), i * vectors.dim));
  const method = choiceOption(values, 'method', ['pca', 'tsne', 'both'] as const) ?? 'both';
  const panels: PlotPanel[] = [];
  if (method !== 'tsne') panels.push({ title: 'PCA (first two principal components)', points: pca2d(rows, words.length, vectors.dim) });
  if (method !== 'pca') {
    const seed = numberOption(values, 'seed', 'non-negative') ?? 0;
    panels.push({ title: 't-SNE', points: tsne2d(rows, words.length, vectors.dim, { seed }) });
  }
  const title = `${words.length} words of ${source}`;
  await writeFile(out, out.endsWith('.svg') ? plotSvg(words, panels, title) : plotHtml(words, panels, title));
  console.log(`wrote ${out}`);
  return 0;
}
