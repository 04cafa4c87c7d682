/**
 * `rnnkit embed train|similar|analogy|eval|plot`: train word vectors, query them, evaluate them and
 * draw them (one command each). VECTORS is a run folder of `embed train`, a vectors file (word2vec
 * text or binary, GloVe, fastText .vec) or the name of a pretrained set (wink-100d).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { trainWord2Vec, WORD2VEC_DEFAULTS, type Word2VecProgress } from '../../embeddings/word2vec.ts';
import type { WordVectors } from '../../embeddings/word-vectors.ts';
import { pca2d, tsne2d } from '../../embeddings/projection.ts';
import { plotHtml, plotSvg, type PlotPanel } from '../../embeddings/plot.ts';
import { BUILTIN_WORD_CORPORA, loadSentences } from '../../node/word-corpora.ts';
import { openVectors, saveWordVectors, EVALUATION_FILES, PRETRAINED, RUN_VECTORS_FILE } from '../../node/vectors.ts';
import { BACKEND_NAMES } from '../../node/backends.ts';
import { useBackend } from '../../backend/registry.ts';
import { ValueError } from '../../errors.ts';
import { UsageError, type OptionSpec, type ParsedArgs } from '../args.ts';
import type { Command } from '../command.ts';
import type { Output } from '../output.ts';

const VECTORS = `a run folder of "rnnkit embed train", a word2vec (text or binary), GloVe or fastText .vec file, or ${Object.keys(PRETRAINED).join(', ')}`;
const COMPUTE: OptionSpec[] = [
  { name: 'backend', type: 'choice', choices: BACKEND_NAMES, description: 'compute backend (default: the fastest that loads)' },
  { name: 'threads', type: 'integer', min: 1, description: 'threads (default: the cores)' },
];
const EVALUATION: OptionSpec[] = [
  { name: 'analogies', type: 'string', value: 'FILE', description: 'analogy questions in the questions-words.txt format (default: the bundled file)' },
  { name: 'pairs', type: 'string', value: 'FILE', description: 'word pairs with scores in the WordSim-353 format (default: the bundled file)' },
  { name: 'restrict-vocab', type: 'integer', min: 1, default: 30000, description: 'analogies: only the most frequent N words count' },
];

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

function positionals(args: ParsedArgs, count: number, usage: string): string[] {
  if (args.positionals.length !== count) throw new UsageError(`usage: ${usage}`);
  return args.positionals;
}

interface Scores {
  analogy_accuracy: number;
  analogy_oov_pct: number;
  wordsim353_spearman: number | null;
  wordsim353_pearson: number | null;
  wordsim353_oov_pct: number;
}

async function evaluationScores(vectors: WordVectors, values: ParsedArgs['values']): Promise<Scores> {
  const analogiesFile = (values.analogies as string | undefined) ?? EVALUATION_FILES.analogies;
  const pairsFile = (values.pairs as string | undefined) ?? EVALUATION_FILES.pairs;
  const analogies = vectors.evaluateAnalogies(await readFile(analogiesFile, 'utf8'), { restrictVocab: values['restrict-vocab'] as number, source: analogiesFile });
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

function printRanking(out: Output, results: { word: string; similarity: number }[]): void {
  for (const { word, similarity } of results) out.line(`${similarity.toFixed(4)}  ${word}`);
}

const D = WORD2VEC_DEFAULTS;

export const embedTrainCommand: Command = {
  name: 'embed train',
  summary: 'train word vectors (skip-gram or CBOW with negative sampling)',
  usage: 'rnnkit embed train [options]',
  optionGroups: [
    {
      title: 'data and model',
      options: [
        { name: 'data', type: 'string', value: 'NAME|PATH', default: 'sotu', description: `${BUILTIN_WORD_CORPORA.join(' or ')}, or a UTF-8 text file or folder` },
        { name: 'out', type: 'string', value: 'DIR', description: 'run folder for vectors.bin and embed.json (default runs/DATA-MODE)' },
        { name: 'mode', type: 'choice', choices: ['skipgram', 'cbow'], default: D.mode, description: 'skip-gram or continuous bag of words' },
        { name: 'dim', type: 'integer', min: 1, default: D.dim, description: 'vector size' },
        { name: 'window', type: 'integer', min: 1, default: D.window, description: 'largest distance between a word and its context' },
        { name: 'negative', type: 'integer', min: 1, default: D.negative, description: 'noise words per target' },
        { name: 'min-count', type: 'integer', min: 1, default: D.minCount, description: 'drop words seen fewer times' },
        { name: 'sample', type: 'number', min: 0, below: 1, default: D.sample, description: 'subsampling threshold of frequent words (0: off)' },
      ],
    },
    {
      title: 'training',
      options: [
        { name: 'alpha', type: 'number', above: 0, default: D.alpha, description: 'learning rate at the start' },
        { name: 'min-alpha', type: 'number', min: 0, default: D.minAlpha, description: 'learning rate at the end (linear decay)' },
        { name: 'epochs', type: 'integer', min: 1, default: D.epochs, description: 'passes over the corpus' },
        { name: 'seed', type: 'integer', min: 0, max: 2 ** 32 - 1, default: D.seed, description: 'seed (one thread: the same vectors every time)' },
        ...COMPUTE,
        ...EVALUATION,
        { name: 'json', type: 'flag', description: 'one JSON object per progress event; the last holds words_per_s, analogy_accuracy, wordsim353_spearman' },
        { name: 'quiet', type: 'flag', description: 'print nothing but errors' },
      ],
    },
  ],
  notes: ['Sentences end at . ! ? or a newline; tokens are the runs of a–z of the lower-cased text.'],

  async run(args, out) {
    if (args.positionals.length > 0) throw new UsageError(`rnnkit embed train takes no positional arguments, got ${args.positionals.join(' ')}`);
    const v = args.values;
    const mode = v.json ? 'json' : v.quiet ? 'quiet' : out.isTTY ? 'tty' : 'plain';
    const data = v.data as string;
    const options = {
      mode: v.mode as 'skipgram' | 'cbow', dim: v.dim as number, window: v.window as number, negative: v.negative as number,
      minCount: v['min-count'] as number, sample: v.sample as number, alpha: v.alpha as number, minAlpha: v['min-alpha'] as number,
      epochs: v.epochs as number, seed: v.seed as number,
    };
    if (options.minAlpha > options.alpha) throw new ValueError('--min-alpha', `at most --alpha (${options.alpha})`, String(options.minAlpha));
    const dir = (v.out as string | undefined) ?? join('runs', `${data.replace(/[^\w.-]+/g, '_')}-${options.mode}`);
    const backend = await useBackend(v.backend as string | undefined, v.threads as number | undefined);
    const sentences = await loadSentences(data);
    const say = (line: string) => (mode === 'tty' || mode === 'plain') && out.line(line);
    say(`rnnkit embed: ${options.mode} ${options.dim}-d, window ${options.window}, ${options.negative} negatives, ${options.epochs} epochs ` +
      `on ${data} (${sentences.length.toLocaleString('en-US')} sentences) with ${backend.name} × ${backend.threads} thread(s)`);
    let lastLine = 0;
    const onProgress = (p: Word2VecProgress) => {
      const now = performance.now();
      if (now - lastLine < (mode === 'tty' ? 200 : 5000) && p.words < p.totalWords) return;
      lastLine = now;
      const text = `epoch ${p.epoch}/${options.epochs}  ${((100 * p.words) / p.totalWords).toFixed(1)} %  ${Math.round(p.wordsPerSecond).toLocaleString('en-US')} words/s`;
      if (mode === 'tty') out.write(`\r\x1b[K${text}`);
      else if (mode === 'plain') out.line(text);
      else if (mode === 'json') out.line(JSON.stringify({ event: 'progress', epoch: p.epoch, words: Math.round(p.words), words_per_s: p.wordsPerSecond }));
    };
    const result = trainWord2Vec(sentences, { ...options, backend, onProgress });
    if (mode === 'tty') out.write('\n');
    await mkdir(dir, { recursive: true });
    await saveWordVectors(join(dir, RUN_VECTORS_FILE), result.vectors, { binary: true });
    const scores = await evaluationScores(result.vectors, v);
    const summary = {
      event: 'done', out: dir, vectors: join(dir, RUN_VECTORS_FILE), backend: backend.name, threads: backend.threads, data, ...options,
      corpus_words: result.corpusWords, vocab: result.vectors.size, seconds: result.seconds, words_per_s: result.wordsPerSecond, ...scores,
    };
    await writeFile(join(dir, 'embed.json'), JSON.stringify(summary, null, 1) + '\n');
    if (mode === 'json') out.line(JSON.stringify(summary));
    say(`${result.vectors.size.toLocaleString('en-US')} words, ${Math.round(result.wordsPerSecond).toLocaleString('en-US')} words/s; ${describeScores(scores)}. Vectors in ${summary.vectors}`);
    return 0;
  },
};

export const embedSimilarCommand: Command = {
  name: 'embed similar',
  summary: 'the words nearest to a word (cosine similarity)',
  usage: 'rnnkit embed similar VECTORS WORD [options]',
  optionGroups: [{ title: 'options', options: [{ name: 'topn', type: 'integer', min: 1, default: 10, description: 'how many words' }] }],
  notes: [`VECTORS: ${VECTORS}.`],
  async run(args, out) {
    const [source, word] = positionals(args, 2, 'rnnkit embed similar VECTORS WORD [--topn 10]');
    const vectors = await openVectorsWithProgress(source);
    vectors.vector(word); // names an unknown word
    printRanking(out, vectors.mostSimilar({ positive: [word], topn: args.values.topn as number }));
    return 0;
  },
};

export const embedAnalogyCommand: Command = {
  name: 'embed analogy',
  summary: 'A is to B as C is to ? (the words nearest to B − A + C)',
  usage: 'rnnkit embed analogy VECTORS A B C [options]',
  optionGroups: [{
    title: 'options',
    options: [
      { name: 'topn', type: 'integer', min: 1, default: 5, description: 'how many answers' },
      { name: 'method', type: 'choice', choices: ['3cosadd', '3cosmul'], default: '3cosadd', description: 'additive (gensim most_similar) or multiplicative (most_similar_cosmul) combination' },
    ],
  }],
  notes: [`VECTORS: ${VECTORS}.`],
  async run(args, out) {
    const [source, a, b, c] = positionals(args, 4, 'rnnkit embed analogy VECTORS A B C [--topn 5] [--method 3cosadd|3cosmul]');
    const vectors = await openVectorsWithProgress(source);
    const method = args.values.method as '3cosadd' | '3cosmul';
    printRanking(out, vectors.mostSimilar({ positive: [b, c], negative: [a], topn: args.values.topn as number, method }));
    return 0;
  },
};

export const embedEvalCommand: Command = {
  name: 'embed eval',
  summary: 'analogy accuracy and word-pair Spearman ρ of word vectors',
  usage: 'rnnkit embed eval VECTORS [options]',
  optionGroups: [{ title: 'options', options: [...EVALUATION, ...COMPUTE, { name: 'json', type: 'flag', description: 'print one JSON object' }] }],
  notes: [`VECTORS: ${VECTORS}.`],
  async run(args, out) {
    const [source] = positionals(args, 1, 'rnnkit embed eval VECTORS [--analogies FILE] [--pairs FILE] [--json]');
    await useBackend(args.values.backend as string | undefined, args.values.threads as number | undefined); // the analogy products
    const vectors = await openVectorsWithProgress(source);
    const scores = await evaluationScores(vectors, args.values);
    if (args.values.json) out.line(JSON.stringify({ vectors: source, words: vectors.size, dim: vectors.dim, ...scores }));
    else out.line(`${source}: ${vectors.size.toLocaleString('en-US')} words × ${vectors.dim}; ${describeScores(scores)}`);
    return 0;
  },
};

export const embedPlotCommand: Command = {
  name: 'embed plot',
  summary: 'a labelled 2-D picture of word vectors (PCA and t-SNE) as SVG or HTML',
  usage: 'rnnkit embed plot VECTORS [WORDS…] --out FILE.svg|FILE.html [options]',
  optionGroups: [{
    title: 'options',
    options: [
      { name: 'out', type: 'string', value: 'FILE', description: 'the picture: FILE.svg or FILE.html' },
      { name: 'count', type: 'integer', min: 4, default: 150, description: 'without WORDS: the most frequent N words' },
      { name: 'method', type: 'choice', choices: ['pca', 'tsne', 'both'], default: 'both', description: 'projection(s), side by side' },
      { name: 'seed', type: 'integer', min: 0, default: 0, description: 'seed of t-SNE' },
    ],
  }],
  notes: [`VECTORS: ${VECTORS}.`],
  async run(args, out) {
    if (args.positionals.length < 1) throw new UsageError('usage: rnnkit embed plot VECTORS [WORDS…] --out FILE.svg|FILE.html');
    const file = args.values.out as string | undefined;
    if (!file || !/\.(svg|html)$/.test(file)) throw new ValueError('--out', 'a file name ending in .svg or .html', JSON.stringify(file ?? null));
    const [source, ...requested] = args.positionals;
    const vectors = await openVectorsWithProgress(source);
    const words = requested.length > 0 ? requested : vectors.words.slice(0, Math.min(args.values.count as number, vectors.size));
    const rows = new Float32Array(words.length * vectors.dim);
    words.forEach((w, i) => rows.set(vectors.vector(w), i * vectors.dim));
    const method = args.values.method as string;
    const panels: PlotPanel[] = [];
    if (method !== 'tsne') panels.push({ title: 'PCA (first two principal components)', points: pca2d(rows, words.length, vectors.dim) });
    if (method !== 'pca') panels.push({ title: 't-SNE', points: tsne2d(rows, words.length, vectors.dim, { seed: args.values.seed as number }) });
    const title = `${words.length} words of ${source}`;
    await writeFile(file, file.endsWith('.svg') ? plotSvg(words, panels, title) : plotHtml(words, panels, title));
    out.line(`wrote ${file}`);
    return 0;
  },
};

export const EMBED_COMMANDS: readonly Command[] = [embedTrainCommand, embedSimilarCommand, embedAnalogyCommand, embedEvalCommand, embedPlotCommand];
