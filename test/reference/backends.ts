/** The backends every reference case runs on: reference, and wasm with 1 and 2 threads. */
import type { Backend } from '../../src/backend/backend.ts';
import { getBackend } from '../../src/backend/registry.ts';
import { createWasmBackend } from '../../src/backend/wasm/index.ts';

export async function availableBackends(): Promise<Backend[]> {
  return [getBackend('reference'), await createWasmBackend({ threads: 1 }), await createWasmBackend({ threads: 2 })];
}
