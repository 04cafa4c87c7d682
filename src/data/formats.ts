/**
 * User data files, parsed from their text: every malformed line is a DataFormatError
 * `file:line: expected …, got …`.
 *
 *   classify  TSV/CSV `text<TAB|,>label`, or JSONL `{"text": …, "label": …}`
 *   tag       CoNLL columns: `token … tag` per line (first and last column), a blank line between sentences
 *   seq2seq   TSV `source<TAB>target`
 *   generate  TSV `class<TAB>text`
 */
import { RnnkitError } from '../errors.ts';
import type { TaggedSentence } from './builtin.ts';

export class DataFormatError extends RnnkitError {
  constructor(readonly file: string, readonly line: number, readonly expected: string, readonly actual: string) {
    super(`${file}:${line}: expected ${expected}, got ${actual}`);
  }
}

const show = (line: string): string => JSON.stringify(line.length > 60 ? `${line.slice(0, 60)}…` : line);

/** Lines with their 1-based numbers, without a trailing \r, skipping a leading byte-order mark. */
function numberedLines(text: string): [string, number][] {
  return text.replace(/^\uFEFF/, '').split('\n').map((l, i) => [l.replace(/\r$/, ''), i + 1]);
}

/** One CSV record's fields (RFC 4180 quoting: "…" with "" for a quote). Null if a quote is left open. */
function csvFields(line: string): string[] | null {
  const fields: string[] = [];
  let i = 0;
  while (true) {
    if (line[i] === '"') {
      let value = '';
      i++;
      while (true) {
        if (i >= line.length) return null;
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            value += '"';
            i += 2;
          } else {
            i++;
            break;
          }
        } else value += line[i++];
      }
      fields.push(value);
      if (i < line.length && line[i] !== ',') return null;
    } else {
      const end = line.indexOf(',', i);
      fields.push(line.slice(i, end < 0 ? line.length : end));
      i = end < 0 ? line.length : end;
    }
    if (i >= line.length) return fields;
    i++; // the comma
  }
}

/** Two-column records of a TSV (`\t`) or CSV (`,`, quoted fields allowed) file; blank lines are skipped. */
export function parseTwoColumns(text: string, file: string, delimiter: '\t' | ',', names: [string, string]): [string, string][] {
  const rows: [string, string][] = [];
  const expected = `${names[0]}${delimiter === '\t' ? '<TAB>' : ','}${names[1]}`;
  for (const [line, n] of numberedLines(text)) {
    if (line.trim().length === 0) continue;
    const fields = delimiter === '\t' ? line.split('\t') : csvFields(line);
    if (!fields || fields.length !== 2) throw new DataFormatError(file, n, `two fields ${expected}`, `${fields ? fields.length : 'an unclosed quote in'} ${fields ? 'field(s): ' : ''}${show(line)}`);
    const [a, b] = fields.map((f) => f.trim());
    if (a.length === 0 || b.length === 0) throw new DataFormatError(file, n, `a non-empty ${a.length === 0 ? names[0] : names[1]}`, show(line));
    rows.push([a, b]);
  }
  return rows;
}

/** Records {text, label} of a JSON-lines file; blank lines are skipped. */
export function parseJsonl(text: string, file: string): { text: string; label: string }[] {
  const rows: { text: string; label: string }[] = [];
  for (const [line, n] of numberedLines(text)) {
    if (line.trim().length === 0) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new DataFormatError(file, n, 'a JSON object {"text": …, "label": …}', show(line));
    }
    const v = value as { text?: unknown; label?: unknown };
    if (typeof v !== 'object' || v === null || typeof v.text !== 'string' || (typeof v.label !== 'string' && typeof v.label !== 'number')) {
      throw new DataFormatError(file, n, 'a JSON object with a string "text" and a string or number "label"', show(line));
    }
    rows.push({ text: v.text, label: String(v.label) });
  }
  return rows;
}

/**
 * Sentences of a CoNLL file: one token per line, columns separated by whitespace, the token in the
 * first column and its tag in the last; a blank line ends a sentence; `-DOCSTART-` lines are skipped.
 */
export function parseConll(text: string, file: string): TaggedSentence[] {
  const sentences: TaggedSentence[] = [];
  let current: TaggedSentence = { tokens: [], tags: [] };
  const flush = () => {
    if (current.tokens.length > 0) sentences.push(current);
    current = { tokens: [], tags: [] };
  };
  for (const [line, n] of numberedLines(text)) {
    if (line.trim().length === 0) {
      flush();
      continue;
    }
    const columns = line.trim().split(/\s+/);
    if (columns[0] === '-DOCSTART-') continue;
    if (columns.length < 2) throw new DataFormatError(file, n, 'a token and its tag (at least two columns)', show(line));
    current.tokens.push(columns[0]);
    current.tags.push(columns[columns.length - 1]);
  }
  flush();
  return sentences;
}
