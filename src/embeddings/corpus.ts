/**
 * Word corpora for embedding training: text → sentences of tokens, the frequency-sorted vocabulary
 * with a minimum count, and the corpus encoded as word ids in chunks (what the training kernel reads).
 */
import { ValueError } from '../errors.ts';

/**
 * Sentences of lower-case word tokens: the text is cut at every run of . ! ? or newline, tokens are
 * the runs of a–z in the lower-cased sentence, empty sentences are dropped (the rules of the
 * word2vec benchmark's gensim script).
 */
export function sentencesOf(text: string): string[][] {
  const sentences: string[][] = [];
  for (const sentence of text.split(/[.!?\n]+/)) {
    const tokens = sentence.toLowerCase().match(/[a-z]+/g);
    if (tokens) sentences.push(tokens);
  }
  return sentences;
}

export interface Vocabulary {
  /** Words with at least minCount occurrences, most frequent first (ties: first seen first, as gensim). */
  words: string[];
  counts: number[];
  /** All tokens of the corpus, the dropped rare words included. */
  totalTokens: number;
}

export function buildVocabulary(sentences: readonly (readonly string[])[], minCount: number): Vocabulary {
  if (!Number.isInteger(minCount) || minCount < 1) throw new ValueError('minCount', 'a positive integer', String(minCount));
  const counts = new Map<string, number>();
  let totalTokens = 0;
  for (const sentence of sentences) {
    for (const word of sentence) counts.set(word, (counts.get(word) ?? 0) + 1);
    totalTokens += sentence.length;
  }
  const kept = [...counts].filter(([, n]) => n >= minCount).sort((a, b) => b[1] - a[1]);
  if (kept.length === 0) {
    throw new ValueError('minCount', `at most the count of the most frequent word (${Math.max(0, ...counts.values())})`, `${minCount}: no word is left`);
  }
  return { words: kept.map(([w]) => w), counts: kept.map(([, n]) => n), totalTokens };
}

export interface EncodedCorpus {
  /** Word ids, rare words removed; −1 ends a sentence (or a piece of one longer than a chunk). */
  tokens: Int32Array;
  /** Token offset of each chunk's start, [chunks + 1]. */
  chunkStarts: Int32Array;
  /** Words (not −1 marks) before each chunk, [chunks + 1]: the last entry is all words. */
  wordsBefore: Float64Array;
}

/** The corpus as ids in chunks of at most `chunkWords` words that end at sentence ends. */
export function encodeCorpus(sentences: readonly (readonly string[])[], words: readonly string[], chunkWords: number): EncodedCorpus {
  const id = new Map(words.map((w, i) => [w, i]));
  const tokens: number[] = [], chunkStarts = [0], wordsBefore = [0];
  let inChunk = 0, total = 0;
  const endChunk = () => {
    chunkStarts.push(tokens.length);
    wordsBefore.push(total);
    inChunk = 0;
  };
  for (const sentence of sentences) {
    const ids = sentence.map((w) => id.get(w)).filter((i): i is number => i !== undefined);
    for (let at = 0; at < ids.length; at += chunkWords) {
      const piece = ids.slice(at, at + chunkWords);
      if (inChunk + piece.length > chunkWords) endChunk();
      for (const i of piece) tokens.push(i);
      tokens.push(-1);
      inChunk += piece.length;
      total += piece.length;
    }
  }
  if (inChunk > 0) endChunk();
  if (total === 0) throw new ValueError('sentences', 'at least one word of the vocabulary', 'none');
  return { tokens: Int32Array.from(tokens), chunkStarts: Int32Array.from(chunkStarts), wordsBefore: Float64Array.from(wordsBefore) };
}

/**
 * Subsampling thresholds (gensim): with t = sample · (words of the vocabulary), a word seen n times
 * is kept with probability min(1, (√(n/t) + 1) · t/n), stored as that probability · (2³² − 1)
 * (uint32 bits in an int32).
 */
export function keepThresholds(counts: readonly number[], sample: number): Int32Array {
  const threshold = sample * counts.reduce((s, n) => s + n, 0);
  return Int32Array.from(counts, (n) => {
    const p = Math.min(1, (Math.sqrt(n / threshold) + 1) * (threshold / n));
    return Math.floor(p * 4294967295) | 0;
  });
}

/** Cumulative count^exponent distribution scaled to 2³¹ − 1 (gensim make_cum_table). */
export function noiseTable(counts: readonly number[], exponent: number): Int32Array {
  const DOMAIN = 2147483647;
  const total = counts.reduce((s, n) => s + n ** exponent, 0);
  let cumulative = 0;
  return Int32Array.from(counts, (n) => {
    cumulative += n ** exponent;
    return Math.round((cumulative / total) * DOMAIN);
  });
}
