/**
 * Choosing the compute backend in Node: an ordered list of providers, the fastest first —
 * native (the C addon, when it was built at install), wasm, reference.
 */
import type { Backend } from '../backend/backend.ts';
import { getBackend, registerBackend, setBackend } from '../backend/registry.ts';
import { createWasmBackend } from '../backend/wasm/index.ts';
import { loadNativeBackend } from '../backend/native/index.ts';
import { ValueError } from '../errors.ts';

export const BACKEND_NAMES = ['native', 'wasm', 'reference'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

/** Each backend by name: creates it with `threads` threads (default: the available cores) or throws why it cannot. */
const PROVIDERS: Record<BackendName, (threads?: number) => Promise<Backend>> = {
  native: async (threads) => loadNativeBackend({ threads }),
  wasm: (threads) => createWasmBackend({ threads }),
  reference: async () => getBackend('reference'),
};

/**
 * Makes `name` the current backend; without a name, the first of BACKEND_NAMES that loads.
 * `threads` sizes the native and wasm backends' thread teams (default: the available cores).
 */
export async function useBackend(name?: string, threads?: number): Promise<Backend> {
  if (name !== undefined && !BACKEND_NAMES.includes(name as BackendName)) {
    throw new ValueError('backend', `one of ${BACKEND_NAMES.join(', ')}`, JSON.stringify(name));
  }
  const candidates = name === undefined ? BACKEND_NAMES : [name as BackendName];
  for (const candidate of candidates) {
    try {
      const backend = await PROVIDERS[candidate](threads);
      registerBackend(backend);
      return setBackend(backend.name);
    } catch (e) {
      if (name !== undefined || candidate === 'reference') throw e;
    }
  }
  throw new Error('unreachable: the reference backend always loads');
}
