/**
 * Node's backends, fastest first: the default backend is the first of NODE_BACKENDS that loads.
 * Importing this module installs them as the registry's providers (rnnkit's Node entry point,
 * rnnkit/node and the CLI do).
 */
import { REFERENCE_PROVIDER, setBackendProviders, type BackendProvider } from '../backend/registry.ts';
import { createWasmBackendSync } from '../backend/wasm/node-platform.ts';
import { loadNativeBackend } from '../backend/native/index.ts';

/**
 * Fastest first. Each provider's load is synchronous and throws an Error saying why its backend
 * cannot run here (the reason shown when the default falls back to reference).
 */
export const NODE_BACKENDS: readonly BackendProvider[] = [
  { name: 'native', load: ({ threads }) => loadNativeBackend({ threads }) },
  { name: 'wasm', load: ({ threads }) => createWasmBackendSync({ threads }) },
  REFERENCE_PROVIDER,
];
setBackendProviders(NODE_BACKENDS);

export const BACKEND_NAMES: readonly string[] = NODE_BACKENDS.map((p) => p.name);
