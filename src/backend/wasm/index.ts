/**
 * createWasmBackend: the SIMD128 + threads backend, created explicitly (the default backend needs
 * no call). In Node it reads the kernel module from build/wasm and runs GEMM workers on
 * worker_threads; in a browser it fetches the module and uses Web Workers (threads need a
 * cross-origin-isolated page; elsewhere it runs on one thread).
 */
import { instantiateWasmBackend } from './wasm-backend.ts';
import { browserPlatform } from './browser-platform.ts';
import type { BrowserPlatformOptions, WasmBackend, WasmBackendOptions } from './types.ts';

export type { BrowserPlatformOptions, WasmBackend, WasmBackendOptions };

/** A new wasm backend whose GEMM workers are all up; `close()` it when done. In Node the browser options are ignored. */
export async function createWasmBackend(options: WasmBackendOptions & BrowserPlatformOptions = {}): Promise<WasmBackend> {
  const inNode = typeof process !== 'undefined' && process.versions?.node !== undefined;
  const platform = inNode ? (await import('./node-platform.ts')).nodePlatform : browserPlatform(options);
  return instantiateWasmBackend(platform, options);
}
