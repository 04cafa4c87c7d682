/**
 * The browser test's computation, run as a module Web Worker of the page (a multi-threaded backend
 * may Atomics.wait only off the main thread): creates the wasm backend on the browser platform,
 * runs one reference case forward and backward and a product big enough for the GEMM team, and
 * posts the numbers (or the error) back.
 */
import { createWasmBackend } from '../../src/index.ts';
import type { Case } from '../reference/case-fields.ts';
import { runRnnLayer } from '../reference/run-rnn-layer.ts';
import { teamProduct } from './team-product.ts';

/** What the page posts to this worker. */
export interface BrowserJob {
  caseName: string;
  threads: number;
}

self.onmessage = async ({ data: { caseName, threads } }: MessageEvent<BrowserJob>) => {
  try {
    const response = await fetch(`/case/${caseName}.json`);
    if (!response.ok) throw new Error(`case ${caseName}: HTTP ${response.status}`);
    const c: Case = { ...await response.json(), name: caseName };
    const backend = await createWasmBackend({ threads, wasmDirUrl: '/', workerUrl: '/browser-worker.js' });
    postMessage({ run: runRnnLayer(c, backend), product: teamProduct(backend), threads: backend.threads, fused: backend.fusedMultiplyAdd });
    backend.close();
  } catch (e) {
    postMessage({ error: (e as Error).stack ?? String(e) });
  }
};
