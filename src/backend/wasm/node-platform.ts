/**
 * Node's side of the wasm backend, the only file of it that imports Node modules: reads the
 * compiled kernel module from the package's build/wasm and starts GEMM workers with worker_threads.
 * createWasmBackendSync is how Node gets the wasm backend as the default with no `await`.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { SPIN_ITERATIONS, type StartedWorker, type WasmPlatform, type WorkerInit } from './threads.ts';
import { selectBuild, startWasmBackend } from './wasm-backend.ts';
import type { WasmBackend, WasmBackendOptions } from './types.ts';

const BUILD_DIR = new URL('../../../build/wasm/', import.meta.url);
const WORKER_URL = new URL('./node-worker.mjs', import.meta.url);

/** One build's bytes; switches on Node 20's relaxed SIMD (a V8 flag, on by default from Node 22) when a build needs it. */
function readModuleSync(file: string): Uint8Array<ArrayBuffer> {
  const url = new URL(file, BUILD_DIR);
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = new Uint8Array(readFileSync(url));
  } catch (e) {
    throw new Error(`cannot read the kernel module ${url.pathname} (in a clone of rnnkit, run \`npm run build:wasm\`): ${(e as Error).message}`);
  }
  if (!WebAssembly.validate(bytes)) setFlagsFromString('--experimental-wasm-relaxed-simd');
  return bytes;
}

export const nodePlatform: WasmPlatform = {
  readModule: async (file) => readModuleSync(file),

  sharedMemory: true,

  defaultThreads: () => availableParallelism(),

  startWorker(init: WorkerInit): StartedWorker {
    // The worker is plain JavaScript: none of the process's Node options (a loader, --input-type) apply to it.
    const worker = new Worker(WORKER_URL, { workerData: { ...init, spin: SPIN_ITERATIONS }, execArgv: [] });
    worker.unref();
    const ready = new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
    });
    return { handle: worker, ready };
  },
};

/**
 * The wasm backend, created synchronously: the kernel module is read and compiled at once, and the
 * GEMM workers join the team as they come up (until then the calling thread computes their share).
 * A worker that fails to start is reported once on stderr; the backend works with fewer threads.
 */
export function createWasmBackendSync(options: WasmBackendOptions = {}): WasmBackend {
  const { bytes, fused } = selectBuild(true, options.fusedMultiplyAdd, readModuleSync);
  const kernel = { module: new WebAssembly.Module(bytes), fused, shared: true };
  const { backend, workersReady } = startWasmBackend(kernel, nodePlatform, options);
  workersReady.catch((e: Error) => console.warn(`rnnkit: a wasm GEMM worker did not start (${e.message}); products run on fewer threads`));
  return backend;
}
