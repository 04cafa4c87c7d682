/** Choosing the compute backend in Node: the wasm backend where it loads, else the reference one. */
import type { Backend } from '../backend/backend.ts';
import { getBackend, registerBackend, setBackend } from '../backend/registry.ts';
import { createWasmBackend } from '../backend/wasm/index.ts';
import { ValueError } from '../errors.ts';

export const BACKEND_NAMES = ['wasm', 'reference'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

/**
 * Makes `name` the current backend (default: wasm, falling back to reference if it cannot load).
 * `threads` sizes the wasm backend's worker pool (default: the available cores).
 */
export async function useBackend(name?: string, threads?: number): Promise<Backend> {
  if (name !== undefined && !BACKEND_NAMES.includes(name as BackendName)) {
    throw new ValueError('backend', `one of ${BACKEND_NAMES.join(', ')}`, JSON.stringify(name));
  }
  if (name === 'reference') return setBackend('reference');
  try {
    const wasm = await createWasmBackend({ threads });
    registerBackend(wasm);
    return setBackend(wasm.name);
  } catch (e) {
    if (name === 'wasm') throw e;
    return getBackend('reference');
  }
}
