/**
 * `npm run bench [-- W1 W3 GEMM] [--backend native] [--reps N] [--no-torch] [--json] [--write]`
 *
 * Runs the workloads of bench/workloads/ (shared/bench/README.md: W1 char-LM training, W2
 * sampling, W3 bidirectional-GRU classifier, …) on each rnnkit backend row — reference; wasm and
 * native, each with 1 thread and with every core — and, when `/usr/bin/python3 -c "import torch"`
 * works, the PyTorch anchor at its best in the same run: the tuned allocator
 * (MALLOC_MMAP_THRESHOLD_ / MALLOC_TRIM_THRESHOLD_) in every configuration of torch {1, 2} ×
 * OpenBLAS {1, 2} threads, the best median kept and its configuration named. Every (workload,
 * impl) runs in child processes of its own, so its peak RSS is its own; each figure is the median of
 * the repetitions (default 5; a repetition is a timed batch of steps after warm-up; for PyTorch,
 * one process per repetition). GEMM: native and wasm against OpenBLAS through torch.mm on the W1
 * products and 1024³ (bench/gemm.ts), with 1 and 2 threads. Then W5/Q3 and L1 against gensim
 * (bench/embeddings.ts).
 *
 * Prints Markdown tables (or, with --json, one JSON object per row on stdout); progress goes to
 * stderr. --write also writes the tables and the machine to BENCHMARKS.md.
 */
import { execFile } from 'node:child_process';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { loadWorkloads, type Workload } from './workload.ts';
import { GEMM_PRODUCTS } from './gemm.ts';
import { EMBEDDING_WORKLOAD_IDS, embeddingJsonLines, embeddingTable, runEmbeddingWorkloads, type EmbeddingWorkloadId } from './embeddings.ts';
import { BACKEND_NAMES } from '../src/node/backends.ts';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PYTHON = '/usr/bin/python3';
/** Runs an anchor script and then reports the process's peak RSS as one more JSON line. */
const PYTHON_WITH_PEAK_RSS = [
  'import json, resource, runpy, sys',
  'sys.argv = sys.argv[1:]',
  "runpy.run_path(sys.argv[0], run_name='__main__')",
  "print(json.dumps({'peak_rss_kb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))",
].join('\n');
/** glibc keeps freed memory instead of returning it (and paying the page faults again) — PyTorch's own advice. */
const TUNED_ALLOCATOR = { MALLOC_MMAP_THRESHOLD_: '4294967296', MALLOC_TRIM_THRESHOLD_: '4294967296' };
/** [torch threads, OpenBLAS threads] of shared/bench/README.md. */
const TORCH_GRID: [number, number][] = [[1, 1], [1, 2], [2, 1], [2, 2]];
const THREAD_COUNTS = [...new Set([1, availableParallelism()])];

interface Sample {
  rates: number[];
  peakRssMb: number;
  stepsPerRep?: number;
}

interface Row {
  workload: Workload;
  impl: string;
  threads: string;
  sample?: Sample;
  error?: string;
  /** PyTorch: the median of every configuration tried. */
  configurations?: Record<string, number>;
}

const median = (values: readonly number[]): number => {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

async function measureRnnkit(workload: Workload, backend: string, threads: number, reps: number): Promise<Sample> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'bench/child.ts', workload.id, backend, String(threads), String(reps)],
    { cwd: ROOT, maxBuffer: 1 << 20 });
  const result = JSON.parse(stdout.trim().split('\n').pop()!);
  return { rates: result.rates, peakRssMb: result.peak_rss_mb, stepsPerRep: result.steps_per_rep };
}

/** Runs a Python script of bench/ with the tuned allocator; its JSON lines and peak RSS. */
async function runPython(args: string[], env: Record<string, string>): Promise<{ lines: Record<string, unknown>[]; peakRssMb: number }> {
  const { stdout } = await run(PYTHON, ['-c', PYTHON_WITH_PEAK_RSS, ...args], { cwd: ROOT, env: { ...process.env, ...TUNED_ALLOCATOR, ...env } });
  const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const rss = lines.find((l) => 'peak_rss_kb' in l);
  return { lines: lines.filter((l) => l !== rss), peakRssMb: Number(rss?.peak_rss_kb ?? 0) / 1024 };
}

/** The anchor in every configuration of TORCH_GRID, `reps` processes each; the best median wins. */
async function measureTorch(workload: Workload, reps: number): Promise<Row> {
  const { script, args } = workload.anchor!;
  let best: Row | undefined;
  const configurations: Record<string, number> = {};
  for (const [torchThreads, blasThreads] of TORCH_GRID) {
    const rates: number[] = [];
    let peakRssMb = 0, impl = 'pytorch';
    for (let r = 0; r < reps; r++) {
      const out = await runPython([script, ...args, '--threads', String(torchThreads)], { OPENBLAS_NUM_THREADS: String(blasThreads) });
      for (const line of out.lines) {
        rates.push(Number(line[workload.metric]));
        impl = String(line.impl ?? impl);
      }
      peakRssMb = Math.max(peakRssMb, out.peakRssMb);
    }
    const config = `torch ${torchThreads}, OpenBLAS ${blasThreads}`;
    configurations[config] = median(rates);
    console.error(`bench: ${workload.id} ${impl} (${config}): ${Math.round(median(rates))} ${workload.unit}`);
    if (!best || median(rates) > median(best.sample!.rates)) {
      best = { workload, impl: `${impl} (${config})`, threads: `${torchThreads}+${blasThreads}`, sample: { rates, peakRssMb } };
    }
  }
  return { ...best!, configurations };
}

async function torchAvailable(): Promise<boolean> {
  return run(PYTHON, ['-c', 'import torch']).then(() => true, () => false);
}

function parseOptions(ids: string[]) {
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
  const all = [...ids, 'GEMM', ...EMBEDDING_WORKLOAD_IDS];
  const chosen = positionals.length > 0 ? positionals.map((p) => p.toUpperCase()) : all;
  const unknown = chosen.filter((w) => !all.includes(w));
  if (unknown.length > 0) throw new Error(`bench: unknown workload ${unknown.join(', ')} (expected ${all.join(', ')})`);
  const reps = Number(values.reps);
  if (!(Number.isInteger(reps) && reps >= 1)) throw new Error(`bench: --reps expects an integer ≥ 1, got ${values.reps}`);
  if (values.backend !== undefined && !BACKEND_NAMES.includes(values.backend as never)) {
    throw new Error(`bench: unknown --backend ${values.backend} (expected ${BACKEND_NAMES.join(', ')})`);
  }
  const embeddingWorkloads = chosen.filter((w): w is EmbeddingWorkloadId => EMBEDDING_WORKLOAD_IDS.includes(w as EmbeddingWorkloadId));
  return { ...values, chosen, reps, embeddingWorkloads };
}

/** rnnkit's rows: the reference backend with one thread, then wasm and native with 1 and every core. */
function rnnkitRows(only: string | undefined): [string, number][] {
  const rows: [string, number][] = [['reference', 1], ...THREAD_COUNTS.map((t) => ['wasm', t] as [string, number]),
    ...THREAD_COUNTS.map((t) => ['native', t] as [string, number])];
  return rows.filter(([name]) => only === undefined || name === only);
}

const formatRate = (x: number): string => (x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(1));

function anchorOf(rows: readonly Row[], workload: Workload): number | undefined {
  const anchor = rows.find((r) => r.workload === workload && r.configurations && r.sample);
  return anchor && median(anchor.sample!.rates);
}

function workloadTable(rows: readonly Row[]): string {
  const lines = [
    '| workload | impl | threads | median | range | vs PyTorch | peak RSS |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const row of rows) {
    const head = `| ${row.workload.id} | ${row.impl} | ${row.threads} |`;
    if (!row.sample) {
      lines.push(`${head} failed: ${row.error} | | | |`);
      continue;
    }
    const { rates, peakRssMb } = row.sample;
    const anchor = anchorOf(rows, row.workload);
    const ratio = anchor ? `${(median(rates) / anchor).toPrecision(3)}×` : '–';
    lines.push(`${head} ${formatRate(median(rates))} ${row.workload.unit} | ${formatRate(Math.min(...rates))}–${formatRate(Math.max(...rates))} | ${ratio} | ${Math.round(peakRssMb)} MB |`);
  }
  return lines.join('\n');
}

interface GemmRow {
  label: string;
  shape: string;
  threads: number;
  gflops: Record<string, number>;
}

/** GFLOP/s of every GEMM product: native and wasm (bench/gemm.ts), OpenBLAS via torch.mm. */
async function measureGemm(withTorch: boolean, only: string | undefined): Promise<GemmRow[]> {
  const rows: GemmRow[] = [];
  for (const threads of THREAD_COUNTS) {
    const results: Record<string, Record<string, number>> = {};
    for (const backend of ['native', 'wasm'].filter((b) => only === undefined || b === only)) {
      console.error(`bench: GEMM ${backend} ×${threads} …`);
      const { stdout } = await run(process.execPath, ['--import', 'tsx', 'bench/gemm.ts', backend, String(threads)], { cwd: ROOT });
      for (const line of stdout.trim().split('\n').map((l) => JSON.parse(l))) (results[line.label] ??= {})[backend] = line.gflops;
    }
    if (withTorch) {
      console.error(`bench: GEMM OpenBLAS ×${threads} …`);
      const out = await runPython(['bench/torch_gemm.py', JSON.stringify(GEMM_PRODUCTS), '--threads', String(threads)], { OPENBLAS_NUM_THREADS: String(threads) });
      for (const line of out.lines) (results[String(line.label)] ??= {}).openblas = Number(line.gflops);
    }
    for (const p of GEMM_PRODUCTS) {
      rows.push({ label: p.label, shape: `${p.m}×${p.n}×${p.k} ${p.transA ? 'T' : 'N'}${p.transB ? 'T' : 'N'}`, threads, gflops: results[p.label] ?? {} });
    }
  }
  return rows;
}

function gemmTable(rows: readonly GemmRow[]): string {
  const cell = (x: number | undefined) => (x === undefined ? '–' : x.toFixed(1));
  const lines = [
    '| product | m×n×k | threads | native GFLOP/s | wasm GFLOP/s | OpenBLAS GFLOP/s | native / OpenBLAS |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const { label, shape, threads, gflops: g } of rows) {
    const ratio = g.native !== undefined && g.openblas ? `${((100 * g.native) / g.openblas).toFixed(0)} %` : '–';
    lines.push(`| ${label} | ${shape} | ${threads} | ${cell(g.native)} | ${cell(g.wasm)} | ${cell(g.openblas)} | ${ratio} |`);
  }
  return lines.join('\n');
}

function workloadJson(row: Row, rows: readonly Row[]): string {
  const base = { workload: row.workload.id, impl: row.impl, threads: row.threads };
  if (!row.sample) return JSON.stringify({ ...base, error: row.error });
  const { rates, peakRssMb, stepsPerRep } = row.sample;
  const anchor = anchorOf(rows, row.workload);
  return JSON.stringify({
    ...base,
    [row.workload.metric]: median(rates),
    reps: rates.length,
    rates,
    steps_per_rep: stepsPerRep,
    ratio_to_pytorch: anchor ? median(rates) / anchor : null,
    peak_rss_mb: peakRssMb,
    ...(row.configurations ? { configurations: row.configurations } : {}),
  });
}

/** The error line of a failed child's stderr (or the failure's own message). */
function failureReason(e: unknown): string {
  const lines = ((e as { stderr?: string }).stderr || (e as Error).message).split('\n');
  return (lines.find((line) => /^\w*Error\b/.test(line)) ?? lines[0]).trim();
}

/** The CPU's vector extensions that matter to the kernels (Linux: /proc/cpuinfo). */
function vectorExtensions(): string {
  try {
    const flags = new Set(readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:(.*)$/m)?.[1].trim().split(/\s+/));
    return ['avx2', 'fma', 'avx512f', 'avx512bw', 'avx512vl', 'avx512_vnni', 'avx512_bf16', 'asimd', 'sve'].filter((f) => flags.has(f)).join(', ');
  } catch {
    return 'unknown';
  }
}

async function machineDescription(withTorch: boolean): Promise<string> {
  const torch = withTorch ? (await run(PYTHON, ['-c', 'import torch; print(torch.__version__)'])).stdout.trim() : 'not run';
  const { createWasmBackend } = await import('../src/backend/wasm/index.ts');
  const wasm = await createWasmBackend({ threads: 1 });
  const build = wasm.fusedMultiplyAdd ? 'fused multiply-add build (relaxed SIMD)' : 'plain SIMD128 build';
  wasm.close();
  let native = 'not built';
  try {
    const { loadNativeBackend } = await import('../src/backend/native/index.ts');
    const backend = loadNativeBackend({ threads: 1 });
    native = `${backend.isa} kernels`;
    backend.close();
  } catch (e) {
    native = `unavailable (${(e as Error).message})`;
  }
  return [
    `- CPU: ${cpus()[0]?.model ?? 'unknown'}, ${availableParallelism()} cores; vector extensions: ${vectorExtensions()}`,
    `- Node ${process.version}, PyTorch ${torch} (OpenBLAS), anchor at its best: tuned allocator, best of torch {1, 2} × OpenBLAS {1, 2} threads`,
    `- wasm kernels: ${build}; native kernels: ${native}`,
    `- Date: ${new Date().toISOString().slice(0, 10)}`,
  ].join('\n');
}

/** Writes BENCHMARKS.md through a temporary file, so it is never half-written. */
function writeBenchmarksFile(workloads: readonly Workload[], tables: string, machine: string, reps: number): void {
  const legend = workloads.map((w) => `${w.id} ${w.title}`).join(', ');
  const text = `# Benchmarks

Written by \`npm run bench -- ${process.argv.slice(2).join(' ')}\` (bench/run.ts). Workloads as in
shared/bench/README.md: ${legend}. Median of ${reps} repetitions, range = slowest–fastest
repetition, ratio = median / PyTorch median measured in the same run (PyTorch in its best
configuration, named in its row: torch threads + OpenBLAS threads), peak RSS of the process that
ran the row. GEMM: GFLOP/s of one product, median of 7 timed batches.

${machine}

${tables}
`;
  const path = `${ROOT}BENCHMARKS.md`;
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

async function main(): Promise<void> {
  const workloads = await loadWorkloads();
  let options;
  try {
    options = parseOptions(workloads.map((w) => w.id));
  } catch (e) {
    console.error((e as Error).message);
    process.exit(2);
  }
  const withTorch = !options['no-torch'] && (await torchAvailable());
  if (!options['no-torch'] && !withTorch) console.error(`bench: ${PYTHON} cannot import torch; running without the PyTorch anchor`);
  const rows: Row[] = [];
  for (const workload of workloads.filter((w) => options.chosen.includes(w.id))) {
    if (withTorch && workload.anchor) {
      try {
        rows.push(await measureTorch(workload, options.reps));
      } catch (e) {
        rows.push({ workload, impl: 'pytorch', threads: '–', error: failureReason(e) });
      }
    }
    for (const [backend, threads] of rnnkitRows(options.backend)) {
      console.error(`bench: ${workload.id} ${backend} ×${threads} …`);
      const row: Row = { workload, impl: backend, threads: String(threads) };
      try {
        row.sample = await measureRnnkit(workload, backend, threads, options.reps);
      } catch (e) {
        row.error = failureReason(e);
        console.error(`bench: ${workload.id} ${backend} ×${threads} failed: ${row.error}`);
      }
      rows.push(row);
    }
  }
  const gemm = options.chosen.includes('GEMM') ? await measureGemm(withTorch, options.backend) : [];
  const embeddingRows = options.embeddingWorkloads.length > 0 ? await runEmbeddingWorkloads(options.embeddingWorkloads, options.reps) : [];
  if (options.json) {
    for (const row of rows) console.log(workloadJson(row, rows));
    for (const row of gemm) console.log(JSON.stringify({ workload: 'GEMM', ...row }));
    for (const line of embeddingJsonLines(embeddingRows)) console.log(line);
  }
  const tables = [rows.length > 0 ? workloadTable(rows) : '', gemm.length > 0 ? gemmTable(gemm) : '',
    embeddingRows.length > 0 ? embeddingTable(embeddingRows) : ''].filter(Boolean).join('\n\n');
  if (!options.json) console.log(tables);
  if (options.write) writeBenchmarksFile(workloads.filter((w) => options.chosen.includes(w.id)), tables, await machineDescription(withTorch), options.reps);
}

await main();
