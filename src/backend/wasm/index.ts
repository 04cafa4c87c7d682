/**
 * createWasmBackend: the SIMD128 + threads backend. In Node it reads the kernel module from build/wasm and
 * runs GEMM workers on worker_threads; in a browser it fetches the module and uses Web Workers
 * (browserPlatform; the page must be cross-origin isolated).
 */
import { MODULE_BUILDS, instantiateWasmBackend, type WasmBackend, type WasmBackendOptions } from './wasm-backend.ts';
import type { WasmPlatform } from './threads.ts';
import { browserPlatform } from './browser-platform.ts';

export type { WasmBackend, WasmBackendOptions, WasmPlatform };
export { browserPlatform, MODULE_BUILDS };

export async function createWasmBackend(options: WasmBackendOptions & { platform?: WasmPlatform } = {}): Promise<WasmBackend> {
  const inNode = typeof process !== 'undefined' && process.versions?.node !== undefined;
  const platform = options.platform ?? (inNode ? (await import('./node-platform.ts')).nodePlatform : browserPlatform());
  return instantiateWasmBackend(platform, options);
}
