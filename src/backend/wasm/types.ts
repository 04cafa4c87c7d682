/**
 * The wasm backend's public types. They mention no WebAssembly, DOM or Node types, so that a
 * TypeScript program using rnnkit checks under any `lib` (the platform code behind them does).
 */
import type { Backend } from '../backend.ts';

/** The wasm backend (createWasmBackend, or the default backend where wasm loads). */
export interface WasmBackend extends Backend {
  readonly name: 'wasm';
  /** Whether the kernels are a fused multiply-add (relaxed SIMD) build (see MODULE_BUILDS). */
  readonly fusedMultiplyAdd: boolean;
  /** Stops the worker threads; the backend must not be used afterwards. */
  close(): void;
}

export interface WasmBackendOptions {
  /** Threads for big matrix products (the calling thread included); default: the platform's core count. */
  threads?: number;
  /**
   * Use the fused multiply-add build: true requires it, false takes the plain SIMD128 build;
   * default: fused where the engine runs relaxed SIMD.
   */
  fusedMultiplyAdd?: boolean;
  /**
   * Memory of the single-thread builds (pages without cross-origin isolation), in bytes, reserved
   * at once and never grown: every tensor must fit in it. Default 256 MiB (shared memory grows to 2 GiB).
   */
  memoryBytes?: number;
}

/** Where a browser finds the wasm backend's files. */
export interface BrowserPlatformOptions {
  /**
   * URL of the folder holding the kernel module's builds (the files of the package's build/wasm),
   * ending in "/"; default: the package's build/wasm, relative to this module (right when the
   * package is served unbundled; a bundle must say where it put the files).
   */
  wasmDirUrl?: string | URL;
  /**
   * URL of the GEMM worker script (`rnnkit/browser-worker`, bundled on its own or served with the
   * modules it imports); default: next to this module.
   */
  workerUrl?: string | URL;
}
