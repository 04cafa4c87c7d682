/**
 * The word-embedding rows of `npm run bench` (shared/bench/README.md):
 *
 * - W5/Q3: `rnnkit embed train --data sotu` (skip-gram, the settings of gensim_w2v.py, 5 epochs,
 *   2 threads) against gensim_w2v.py with 2 workers: corpus words/s, and the analogy accuracy and
 *   WordSim-353 Spearman ρ of the same runs, repetition r using seed r + 1 on both sides.
 * - L1: loading a generated 400,000 × 300 word2vec text file (made once, kept in the system's
 *   temporary folder): seconds and peak RSS of rnnkit's loadWordVectors against gensim's
 *   KeyedVectors.load_word2vec_format; the raw floats are 480 MB.
 *
 * Each repetition runs gensim, then rnnkit, in processes of their own (peak RSS by /usr/bin/time),
 * so both see the same machine load. gensim rows need Debian's python3-gensim.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Random } from '../src/tensor/random.ts';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PYTHON = '/usr/bin/python3';
const TIME = '/usr/bin/time';
export const EMBEDDING_WORKLOAD_IDS = ['W5', 'L1'] as const;
export type EmbeddingWorkloadId = (typeof EMBEDDING_WORKLOAD_IDS)[number];

const LOAD_ROWS = 400_000, LOAD_DIM = 300;

interface Measurement {
  impl: string;
  value: number;
  peakRssMb: number;
  analogy?: number;
  spearman?: number;
}

export interface EmbeddingRow {
  workload: EmbeddingWorkloadId;
  impl: string;
  threads: number;
  runs: Measurement[];
  error?: string;
}

/** Runs a command under /usr/bin/time; resolves to its stdout's last line (JSON) and peak RSS. */
async function timed(command: string, args: string[]): Promise<{ json: Record<string, unknown>; peakRssMb: number }> {
  const { stdout, stderr } = await run(TIME, ['-f', 'peak_rss_kb=%M', command, ...args], { cwd: ROOT, maxBuffer: 1 << 24 });
  const rss = /peak_rss_kb=(\d+)/.exec(stderr);
  return { json: JSON.parse(stdout.trim().split('\n').at(-1)!), peakRssMb: rss ? Number(rss[1]) / 1024 : NaN };
}

const SOTU_DIR = join(ROOT, 'node_modules', '@stdlib', 'datasets-sotu', 'data');

const W5_IMPLS = {
  gensim: async (seed: number): Promise<Measurement> => {
    const { json, peakRssMb } = await timed(PYTHON, ['bench/gensim_w2v.py', '--corpus', SOTU_DIR, '--eval', 'data/embeddings-eval', '--workers', '2', '--seed', String(seed)]);
    return { impl: String(json.impl), value: Number(json.words_per_s), peakRssMb, analogy: Number(json.analogy_accuracy), spearman: Number(json.wordsim353_spearman) };
  },
  rnnkit: async (seed: number): Promise<Measurement> => {
    const out = join(tmpdir(), `rnnkit-bench-w5-${process.pid}`);
    const { json, peakRssMb } = await timed(process.execPath, ['dist/cli/bin.js', 'embed', 'train', '--data', 'sotu', '--threads', '2', '--seed', String(seed), '--out', out, '--json'])
      .finally(() => rm(out, { recursive: true, force: true }));
    return { impl: `rnnkit-${json.backend}`, value: Number(json.words_per_s), peakRssMb, analogy: Number(json.analogy_accuracy), spearman: Number(json.wordsim353_spearman) };
  },
};

const L1_IMPLS = {
  gensim: async (file: string): Promise<Measurement> => {
    const script = 'import json, sys, time, gensim\nfrom gensim.models import KeyedVectors\nt = time.perf_counter()\n' +
      'kv = KeyedVectors.load_word2vec_format(sys.argv[1])\nprint(json.dumps({"impl": f"gensim-{gensim.__version__}", "seconds": time.perf_counter() - t, "words": len(kv)}))';
    const { json, peakRssMb } = await timed(PYTHON, ['-c', script, file]);
    return { impl: String(json.impl), value: Number(json.seconds), peakRssMb };
  },
  rnnkit: async (file: string): Promise<Measurement> => {
    const { json, peakRssMb } = await timed(process.execPath, ['--import', 'tsx', 'bench/load-vectors.ts', file]);
    return { impl: 'rnnkit', value: Number(json.seconds), peakRssMb };
  },
};

/** A word2vec text file of LOAD_ROWS random vectors of LOAD_DIM numbers with 6 decimals (made once). */
async function loadBenchFile(): Promise<string> {
  const path = join(tmpdir(), `rnnkit-bench-${LOAD_ROWS}x${LOAD_DIM}.txt`);
  if (existsSync(path)) return path;
  console.error(`bench: writing ${path} (≈ 1.2 GB, once) …`);
  const rng = new Random(0);
  const file = await open(`${path}.tmp`, 'w');
  await file.write(`${LOAD_ROWS} ${LOAD_DIM}\n`);
  const number = () => {
    const v = Math.floor(rng.next() * 2_000_000) - 1_000_000;
    const digits = String(Math.abs(v) % 1_000_000).padStart(6, '0');
    return `${v < 0 ? '-' : ''}${Math.floor(Math.abs(v) / 1_000_000)}.${digits}`;
  };
  for (let start = 0; start < LOAD_ROWS; start += 1000) {
    const lines: string[] = [];
    for (let i = start; i < start + 1000; i++) lines.push(`w${i} ${Array.from({ length: LOAD_DIM }, number).join(' ')}\n`);
    await file.write(lines.join(''));
  }
  await file.close();
  await rename(`${path}.tmp`, path);
  return path;
}

async function gensimAvailable(): Promise<boolean> {
  return run(PYTHON, ['-c', 'import gensim']).then(() => true, () => false);
}

/** Runs the chosen workloads, alternating gensim (when installed) and rnnkit in every repetition. */
export async function runEmbeddingWorkloads(ids: readonly EmbeddingWorkloadId[], reps: number): Promise<EmbeddingRow[]> {
  const withGensim = await gensimAvailable();
  if (!withGensim) console.error(`bench: ${PYTHON} cannot import gensim; W5 and L1 run without the gensim anchor`);
  const rows: EmbeddingRow[] = [];
  for (const workload of ids) {
    const impls: Record<string, (arg: never) => Promise<Measurement>> = workload === 'W5' ? W5_IMPLS : L1_IMPLS;
    const names = Object.keys(impls).filter((name) => withGensim || name !== 'gensim');
    const byImpl = new Map(names.map((name) => [name, { workload, impl: name, threads: workload === 'W5' ? 2 : 1, runs: [] } as EmbeddingRow]));
    const arg = workload === 'L1' ? await loadBenchFile() : undefined;
    for (let r = 0; r < reps; r++) {
      for (const name of names) {
        const row = byImpl.get(name)!;
        if (row.error) continue;
        console.error(`bench: ${workload} ${name} repetition ${r + 1}/${reps} …`);
        try {
          const m = await impls[name]((workload === 'W5' ? r + 1 : arg) as never);
          row.runs.push(m);
          row.impl = m.impl;
        } catch (e) {
          row.error = ((e as { stderr?: string }).stderr || (e as Error).message).trim().split('\n').at(-1);
        }
      }
    }
    rows.push(...byImpl.values());
  }
  return rows;
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

const spread = (values: number[], digits: number, scale = 1) =>
  `${(Math.min(...values) * scale).toFixed(digits)}–${(Math.max(...values) * scale).toFixed(digits)}`;

/** Markdown: W5 words/s and Q3 quality (spreads over the seeds), L1 seconds and peak RSS; ratios against gensim's medians. */
export function embeddingTable(rows: readonly EmbeddingRow[]): string {
  const lines = [
    '| workload | impl | threads | median | range | vs gensim | peak RSS | Q3 analogy accuracy | Q3 WordSim-353 ρ |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const row of rows) {
    const head = `| ${row.workload} | ${row.impl} | ${row.threads} |`;
    if (row.runs.length === 0) {
      lines.push(`${head} failed: ${row.error} | | | | | |`);
      continue;
    }
    const values = row.runs.map((m) => m.value);
    const anchor = rows.find((r) => r.workload === row.workload && r.impl.startsWith('gensim') && r.runs.length > 0);
    const w5 = row.workload === 'W5';
    // W5: higher words/s is better; L1: fewer seconds is better (the ratio is gensim's time / rnnkit's)
    const ratio = anchor ? (w5 ? median(values) / median(anchor.runs.map((m) => m.value)) : median(anchor.runs.map((m) => m.value)) / median(values)) : NaN;
    const figure = w5 ? `${Math.round(median(values)).toLocaleString('en-US')} words/s` : `${median(values).toFixed(2)} s`;
    const range = w5 ? values.map(Math.round).sort((a, b) => a - b).filter((_, i, a) => i === 0 || i === a.length - 1).map((v) => v.toLocaleString('en-US')).join('–') : spread(values, 2);
    const quality = w5
      ? `${spread(row.runs.map((m) => m.analogy!), 2, 100)} % | ${spread(row.runs.map((m) => m.spearman!), 4)} |`
      : '– | – |';
    lines.push(`${head} ${figure} | ${range} | ${Number.isNaN(ratio) ? '–' : `${ratio.toPrecision(3)}×`} | ${Math.round(median(row.runs.map((m) => m.peakRssMb)))} MB | ${quality}`);
  }
  return lines.join('\n');
}

export function embeddingJsonLines(rows: readonly EmbeddingRow[]): string[] {
  return rows.map((row) => JSON.stringify({
    workload: row.workload, impl: row.impl, threads: row.threads, error: row.error,
    [row.workload === 'W5' ? 'words_per_s' : 'seconds']: row.runs.map((m) => m.value),
    peak_rss_mb: row.runs.map((m) => m.peakRssMb),
    ...(row.workload === 'W5' ? { analogy_accuracy: row.runs.map((m) => m.analogy), wordsim353_spearman: row.runs.map((m) => m.spearman) } : {}),
  }));
}
