/** A text corpus as loaded (src/node/corpora.ts reads them from disk). */

/** One long text (for language models), or a list of short sequences (e.g. one name each). */
export type Corpus =
  | { kind: 'text'; source: string; text: string }
  | { kind: 'sequences'; source: string; sequences: string[] };
