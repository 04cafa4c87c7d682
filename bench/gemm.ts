/**
 * GEMM throughput of an rnnkit backend on the products of W1 and on 1024³ (GFLOP/s, the median
 * of 7 timed batches): `tsx bench/gemm.ts native 2` prints one JSON line per product. bench/run.ts
 * sets it beside OpenBLAS through torch.mm (bench/torch_gemm.py, the same GEMM_PRODUCTS).
 */
import { fileURLToPath } from 'node:url';
import type { Backend } from '../src/backend/backend.ts';

export interface GemmProduct {
  label: string;
  transA: boolean;
  transB: boolean;
  m: number;
  n: number;
  k: number;
}

const product = (label: string, transA: boolean, transB: boolean, m: number, n: number, k: number): GemmProduct => ({ label, transA, transB, m, n, k });

export const GEMM_PRODUCTS: GemmProduct[] = [
  product('square 1024³', false, false, 1024, 1024, 1024),
  product('W1 input projection x·W_ihᵀ, layer 1', false, true, 2048, 1024, 64),
  product('W1 input projection x·W_ihᵀ, layer 2', false, true, 2048, 1024, 256),
  product('W1 recurrent step h·W_hhᵀ', false, true, 32, 1024, 256),
  product('W1 recurrent backward dGates·W_hh', false, false, 32, 256, 1024),
  product('W1 weight gradient dGatesᵀ·x', true, false, 1024, 256, 2048),
  product('W1 read-out h·Wᵀ', false, true, 2048, 84, 256),
];

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** Median GFLOP/s of C = op(A)·op(B) on the backend. */
export function gemmGflops(backend: Backend, { transA, transB, m, n, k }: GemmProduct): number {
  const a = backend.alloc(m * k, 'float32'), b = backend.alloc(k * n, 'float32'), c = backend.alloc(m * n, 'float32');
  for (const x of [a, b]) for (let i = 0; i < x.length; i++) x[i] = Math.random();
  const run = () => backend.gemm(transA, transB, m, n, k, 1, a, 0, transA ? m : k, b, 0, transB ? k : n, 0, c, 0, n);
  run();
  const reps = Math.max(5, Math.ceil(3e8 / (m * n * k)));
  const times: number[] = [];
  for (let trial = 0; trial < 7; trial++) {
    const t0 = performance.now();
    for (let r = 0; r < reps; r++) run();
    times.push((performance.now() - t0) / reps);
  }
  for (const x of [a, b, c]) backend.free(x);
  return (2 * m * n * k) / median(times) / 1e6;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await import('../src/node/backends.ts');
  const { useBackend } = await import('../src/backend/registry.ts');
  const backend = await useBackend(process.argv[2], Number(process.argv[3]));
  for (const p of GEMM_PRODUCTS) console.log(JSON.stringify({ label: p.label, gflops: gemmGflops(backend, p) }));
  (backend as { close?: () => void }).close?.();
}
