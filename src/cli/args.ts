/** Typed access to parsed command-line values, with one-line errors that name the option. */
import { ValueError } from '../errors.ts';

export function numberOption(values: Record<string, unknown>, name: string, check: 'positive-int' | 'non-negative' | 'positive'): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const v = Number(raw);
  const ok = check === 'positive-int' ? Number.isInteger(v) && v >= 1 : check === 'positive' ? v > 0 : v >= 0;
  if (!Number.isFinite(v) || !ok) {
    const expected = check === 'positive-int' ? 'a positive integer' : check === 'positive' ? 'a number > 0' : 'a number ≥ 0';
    throw new ValueError(`--${name}`, expected, JSON.stringify(raw));
  }
  return v;
}

export function choiceOption<T extends string>(values: Record<string, unknown>, name: string, choices: readonly T[]): T | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  if (!choices.includes(raw as T)) throw new ValueError(`--${name}`, `one of ${choices.join(', ')}`, JSON.stringify(raw));
  return raw as T;
}
