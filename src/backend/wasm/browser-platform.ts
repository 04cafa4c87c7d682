/**
 * The browser's side of the wasm backend: fetches the compiled kernel module and runs GEMM workers
 * as module Web Workers (browser-worker.mjs) over the shared memory. Shared memory needs a
 * cross-origin-isolated page (served with `Cross-Origin-Opener-Policy: same-origin` and
 * `Cross-Origin-Embedder-Policy: require-corp`); elsewhere the single-thread builds run. The
 * calling thread of a multi-threaded backend waits with Atomics.wait, which a page's main thread
 * may not do: create it inside a Web Worker.
 */
import type { StartedWorker, WasmPlatform, WorkerInit } from './threads.ts';
import { SPIN_ITERATIONS } from './threads.ts';
import type { BrowserPlatformOptions } from './types.ts';

/** Whether this code runs in a Web Worker (where Atomics.wait is allowed) rather than on a page. */
const inWorker = (): boolean => 'WorkerGlobalScope' in globalThis;

export function browserPlatform(options: BrowserPlatformOptions = {}): WasmPlatform {
  const wasmDirUrl = options.wasmDirUrl ?? new URL('../../../build/wasm/', import.meta.url);
  const workerUrl = options.workerUrl ?? new URL('./browser-worker.mjs', import.meta.url);
  return {
    async readModule(file: string): Promise<ArrayBuffer> {
      const url = new URL(file, new URL(wasmDirUrl, globalThis.location?.href));
      const response = await fetch(url);
      if (!response.ok) throw new Error(`cannot fetch the kernel module ${url}: HTTP ${response.status} ${response.statusText}`);
      return response.arrayBuffer();
    },

    sharedMemory: globalThis.crossOriginIsolated === true,

    /** The core count inside a Web Worker; 1 on a page's main thread, which may not wait for workers. */
    defaultThreads: () => (inWorker() ? navigator.hardwareConcurrency || 1 : 1),

    startWorker(init: WorkerInit): StartedWorker {
      if (!inWorker()) {
        throw new Error('wasm backend: more than one thread needs Atomics.wait, which a page\'s main thread '
          + 'may not call; create the backend inside a Web Worker, or pass threads: 1');
      }
      const worker = new Worker(workerUrl, { type: 'module' });
      const ready = new Promise<void>((resolve, reject) => {
        worker.onmessage = () => resolve();
        worker.onerror = (e) => reject(new Error(`wasm backend: GEMM worker ${workerUrl} failed: ${e.message}`));
      });
      worker.postMessage({ ...init, spin: SPIN_ITERATIONS });
      return { handle: worker, ready };
    },
  };
}
