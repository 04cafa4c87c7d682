/**
 * GEMM micro-benchmark of the wasm backend on the char-LM W1 shapes (shared/bench/README.md),
 * with 1 and 2 threads: median GFLOP/s over repeated runs. Run: npx tsx bench/gemm.ts
 */
import { loadavg } from 'node:os';
import { createWasmBackend } from '../src/backend/wasm/index.ts';

// [label, transA, transB, m, n, k]
const SHAPES: [string, boolean, boolean, number, number, number][] = [
  ['input projection x·W_ihᵀ, layer 1', false, true, 2048, 1024, 64],
  ['input projection x·W_ihᵀ, layer 2', false, true, 2048, 1024, 256],
  ['recurrent step h·W_hhᵀ', false, true, 32, 1024, 256],
  ['recurrent backward dGates·W_hh', false, false, 32, 256, 1024],
  ['weight gradient dGatesᵀ·x', true, false, 1024, 256, 2048],
  ['square 1024³', false, false, 1024, 1024, 1024],
];

const median = (xs: number[]): number => xs.sort((a, b) => a - b)[xs.length >> 1];

// Other processes on the cores make the 2-thread figures meaningless: say so.
console.log(`load average before the run: ${loadavg()[0].toFixed(2)}`);

for (const threads of [1, 2]) {
  const backend = await createWasmBackend({ threads });
  console.log(`threads: ${threads}`);
  for (const [label, transA, transB, m, n, k] of SHAPES) {
    const a = backend.alloc(m * k, 'float32'), b = backend.alloc(k * n, 'float32'), c = backend.alloc(m * n, 'float32');
    for (const x of [a, b]) for (let i = 0; i < x.length; i++) x[i] = Math.random();
    const run = () => backend.gemm(transA, transB, m, n, k, 1, a, 0, transA ? m : k, b, 0, transB ? k : n, 0, c, 0, n);
    const reps = Math.max(5, Math.ceil(3e8 / (m * n * k)));
    const times: number[] = [];
    for (let trial = 0; trial < 7; trial++) {
      const t0 = performance.now();
      for (let r = 0; r < reps; r++) run();
      times.push((performance.now() - t0) / reps);
    }
    const ms = median(times);
    const gflops = (2 * m * n * k) / ms / 1e6;
    console.log(`  ${label.padEnd(36)} ${`${m}×${n}×${k}`.padEnd(16)} ${transA ? 'T' : 'N'}${transB ? 'T' : 'N'}  ${ms.toFixed(3).padStart(8)} ms  ${gflops.toFixed(1).padStart(6)} GFLOP/s`);
    for (const x of [a, b, c]) backend.free(x);
  }
  backend.close();
}
