/**
 * The two standard evaluations of word vectors, with gensim 4's definitions (KeyedVectors
 * evaluate_word_analogies and evaluate_word_pairs), so that the same vectors give gensim's numbers:
 *
 * Analogies ("a b c d": a is to b as c is to d, in `: section` blocks). Only the first
 * `restrictVocab` words count; case-insensitive compares upper-cased words, a word's first
 * (most frequent) spelling standing for it. A question with a word outside that vocabulary is
 * skipped (counted in oovRatio). The answer is the best of the 5 words most similar (3CosAdd) to
 * b + c − a, the three query words excluded, that is not a query word in another spelling.
 * accuracy = correct / (correct + incorrect).
 *
 * Word pairs ("w1<TAB>w2<TAB>score", '#' lines are comments): Spearman's ρ (average ranks for ties)
 * and Pearson's r between the scores and the cosine similarities of the pairs in the vocabulary;
 * oovRatio = % of pairs skipped.
 */
import { getBackend } from '../backend/registry.ts';
import { FileFormatError, ValueError } from '../errors.ts';
import { topIndices, type WordVectors } from './word-vectors.ts';

export interface AnalogyOptions {
  /** Only the first restrictVocab words are answers or may appear in questions (default 300,000, as gensim). */
  restrictVocab?: number;
  /** Compare words upper-cased (default true). */
  caseInsensitive?: boolean;
  /** Name of the file in error messages. */
  source?: string;
}

export type Analogy = readonly [a: string, b: string, c: string, expected: string];

export interface AnalogySection {
  section: string;
  correct: Analogy[];
  incorrect: Analogy[];
}

export interface AnalogyResult {
  /** correct / (correct + incorrect) over all sections; 0 when no question was answered. */
  accuracy: number;
  sections: AnalogySection[];
  /** Questions read (well-formed lines). */
  questions: number;
  /** % of questions skipped for a word outside the (restricted) vocabulary. */
  oovRatio: number;
}

export interface WordPairOptions {
  restrictVocab?: number;
  caseInsensitive?: boolean;
  source?: string;
}

export interface WordPairResult {
  spearman: number;
  pearson: number;
  /** % of pairs skipped for a word outside the (restricted) vocabulary. */
  oovRatio: number;
  /** Pairs that were scored. */
  pairs: number;
}

const GENSIM_RESTRICT_VOCAB = 300_000;
/** How many of the best words an analogy looks at (gensim: topn=5). */
const ANALOGY_CANDIDATES = 5;
/** Questions scored by one matrix product. */
const QUESTION_BATCH = 128;

/** The lookup gensim builds: key (upper-cased if case-insensitive) → row, the first row winning, rows < limit. */
function keyIndex(vectors: WordVectors, limit: number, caseInsensitive: boolean): Map<string, number> {
  const index = new Map<string, number>();
  for (let i = limit - 1; i >= 0; i--) index.set(caseInsensitive ? vectors.words[i].toUpperCase() : vectors.words[i], i);
  return index;
}

export function evaluateAnalogies(vectors: WordVectors, text: string, options: AnalogyOptions = {}): AnalogyResult {
  const limit = vectors.restriction(options.restrictVocab ?? GENSIM_RESTRICT_VOCAB);
  const caseInsensitive = options.caseInsensitive ?? true;
  const source = options.source ?? 'analogies';
  const keys = keyIndex(vectors, limit, caseInsensitive);
  const sections: AnalogySection[] = [];
  const pending: { question: Analogy; section: AnalogySection }[] = [];
  let questions = 0, oov = 0;
  text.split('\n').forEach((line, lineNo) => {
    if (line.startsWith(': ')) {
      sections.push({ section: line.replace(/^[: ]+/, '').trim(), correct: [], incorrect: [] });
      return;
    }
    const section = sections.at(-1);
    if (!section) {
      if (line.trim() === '') return;
      throw new FileFormatError(source, lineNo + 1, 'a question before the first ": section" line');
    }
    const words = line.trim().split(/\s+/).map((w) => (caseInsensitive ? w.toUpperCase() : w));
    if (words.length !== 4) return; // gensim skips lines that are not four words
    questions++;
    if (!words.every((w) => keys.has(w))) {
      oov++;
      return;
    }
    pending.push({ question: words as unknown as Analogy, section });
  });
  const answers = answerAnalogies(vectors, pending.map((p) => p.question), keys, limit, caseInsensitive);
  pending.forEach(({ question, section }, q) => (answers[q] === question[3] ? section.correct : section.incorrect).push(question));
  const correct = sections.reduce((n, s) => n + s.correct.length, 0);
  const answered = correct + sections.reduce((n, s) => n + s.incorrect.length, 0);
  return { accuracy: answered > 0 ? correct / answered : 0, sections, questions, oovRatio: questions > 0 ? (100 * oov) / questions : 0 };
}

/**
 * gensim's answer to each question (a key): the first of the 5 best 3CosAdd candidates (query rows
 * excluded) whose key is not a query key, else the last of them. Scores are one product per batch
 * of questions on the current backend: unit(mean of unit a, b, c with weights −1, +1, +1) against
 * the first `limit` rows, divided by the row norms.
 */
function answerAnalogies(
  vectors: WordVectors, questions: readonly Analogy[], keys: ReadonlyMap<string, number>, limit: number, caseInsensitive: boolean,
): string[] {
  if (questions.length === 0) return [];
  const { dim, norms } = vectors;
  const backend = getBackend();
  const table = backend.alloc(limit * dim, 'float32');
  const queries = backend.alloc(QUESTION_BATCH * dim, 'float32');
  const scores = backend.alloc(QUESTION_BATCH * limit, 'float32');
  const answers: string[] = [];
  try {
    table.set(vectors.vectors.subarray(0, limit * dim));
    const row = new Float64Array(limit);
    for (let start = 0; start < questions.length; start += QUESTION_BATCH) {
      const batch = questions.slice(start, start + QUESTION_BATCH);
      batch.forEach(([a, b, c], q) => queries.set(queryVector(vectors, [keys.get(b)!, keys.get(c)!], [keys.get(a)!]), q * dim));
      backend.gemm(false, true, batch.length, limit, dim, 1, queries, 0, dim, table, 0, dim, 0, scores, 0, limit);
      batch.forEach(([a, b, c], q) => {
        for (let i = 0; i < limit; i++) row[i] = scores[q * limit + i] / norms[i];
        const queryRows = [keys.get(a)!, keys.get(b)!, keys.get(c)!];
        const ranked = topIndices(row, ANALOGY_CANDIDATES + queryRows.length).filter((i) => !queryRows.includes(i)).slice(0, ANALOGY_CANDIDATES);
        let predicted = '';
        for (const i of ranked) {
          predicted = caseInsensitive ? vectors.words[i].toUpperCase() : vectors.words[i];
          if (predicted !== a && predicted !== b && predicted !== c) break;
        }
        answers.push(predicted);
      });
    }
  } finally {
    backend.free(scores);
    backend.free(queries);
    backend.free(table);
  }
  return answers;
}

/** unit((Σ_pos unit(row) − Σ_neg unit(row)) / n) as float32. */
function queryVector(vectors: WordVectors, positive: readonly number[], negative: readonly number[]): Float32Array {
  const { dim, norms } = vectors;
  const mean = new Float64Array(dim);
  const rows = [...positive.map((i) => [i, 1]), ...negative.map((i) => [i, -1])];
  for (const [i, weight] of rows) {
    const scale = weight / norms[i];
    for (let k = 0; k < dim; k++) mean[k] += scale * vectors.vectors[i * dim + k];
  }
  let s = 0;
  for (let k = 0; k < dim; k++) s += mean[k] * mean[k];
  const norm = Math.sqrt(s) || 1;
  return Float32Array.from(mean, (v) => v / norm);
}

export function evaluateWordPairs(vectors: WordVectors, text: string, options: WordPairOptions = {}): WordPairResult {
  const limit = vectors.restriction(options.restrictVocab ?? GENSIM_RESTRICT_VOCAB);
  const caseInsensitive = options.caseInsensitive ?? true;
  const keys = keyIndex(vectors, limit, caseInsensitive);
  const gold: number[] = [], model: number[] = [];
  let oov = 0;
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split('\t');
    const score = Number(fields[2]);
    if (fields.length !== 3 || fields[2].trim() === '' || Number.isNaN(score)) continue; // gensim skips malformed lines
    const [a, b] = fields.map((w) => (caseInsensitive ? w.toUpperCase() : w));
    const i = keys.get(a), j = keys.get(b);
    if (i === undefined || j === undefined) {
      oov++;
      continue;
    }
    gold.push(score);
    model.push(vectors.dotRows(i, j) / (vectors.norms[i] * vectors.norms[j]));
  }
  if (gold.length === 0) {
    throw new ValueError(options.source ?? 'word pairs', 'at least one pair with both words in the vocabulary', `none of ${oov} pairs`);
  }
  return {
    spearman: pearson(ranks(gold), ranks(model)),
    pearson: pearson(gold, model),
    oovRatio: (100 * oov) / (gold.length + oov),
    pairs: gold.length,
  };
}

/** Pearson's correlation coefficient of two equally long samples. */
export function pearson(x: readonly number[], y: readonly number[]): number {
  const n = x.length;
  const mx = x.reduce((s, v) => s + v, 0) / n, my = y.reduce((s, v) => s + v, 0) / n;
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx, dy = y[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxy / Math.sqrt(sxx * syy);
}

/** 1-based ranks, ties sharing their average rank (scipy rankdata 'average'). */
export function ranks(x: readonly number[]): number[] {
  const order = x.map((_, i) => i).sort((a, b) => x[a] - x[b]);
  const r = new Array<number>(x.length);
  for (let start = 0; start < order.length;) {
    let end = start + 1;
    while (end < order.length && x[order[end]] === x[order[start]]) end++;
    for (let k = start; k < end; k++) r[order[k]] = (start + end + 1) / 2;
    start = end;
  }
  return r;
}
