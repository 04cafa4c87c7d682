/**
 * Node's side of the wasm backend, the only file that imports Node modules: reads the compiled
 * kernel module from build/wasm and starts GEMM workers with worker_threads.
 */
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { SPIN_ITERATIONS, type WasmPlatform, type WorkerHandle, type WorkerInit } from './threads.ts';

const BUILD_DIR = new URL('../../../build/wasm/', import.meta.url);
const WORKER_URL = new URL('./node-worker.mjs', import.meta.url);

export const nodePlatform: WasmPlatform = {
  async loadModule(file: string): Promise<WebAssembly.Module | null> {
    const url = new URL(file, BUILD_DIR);
    let bytes: Uint8Array<ArrayBuffer>;
    try {
      bytes = new Uint8Array(await readFile(url));
    } catch (e) {
      throw new Error(`wasm backend: cannot read ${url.pathname} (run \`npm run build:wasm\`): ${(e as Error).message}`);
    }
    // Node 20's V8 has relaxed SIMD behind a flag (on by default from Node 22); switch it on once.
    if (!WebAssembly.validate(bytes)) setFlagsFromString('--experimental-wasm-relaxed-simd');
    return WebAssembly.validate(bytes) ? WebAssembly.compile(bytes) : null;
  },

  defaultThreads: () => availableParallelism(),

  startWorker(init: WorkerInit): Promise<WorkerHandle> {
    const worker = new Worker(WORKER_URL, { workerData: { ...init, spin: SPIN_ITERATIONS } });
    worker.unref();
    return new Promise((resolve, reject) => {
      worker.once('message', () => resolve(worker));
      worker.once('error', reject);
    });
  },
};
