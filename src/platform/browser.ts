/**
 * rnnkit's entry point in browsers (and any JavaScript engine other than Node): the public API
 * (src/index.ts), with the wasm backend as the default once `await ready()` has fetched and
 * compiled its kernels, and the reference backend where wasm cannot run. Creating a tensor before
 * `ready()` throws BackendNotReadyError.
 */
import { BackendNotReadyError, REFERENCE_PROVIDER, setBackendProviders, type BackendProvider, type ReadyOptions } from '../backend/registry.ts';
import { browserPlatform } from '../backend/wasm/browser-platform.ts';
import { instantiateWasmBackend } from '../backend/wasm/wasm-backend.ts';
import type { WasmBackend } from '../backend/wasm/types.ts';

/** The wasm backend `ready()` loaded, or why it could not; null before `ready()`. */
let wasm: Promise<WasmBackend | Error> | null = null;
let loaded: WasmBackend | Error | null = null;

const WASM: BackendProvider = {
  name: 'wasm',
  async prepare({ threads, wasmDirUrl, workerUrl, memoryBytes }: ReadyOptions) {
    wasm ??= instantiateWasmBackend(browserPlatform({ wasmDirUrl, workerUrl }), { threads, memoryBytes }).catch((e: Error) => e);
    loaded = await wasm;
  },
  load() {
    if (!loaded) {
      throw new BackendNotReadyError('the wasm backend loads asynchronously in a browser: `await ready()` once '
        + 'before creating tensors or layers (or choose the reference backend with setBackend(\'reference\'))');
    }
    if (loaded instanceof Error) throw loaded;
    return loaded;
  },
};
setBackendProviders([WASM, REFERENCE_PROVIDER]);

export * from '../index.ts';
