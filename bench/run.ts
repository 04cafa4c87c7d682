/**
 * `npm run bench [-- W1 W3] [--backend reference] [--reps N] [--no-torch] [--json] [--write]`
 *
 * Runs the workloads of shared/bench/README.md (W1 char-LM training, W2 sampling, W3 bidirectional
 * GRU classifier, W4 attentional encoder–decoder) on each rnnkit backend row (reference; wasm with
 * 1 thread and with every core) and, when `/usr/bin/python3 -c "import torch"` works, the PyTorch
 * anchor (ANCHORS: bench/torch_bench.py --threads 1; W4 bench/torch_g2p.py at its best) in the same run. Every (workload, impl) runs in child processes of its own, so its
 * peak RSS is its own; each figure is the median of the repetitions (default 5; a repetition is a
 * timed batch of steps after warm-up; for PyTorch, one process per repetition).
 *
 * Prints a Markdown table (or, with --json, one JSON object per (workload, impl) line on stdout);
 * progress goes to stderr. --write also writes the table and the machine to BENCHMARKS.md.
 */
import { execFile } from 'node:child_process';
import { renameSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { WORKLOADS, WORKLOAD_IDS, type WorkloadId } from './workloads.ts';
import { createWasmBackend } from '../src/backend/wasm/index.ts';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PYTHON = '/usr/bin/python3';
/** Runs torch_bench.py and then reports the process's peak RSS as one more JSON line. */
const PYTHON_WITH_PEAK_RSS = [
  'import json, resource, runpy, sys',
  'sys.argv = sys.argv[1:]',
  "runpy.run_path(sys.argv[0], run_name='__main__')",
  "print(json.dumps({'peak_rss_kb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))",
].join('\n');

/** One implementation row: an rnnkit backend with a thread count, or the PyTorch anchor. */
interface Impl {
  name: string;
  threads: number;
  /** Runs `reps` repetitions of a workload; resolves to the rate of each and the peak RSS. */
  measure(workload: WorkloadId, reps: number): Promise<Sample>;
}

interface Sample {
  rates: number[];
  peakRssMb: number;
  stepsPerRep?: number;
  /** The anchor's own name (e.g. pytorch-1.13.0a0). */
  impl?: string;
}

interface Row {
  workload: WorkloadId;
  impl: string;
  threads: number;
  sample?: Sample;
  error?: string;
}

function rnnkitImpl(backend: string, threads: number): Impl {
  return {
    name: backend,
    threads,
    async measure(workload, reps) {
      const { stdout } = await run(process.execPath, ['--import', 'tsx', 'bench/child.ts', workload, backend, String(threads), String(reps)],
        { cwd: ROOT, maxBuffer: 1 << 20 });
      const result = JSON.parse(stdout.trim().split('\n').pop()!);
      return { rates: result.rates, peakRssMb: result.peak_rss_mb, stepsPerRep: result.steps_per_rep };
    },
  };
}

/**
 * The PyTorch script, arguments and environment of each workload's anchor. W4 runs torch_g2p.py
 * (a copy of shared/bench/torch_g2p.py) in its best configuration of shared/bench/README.md: torch
 * 1 thread, OpenBLAS 2, the allocator keeping freed memory.
 */
const ANCHORS: Record<WorkloadId, { args: string[]; env?: Record<string, string> }> = {
  W1: { args: ['bench/torch_bench.py', 'W1', '--threads', '1'] },
  W2: { args: ['bench/torch_bench.py', 'W2', '--threads', '1'] },
  W3: { args: ['bench/torch_bench.py', 'W3', '--threads', '1'] },
  W4: {
    args: ['bench/torch_g2p.py', '--w4', '--threads', '1'],
    env: { OPENBLAS_NUM_THREADS: '2', MALLOC_MMAP_THRESHOLD_: '4294967296', MALLOC_TRIM_THRESHOLD_: '4294967296' },
  },
};

const torchImpl: Impl = {
  name: 'pytorch',
  threads: 1,
  async measure(workload, reps) {
    const rates: number[] = [];
    let peakRssKb = 0;
    let impl = 'pytorch';
    for (let r = 0; r < reps; r++) {
      const anchor = ANCHORS[workload];
      const { stdout } = await run(PYTHON, ['-c', PYTHON_WITH_PEAK_RSS, ...anchor.args], { cwd: ROOT, env: { ...process.env, ...anchor.env } });
      for (const line of stdout.trim().split('\n').map((l) => JSON.parse(l))) {
        if ('peak_rss_kb' in line) peakRssKb = Math.max(peakRssKb, line.peak_rss_kb);
        else {
          rates.push(line[WORKLOADS[workload].metric]);
          impl = line.impl;
        }
      }
    }
    return { rates, peakRssMb: peakRssKb / 1024, impl };
  },
};

async function torchAvailable(): Promise<boolean> {
  return run(PYTHON, ['-c', 'import torch']).then(() => true, () => false);
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function parseOptions() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      backend: { type: 'string' },
      reps: { type: 'string', default: '5' },
      'no-torch': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      write: { type: 'boolean', default: false },
    },
  });
  const workloads = positionals.length > 0 ? positionals.map((p) => p.toUpperCase()) : [...WORKLOAD_IDS];
  const unknown = workloads.filter((w) => !WORKLOAD_IDS.includes(w as WorkloadId));
  if (unknown.length > 0) throw new Error(`bench: unknown workload ${unknown.join(', ')} (expected ${WORKLOAD_IDS.join(', ')})`);
  const reps = Number(values.reps);
  if (!(Number.isInteger(reps) && reps >= 1)) throw new Error(`bench: --reps expects an integer ≥ 1, got ${values.reps}`);
  return { ...values, workloads: workloads as WorkloadId[], reps };
}

/** rnnkit's rows: the reference backend, then wasm with one thread and with every core. */
function rnnkitImpls(only: string | undefined): Impl[] {
  const wasmThreads = [...new Set([1, availableParallelism()])];
  const impls = [rnnkitImpl('reference', 1), ...wasmThreads.map((t) => rnnkitImpl('wasm', t))];
  const chosen = impls.filter((impl) => only === undefined || impl.name === only);
  if (chosen.length === 0) throw new Error(`bench: unknown --backend ${only} (expected reference or wasm)`);
  return chosen;
}

const unitOf = (workload: WorkloadId): string => (WORKLOADS[workload].metric === 'tokens_per_s' ? 'tokens/s' : 'sequences/s');
const formatRate = (x: number): string => (x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(1));

/** The PyTorch median of the same workload, if it was measured. */
function anchorOf(rows: readonly Row[], workload: WorkloadId): number | undefined {
  const anchor = rows.find((r) => r.workload === workload && r.impl.startsWith('pytorch') && r.sample);
  return anchor && median(anchor.sample!.rates);
}

function markdownTable(rows: readonly Row[]): string {
  const lines = [
    '| workload | impl | threads | median | range | vs PyTorch | peak RSS |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const row of rows) {
    const head = `| ${row.workload} | ${row.impl} | ${row.threads} |`;
    if (!row.sample) {
      lines.push(`${head} failed: ${row.error} | | | |`);
      continue;
    }
    const { rates, peakRssMb } = row.sample;
    const anchor = anchorOf(rows, row.workload);
    const ratio = anchor ? `${(median(rates) / anchor).toPrecision(3)}×` : '–';
    lines.push(`${head} ${formatRate(median(rates))} ${unitOf(row.workload)} | ${formatRate(Math.min(...rates))}–${formatRate(Math.max(...rates))} | ${ratio} | ${Math.round(peakRssMb)} MB |`);
  }
  return lines.join('\n');
}

function jsonLine(row: Row, rows: readonly Row[]): string {
  const base = { workload: row.workload, impl: row.impl, threads: row.threads };
  if (!row.sample) return JSON.stringify({ ...base, error: row.error });
  const { rates, peakRssMb, stepsPerRep } = row.sample;
  const anchor = anchorOf(rows, row.workload);
  return JSON.stringify({
    ...base,
    [WORKLOADS[row.workload].metric]: median(rates),
    reps: rates.length,
    rates,
    steps_per_rep: stepsPerRep,
    ratio_to_pytorch: anchor ? median(rates) / anchor : null,
    peak_rss_mb: peakRssMb,
  });
}

/** The error line of a failed child's stderr (or the failure's own message). */
function failureReason(e: unknown): string {
  const lines = ((e as { stderr?: string }).stderr || (e as Error).message).split('\n');
  return (lines.find((line) => /^\w*Error\b/.test(line)) ?? lines[0]).trim();
}

async function machineDescription(withTorch: boolean): Promise<string> {
  const torch = withTorch ? (await run(PYTHON, ['-c', 'import torch; print(torch.__version__)'])).stdout.trim() : 'not run';
  const wasm = await createWasmBackend({ threads: 1 });
  const build = wasm.fusedMultiplyAdd ? 'fused multiply-add build (relaxed SIMD)' : 'plain SIMD128 build';
  wasm.close();
  return [
    `- CPU: ${cpus()[0]?.model ?? 'unknown'}, ${availableParallelism()} cores`,
    `- Node ${process.version}, PyTorch ${torch}`,
    `- wasm kernels: ${build}`,
    `- Date: ${new Date().toISOString().slice(0, 10)}`,
  ].join('\n');
}

/** Writes BENCHMARKS.md through a temporary file, so it is never half-written. */
function writeBenchmarksFile(table: string, machine: string, reps: number): void {
  const text = `# Benchmarks

Written by \`npm run bench -- ${process.argv.slice(2).join(' ')}\` (bench/run.ts). Workloads as in
shared/bench/README.md: W1 char-LM training step (32 × 64 tokens), W2 sampling one token at a time,
W3 bidirectional-GRU classifier step (64 sequences of lengths 3…16). Median of ${reps} repetitions,
range = slowest–fastest repetition, ratio = median / PyTorch median measured in the same run,
peak RSS of the process that ran the row.

${machine}

${table}
`;
  const path = `${ROOT}BENCHMARKS.md`;
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

/** Parses the command line, or prints what is wrong with it and exits with status 2. */
function parseOptionsOrExit(): ReturnType<typeof parseOptions> {
  try {
    return parseOptions();
  } catch (e) {
    console.error((e as Error).message);
    process.exit(2);
  }
}

async function main(): Promise<void> {
  const options = parseOptionsOrExit();
  const withTorch = !options['no-torch'] && (await torchAvailable());
  if (!options['no-torch'] && !withTorch) console.error(`bench: ${PYTHON} cannot import torch; running without the PyTorch anchor`);
  const impls = [...(withTorch ? [torchImpl] : []), ...rnnkitImpls(options.backend)];
  const rows: Row[] = [];
  for (const workload of options.workloads) {
    for (const impl of impls) {
      console.error(`bench: ${workload} ${impl.name} ×${impl.threads} …`);
      const row: Row = { workload, impl: impl.name, threads: impl.threads };
      try {
        row.sample = await impl.measure(workload, options.reps);
        row.impl = row.sample.impl ?? impl.name;
      } catch (e) {
        row.error = failureReason(e);
        console.error(`bench: ${workload} ${impl.name} ×${impl.threads} failed: ${row.error}`);
      }
      rows.push(row);
    }
  }
  const table = markdownTable(rows);
  if (options.json) for (const row of rows) console.log(jsonLine(row, rows));
  else console.log(table);
  if (options.write) writeBenchmarksFile(table, await machineDescription(withTorch), options.reps);
}

await main();
