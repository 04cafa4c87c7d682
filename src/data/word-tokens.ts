/**
 * Word-level text for classifiers: tokens are the runs of a–z of the lower-cased text; a word
 * index maps them to ids with 0 = padding and 1 = unknown.
 */
export const PAD_TOKEN = '<pad>';
export const UNKNOWN_TOKEN = '<unk>';

/** The runs of a–z of the lower-cased text, at most `maxTokens` of them. */
export function wordTokens(text: string, maxTokens = Infinity): string[] {
  return (text.toLowerCase().match(/[a-z]+/g) ?? []).slice(0, maxTokens);
}

/** Word → id: PAD_TOKEN 0, UNKNOWN_TOKEN 1, then the words in first-seen order. */
export function wordIndex(words: Iterable<string>): Map<string, number> {
  const index = new Map([[PAD_TOKEN, 0], [UNKNOWN_TOKEN, 1]]);
  for (const word of words) if (!index.has(word)) index.set(word, index.size);
  return index;
}

/** Ids of the tokens (unknown words → 1); an empty token list becomes [unknown], so no sequence is empty. */
export function encodeWords(tokens: readonly string[], index: ReadonlyMap<string, number>): Int32Array {
  return tokens.length === 0 ? Int32Array.of(1) : Int32Array.from(tokens, (t) => index.get(t) ?? 1);
}
