/**
 * The browser's side of the wasm backend: fetches the compiled kernel module and runs GEMM workers
 * as module Web Workers (browser-worker.mjs) over the shared memory. Shared memory needs a
 * cross-origin-isolated page (served with `Cross-Origin-Opener-Policy: same-origin` and
 * `Cross-Origin-Embedder-Policy: require-corp`). The calling thread of a multi-threaded backend
 * waits with Atomics.wait, which a page's main thread may not do: create it inside a Web Worker.
 */
import { SPIN_ITERATIONS, type WasmPlatform, type WorkerHandle, type WorkerInit } from './threads.ts';

export interface BrowserPlatformOptions {
  /**
   * URL of the folder holding the kernel module's builds (rnnkit.wasm, rnnkit-relaxed.wasm), ending
   * in "/"; default: build/wasm/ of this package, relative to this module.
   */
  wasmDirUrl?: string | URL;
  /** URL of the worker script (browser-worker.mjs or a bundle of it); default: next to this module. */
  workerUrl?: string | URL;
}

/** Whether this code runs in a Web Worker (where Atomics.wait is allowed) rather than on a page. */
const inWorker = (): boolean => 'WorkerGlobalScope' in globalThis;

export function browserPlatform(options: BrowserPlatformOptions = {}): WasmPlatform {
  const wasmDirUrl = options.wasmDirUrl ?? new URL('../../../build/wasm/', import.meta.url);
  const workerUrl = options.workerUrl ?? new URL('./browser-worker.mjs', import.meta.url);
  return {
    async loadModule(file: string): Promise<WebAssembly.Module | null> {
      if (!globalThis.crossOriginIsolated) {
        throw new Error('wasm backend: shared memory needs a cross-origin-isolated page (serve it with '
          + '"Cross-Origin-Opener-Policy: same-origin" and "Cross-Origin-Embedder-Policy: require-corp")');
      }
      const url = new URL(file, new URL(wasmDirUrl, globalThis.location?.href));
      const response = await fetch(url);
      if (!response.ok) throw new Error(`wasm backend: cannot fetch ${url}: HTTP ${response.status} ${response.statusText}`);
      const bytes = await response.arrayBuffer();
      return WebAssembly.validate(bytes) ? WebAssembly.compile(bytes) : null;
    },

    /** The core count inside a Web Worker; 1 on a page's main thread, which may not wait for workers. */
    defaultThreads: () => (inWorker() ? navigator.hardwareConcurrency || 1 : 1),

    startWorker(init: WorkerInit): Promise<WorkerHandle> {
      if (!inWorker()) {
        return Promise.reject(new Error('wasm backend: more than one thread needs Atomics.wait, which a page\'s '
          + 'main thread may not call; create the backend inside a Web Worker, or pass threads: 1'));
      }
      const worker = new Worker(workerUrl, { type: 'module' });
      return new Promise((resolve, reject) => {
        worker.onmessage = () => resolve(worker);
        worker.onerror = (e) => reject(new Error(`wasm backend: GEMM worker ${workerUrl} failed: ${e.message}`));
        worker.postMessage({ ...init, spin: SPIN_ITERATIONS });
      });
    },
  };
}
