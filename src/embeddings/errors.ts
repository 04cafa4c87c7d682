/** Errors of the word-vector code: a malformed vectors or evaluation file, and words a query names that the vectors lack. */
import { RnnkitError } from '../errors.ts';

/**
 * A file that does not parse (a vectors file, an evaluation file): `line` is 1-based; for a binary
 * vectors file it counts entries as a text file would (header = line 1, word i = line i + 1).
 */
export class FileFormatError extends RnnkitError {
  constructor(
    readonly source: string,
    readonly line: number,
    readonly problem: string,
  ) {
    super(`${source}, line ${line}: ${problem}`);
  }
}

/** Words that are not in the vocabulary of the vectors a query was made against. */
export class UnknownWordError extends RnnkitError {
  /** @param all whether these are all the words the query named */
  constructor(
    readonly argument: string,
    readonly words: readonly string[],
    readonly all = false,
  ) {
    const list = words.map((w) => JSON.stringify(w)).join(', ');
    super(all && words.length > 1
      ? `${argument}: none of the words is in the vocabulary: ${list}`
      : `${argument}: ${words.length === 1 ? 'word' : 'words'} not in the vocabulary: ${list}`);
  }
}
