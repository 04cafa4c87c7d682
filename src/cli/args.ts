/**
 * Command-line options from a spec: each option has a name, a one-line description, a type with
 * its range or choices, and a default. The same spec parses the arguments (one-line errors that
 * name the option) and writes the command's `--help`.
 */
import { RnnkitError } from '../errors.ts';

/** Bad usage of the command line (exit status 2). */
export class UsageError extends RnnkitError {}

interface OptionBase {
  name: string;
  /** One line for --help. */
  description: string;
  /** Placeholder in --help: `--out DIR`. */
  value?: string;
}

export type OptionSpec = OptionBase & (
  | { type: 'flag' }
  | { type: 'string'; default?: string }
  | { type: 'choice'; choices: readonly string[]; default?: string }
  /** Bounds: `min` / `max` inclusive, `above` / `below` exclusive. */
  | { type: 'integer' | 'number'; default?: number; min?: number; max?: number; above?: number; below?: number }
);

export type OptionValue = string | number | boolean | undefined;

export interface ParsedArgs {
  values: Record<string, OptionValue>;
  /** Options given on the command line (not defaulted). */
  given: Set<string>;
  positionals: string[];
}

/** A set of options shown under one heading in --help. */
export interface OptionGroup {
  title: string;
  options: readonly OptionSpec[];
}

/** What a number option accepts, in words ("an integer ≥ 1", "a number in (0, 1]"). */
function expectedNumber(o: Extract<OptionSpec, { type: 'integer' | 'number' }>): string {
  const what = o.type === 'integer' ? 'an integer' : 'a number';
  const low = o.min !== undefined ? ['[', o.min] as const : o.above !== undefined ? ['(', o.above] as const : null;
  const high = o.max !== undefined ? [']', o.max] as const : o.below !== undefined ? [')', o.below] as const : null;
  if (low && high) return `${what} in ${low[0]}${low[1]}, ${high[1]}${high[0]}`;
  if (low) return `${what} ${low[0] === '[' ? '≥' : '>'} ${low[1]}`;
  if (high) return `${what} ${high[0] === ']' ? '≤' : '<'} ${high[1]}`;
  return what;
}

/** The value of `o` given as `raw`, or a UsageError naming the option, what it takes and what came. */
function convert(o: OptionSpec, raw: string): OptionValue {
  const bad = (expected: string): never => {
    throw new UsageError(`--${o.name}: expected ${expected}, got ${JSON.stringify(raw)}`);
  };
  switch (o.type) {
    case 'flag': return true;
    case 'string': return raw;
    case 'choice': return o.choices.includes(raw) ? raw : bad(`one of ${o.choices.join(', ')}`);
    case 'integer':
    case 'number': {
      const v = raw.trim() === '' ? NaN : Number(raw);
      const ok = Number.isFinite(v) && (o.type === 'number' || Number.isSafeInteger(v)) &&
        (o.min === undefined || v >= o.min) && (o.max === undefined || v <= o.max) &&
        (o.above === undefined || v > o.above) && (o.below === undefined || v < o.below);
      return ok ? v : bad(expectedNumber(o));
    }
  }
}

/** The option in `options` closest in spelling to `name`, for "did you mean". */
function closest(name: string, options: readonly OptionSpec[]): string | null {
  let best: string | null = null, bestDistance = 3;
  for (const o of options) {
    const d = editDistance(name, o.name);
    if (d < bestDistance) [best, bestDistance] = [o.name, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length];
}

/**
 * Parses `--name value`, `--name=value`, flags and positionals (`--` ends the options). A value
 * may start with a dash (`--hidden -5` reaches the range check, which names the option).
 * `unknown(name)` may explain an option that is not in `options` (e.g. one of another task).
 */
export function parseOptions(argv: readonly string[], options: readonly OptionSpec[], unknown?: (name: string) => string | null): ParsedArgs {
  const byName = new Map(options.map((o) => [o.name, o]));
  const values: Record<string, OptionValue> = {};
  const given = new Set<string>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--') || arg === '--') {
      if (arg.startsWith('-') && arg.length > 1 && Number.isNaN(Number(arg))) throw new UsageError(`unknown option ${arg} (options are spelt --name)`);
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const o = byName.get(name);
    if (!o) {
      const why = unknown?.(name);
      const guess = closest(name, options);
      throw new UsageError(why ?? `unknown option --${name}${guess ? ` (did you mean --${guess}?)` : ''}`);
    }
    given.add(name); // given twice: the last one counts
    if (o.type === 'flag') {
      if (eq >= 0) throw new UsageError(`--${name} takes no value, got ${JSON.stringify(arg.slice(eq + 1))}`);
      values[name] = true;
      continue;
    }
    let raw: string;
    if (eq >= 0) raw = arg.slice(eq + 1);
    else if (i + 1 < argv.length && !(argv[i + 1].startsWith('--') && argv[i + 1].length > 2)) raw = argv[++i];
    else throw new UsageError(`--${name} needs a value (${describeValue(o)})`);
    values[name] = convert(o, raw);
  }
  for (const o of options) {
    if (!given.has(o.name)) values[o.name] = o.type === 'flag' ? false : 'default' in o ? o.default : undefined;
  }
  return { values, given, positionals };
}

function describeValue(o: OptionSpec): string {
  switch (o.type) {
    case 'flag': return '';
    case 'string': return o.value ?? 'a value';
    case 'choice': return `one of ${o.choices.join(', ')}`;
    default: return expectedNumber(o);
  }
}

function optionLabel(o: OptionSpec): string {
  const placeholder = o.type === 'flag' ? '' : o.type === 'choice' ? ` ${o.choices.join('|')}` : ` ${o.value ?? (o.type === 'string' ? 'VALUE' : 'N')}`;
  return `  --${o.name}${placeholder}`;
}

/** Help lines: `  --name VALUE   description [range; default x]`, descriptions aligned at `width`. */
export function formatOptions(options: readonly OptionSpec[], width: number): string {
  return options.map((o) => {
    const details: string[] = [];
    if (o.type === 'integer' || o.type === 'number') details.push(expectedNumber(o).replace(/^an? /, ''));
    if (o.type !== 'flag' && o.default !== undefined) details.push(`default ${o.default === '' ? '""' : o.default}`);
    const text = `${o.description}${details.length ? ` [${details.join('; ')}]` : ''}`;
    const label = optionLabel(o);
    return label.length < width ? label.padEnd(width) + text : `${label}\n${' '.repeat(width)}${text}`;
  }).join('\n');
}

export function formatHelp(usage: string, summary: string, groups: readonly OptionGroup[], notes: readonly string[] = []): string {
  const labels = groups.flatMap((g) => g.options.map(optionLabel));
  const width = Math.min(30, Math.max(...labels.map((l) => l.length)) + 2);
  const sections = groups.filter((g) => g.options.length > 0).map((g) => `${g.title}:\n${formatOptions(g.options, width)}`);
  return [`usage: ${usage}`, '', summary, '', ...sections.flatMap((s) => [s, '']), ...notes.flatMap((n) => [n, ''])].join('\n').trimEnd();
}
