/**
 * The `dates` dataset: human-readable dates between 1900-01-01 and 2099-12-31 → ISO `YYYY-MM-DD`,
 * generated from a seed (the translation-with-attention exercise).
 *
 * Split by date, not by example: the 73,049 days are shuffled with the seed; the first 2,000 are
 * the test days, the next 1,000 the dev days, the rest the training days, so no test date is ever
 * seen in training in any format. Each example writes its day in one of the FORMATS below, drawn
 * with the seed, in lower case, Title Case or UPPER CASE (also drawn). Formats with a two-digit
 * year follow POSIX `%y` (69–99 → 19xx, 00–68 → 20xx), so they are used only for 1969–2068.
 */
import { Random } from '../tensor/random.ts';

const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

interface Day {
  y: number;
  m: number; // 1–12
  d: number;
  weekday: number; // 0 = Sunday
}

const pad2 = (n: number): string => String(n).padStart(2, '0');
const ordinal = (n: number): string => `${n}${n % 10 === 1 && n !== 11 ? 'st' : n % 10 === 2 && n !== 12 ? 'nd' : n % 10 === 3 && n !== 13 ? 'rd' : 'th'}`;
const month = (day: Day): string => MONTHS[day.m - 1];
const mon = (day: Day): string => month(day).slice(0, 3);
const weekday = (day: Day): string => WEEKDAYS[day.weekday];
const yy = (day: Day): string => pad2(day.y % 100);

/** Each format: an example of it, whether it writes a two-digit year, and the writer. */
export const FORMATS: readonly { example: string; twoDigitYear: boolean; write: (day: Day) => string }[] = [
  { example: 'saturday 9 may 2018', twoDigitYear: false, write: (x) => `${weekday(x)} ${x.d} ${month(x)} ${x.y}` },
  { example: '9 may 2018', twoDigitYear: false, write: (x) => `${x.d} ${month(x)} ${x.y}` },
  { example: '05/09/18', twoDigitYear: true, write: (x) => `${pad2(x.m)}/${pad2(x.d)}/${yy(x)}` },
  { example: '5/9/2018', twoDigitYear: false, write: (x) => `${x.m}/${x.d}/${x.y}` },
  { example: 'may the 9th, 2018', twoDigitYear: false, write: (x) => `${month(x)} the ${ordinal(x.d)}, ${x.y}` },
  { example: 'may 9, 2018', twoDigitYear: false, write: (x) => `${month(x)} ${x.d}, ${x.y}` },
  { example: 'the 9th of may 2018', twoDigitYear: false, write: (x) => `the ${ordinal(x.d)} of ${month(x)} ${x.y}` },
  { example: 'sat, 9 may 2018', twoDigitYear: false, write: (x) => `${weekday(x).slice(0, 3)}, ${x.d} ${mon(x)} ${x.y}` },
  { example: '09.05.2018', twoDigitYear: false, write: (x) => `${pad2(x.d)}.${pad2(x.m)}.${x.y}` },
  { example: '9 may 18', twoDigitYear: true, write: (x) => `${x.d} ${mon(x)} ${yy(x)}` },
  { example: 'saturday, may 9, 2018', twoDigitYear: false, write: (x) => `${weekday(x)}, ${month(x)} ${x.d}, ${x.y}` },
  { example: 'may 09 2018', twoDigitYear: false, write: (x) => `${mon(x)} ${pad2(x.d)} ${x.y}` },
  { example: '2018/05/09', twoDigitYear: false, write: (x) => `${x.y}/${pad2(x.m)}/${pad2(x.d)}` },
  { example: '9-may-2018', twoDigitYear: false, write: (x) => `${x.d}-${mon(x)}-${x.y}` },
];

const CASES = [(s: string) => s, (s: string) => s.replace(/\b\p{L}/gu, (c) => c.toUpperCase()), (s: string) => s.toUpperCase()];

/** Every day from 1900-01-01 to 2099-12-31 (UTC calendar). */
function allDays(): Day[] {
  const days: Day[] = [];
  for (let t = Date.UTC(1900, 0, 1); t <= Date.UTC(2099, 11, 31); t += 86_400_000) {
    const date = new Date(t);
    days.push({ y: date.getUTCFullYear(), m: date.getUTCMonth() + 1, d: date.getUTCDate(), weekday: date.getUTCDay() });
  }
  return days;
}

export const iso = (day: Day): string => `${day.y}-${pad2(day.m)}-${pad2(day.d)}`;

/** One human-readable form of `day`, format and capitalisation drawn from rng. */
export function writeDate(day: Day, rng: Random): string {
  const usable = FORMATS.filter((f) => !f.twoDigitYear || (day.y >= 1969 && day.y <= 2068));
  return CASES[rng.nextInt(CASES.length)](usable[rng.nextInt(usable.length)].write(day));
}

export interface DatePair {
  source: string;
  target: string;
}

/**
 * The dates dataset for a seed: `trainSize` training pairs drawn from the training days (with
 * repetition of days, each with a fresh format), one pair per dev day (1,000) and per test day (2,000).
 */
export function generateDates(seed: number, trainSize = 50_000): { train: DatePair[]; dev: DatePair[]; test: DatePair[] } {
  const rng = new Random(seed);
  const days = rng.shuffle(allDays());
  const pair = (day: Day): DatePair => ({ source: writeDate(day, rng), target: iso(day) });
  const test = days.slice(0, 2000).map(pair);
  const dev = days.slice(2000, 3000).map(pair);
  const trainDays = days.slice(3000);
  const train = Array.from({ length: trainSize }, () => pair(trainDays[rng.nextInt(trainDays.length)]));
  return { train, dev, test };
}
