/**
 * Node's side of the wasm backend, the only file that imports Node modules: reads the compiled
 * kernel module from build/wasm and starts GEMM workers with worker_threads.
 */
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { SPIN_ITERATIONS, type WasmPlatform, type WorkerHandle, type WorkerInit } from './threads.ts';

const WASM_URL = new URL('../../../build/wasm/rnnkit.wasm', import.meta.url);
const WORKER_URL = new URL('./node-worker.mjs', import.meta.url);

export const nodePlatform: WasmPlatform = {
  async loadModule(): Promise<WebAssembly.Module> {
    let bytes: Uint8Array<ArrayBuffer>;
    try {
      bytes = new Uint8Array(await readFile(WASM_URL));
    } catch (e) {
      throw new Error(`wasm backend: cannot read ${WASM_URL.pathname} (run \`npm run build:wasm\`): ${(e as Error).message}`);
    }
    return WebAssembly.compile(bytes);
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
