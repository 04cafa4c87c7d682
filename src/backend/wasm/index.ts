/**
 * createWasmBackend: the SIMD128 + threads backend. In Node it reads build/wasm/rnnkit.wasm and
 * runs GEMM workers on worker_threads; another platform (browser Web Workers) can be passed in.
 */
import { instantiateWasmBackend, type WasmBackend, type WasmBackendOptions } from './wasm-backend.ts';
import type { WasmPlatform } from './threads.ts';

export type { WasmBackend, WasmBackendOptions, WasmPlatform };

export async function createWasmBackend(options: WasmBackendOptions & { platform?: WasmPlatform } = {}): Promise<WasmBackend> {
  const platform = options.platform ?? (await import('./node-platform.ts')).nodePlatform;
  return instantiateWasmBackend(platform, options);
}
