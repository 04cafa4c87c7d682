/**
 * The backends every reference case runs on: reference; wasm with 1 and 2 threads in each build
 * of its kernels (fused multiply-add where the engine has relaxed SIMD, and plain SIMD128); native
 * with 1 and 2 threads on this CPU's fastest kernel build (the native addon must be built: a
 * missing addon fails here, it is not skipped).
 */
import type { Backend } from '../../src/backend/backend.ts';
import { getBackend } from '../../src/backend/registry.ts';
import { createWasmBackend } from '../../src/backend/wasm/index.ts';
import { loadNativeBackend } from '../../src/backend/native/index.ts';

export interface NamedBackend {
  label: string;
  backend: Backend;
}

export async function availableBackends(): Promise<NamedBackend[]> {
  const backends: NamedBackend[] = [{ label: 'reference', backend: getBackend('reference') }];
  for (const fusedMultiplyAdd of [true, false]) {
    for (const threads of [1, 2]) {
      // Ask for the fused build only where available: an engine without relaxed SIMD runs plain twice.
      const backend = await createWasmBackend({ threads, fusedMultiplyAdd: fusedMultiplyAdd ? undefined : false });
      if (backend.fusedMultiplyAdd !== fusedMultiplyAdd) {
        backend.close();
        continue;
      }
      backends.push({ label: `wasm ${fusedMultiplyAdd ? 'fused multiply-add' : 'plain SIMD128'}, ${threads} thread(s)`, backend });
    }
  }
  for (const threads of [1, 2]) {
    const backend = loadNativeBackend({ threads });
    backends.push({ label: `native ${backend.isa}, ${threads} thread(s)`, backend });
  }
  return backends;
}
