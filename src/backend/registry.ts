/**
 * Which backend new tensors are created on. The environment's entry point (src/platform) installs
 * an ordered list of backend providers, fastest first; the first tensor or layer created without an
 * explicit backend makes the first provider that loads the current backend. The environment
 * variable RNNKIT_BACKEND forces one by name. Falling back to the reference backend prints why, once.
 */
import type { Backend } from './backend.ts';
import { ReferenceBackend } from './reference/index.ts';
import { RnnkitError, ValueError } from '../errors.ts';

/** Options of `ready()`, handed to the providers (each reads those it knows). */
export interface ReadyOptions {
  /** Threads of a multi-threaded backend (default: the platform's core count; 1 on a page's main thread). */
  threads?: number;
  /** Browser: URL of the folder holding the wasm kernel modules (the package's build/wasm), ending in "/". */
  wasmDirUrl?: string | URL;
  /** Browser: URL of the GEMM worker script (`rnnkit/browser-worker`, or a bundle of it). */
  workerUrl?: string | URL;
  /** Browser, page not cross-origin isolated: bytes of the wasm backend's fixed memory (default 256 MiB). */
  memoryBytes?: number;
}

/** One way to obtain a backend in this environment. */
export interface BackendProvider {
  readonly name: string;
  /** Creates the backend, synchronously, or throws an Error whose message says why it cannot here. */
  load(options: ReadyOptions): Backend;
  /** Asynchronous work `load` needs first (a browser fetching and compiling the kernels); run by `ready()`. */
  prepare?(options: ReadyOptions): Promise<void>;
}

/** A backend that needs `await ready()` before it can load (in a browser, the wasm kernels are fetched). */
export class BackendNotReadyError extends RnnkitError {}

/** A backend asked for by name (RNNKIT_BACKEND, setBackend, useBackend) that cannot load here. */
export class BackendUnavailableError extends RnnkitError {}

export const REFERENCE_PROVIDER: BackendProvider = { name: 'reference', load: () => new ReferenceBackend() };

const ENV_VARIABLE = 'RNNKIT_BACKEND';

const backends = new Map<string, Backend>();
let providers: readonly BackendProvider[] = [REFERENCE_PROVIDER];
/** The default backend, once chosen; the current one, once anything asked for it. */
let defaultChoice: Backend | null = null;
let current: Backend | null = null;

/** Sets the providers the default backend is chosen from, fastest first (an environment's entry point does). */
export function setBackendProviders(list: readonly BackendProvider[]): void {
  providers = list;
}

/** Registers a backend under its name (getBackend(name) and setBackend(name) find it). */
export function registerBackend(backend: Backend): void {
  backends.set(backend.name, backend);
}

/**
 * The backend named `name` (loading it if it is not registered yet), or the current one, which is
 * the default backend until setBackend or useBackend choose another.
 */
export function getBackend(name?: string): Backend {
  if (name === undefined) return (current ??= defaultBackend({}));
  return backends.get(name) ?? load(findProvider(name, 'backend'), {});
}

/** Makes the backend named `name` the current one. */
export function setBackend(name: string): Backend {
  current = getBackend(name);
  return current;
}

/**
 * Makes the backend named `name` current (default: the default backend) and returns it.
 * `threads` sizes a multi-threaded backend (default: the available cores): a loaded backend is
 * reused when its thread count fits, else a new one replaces it and the old one is closed (its
 * tensors must not be used afterwards).
 */
export function useBackend(name?: string, threads?: number): Backend {
  let backend = name === undefined ? defaultBackend({ threads }) : (backends.get(name) ?? load(findProvider(name, 'backend'), { threads }));
  if (threads !== undefined && backend.threads !== threads) {
    const replaced = backend as Backend & { close?(): void };
    backend = load(findProvider(backend.name, 'backend'), { threads });
    if (backend.threads !== threads) throw new ValueError('threads', `1 for the ${backend.name} backend, which computes on one thread`, String(threads));
    if (defaultChoice === replaced) defaultChoice = backend;
    replaced.close?.();
  }
  current = backend;
  return backend;
}

/** Names of the backends registered or obtainable here. */
export function listBackends(): string[] {
  return [...new Set([...providers.map((p) => p.name), ...backends.keys()])];
}

/**
 * Resolves once the default backend is chosen and loaded. Node needs no call (the default loads
 * synchronously on first use); in a browser, `await ready()` once before creating tensors, since
 * the wasm kernels are fetched and compiled asynchronously. `options` apply when the default is
 * created, so call it first.
 */
export async function ready(options: ReadyOptions = {}): Promise<Backend> {
  if (!defaultChoice) for (const provider of candidates()) await provider.prepare?.(options);
  return (current ??= defaultBackend(options));
}

function defaultBackend(options: ReadyOptions): Backend {
  return (defaultChoice ??= chooseDefault(options));
}

/** The value of RNNKIT_BACKEND, if set. */
function forcedName(): string | undefined {
  return (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[ENV_VARIABLE] || undefined;
}

/** The providers the default is chosen from: all of them, or the one RNNKIT_BACKEND names. */
function candidates(): readonly BackendProvider[] {
  const forced = forcedName();
  return forced ? [findProvider(forced, ENV_VARIABLE)] : providers;
}

function findProvider(name: string, argument: string): BackendProvider {
  const provider = providers.find((p) => p.name === name);
  if (!provider) throw new ValueError(argument, `one of ${listBackends().join(', ')}`, JSON.stringify(name));
  return provider;
}

function load(provider: BackendProvider, options: ReadyOptions): Backend {
  let backend: Backend;
  try {
    backend = provider.load(options);
  } catch (e) {
    if (e instanceof RnnkitError) throw e;
    throw new BackendUnavailableError(`the ${provider.name} backend cannot load here: ${(e as Error).message}`);
  }
  registerBackend(backend);
  return backend;
}

/**
 * The first candidate that loads. Falling back to the reference backend says on stderr why the
 * faster ones did not load (once: the result becomes the current backend).
 */
function chooseDefault(options: ReadyOptions): Backend {
  const forced = forcedName();
  const skipped: string[] = [];
  for (const provider of candidates()) {
    try {
      const backend = backends.get(provider.name) ?? load(provider, options);
      if (skipped.length > 0 && backend.name === REFERENCE_PROVIDER.name) {
        console.warn(`rnnkit: using the slow reference backend: ${skipped.join('; ')} (set ${ENV_VARIABLE}=reference to choose it quietly)`);
      }
      return backend;
    } catch (e) {
      if (e instanceof BackendNotReadyError) throw e;
      if (forced) throw new BackendUnavailableError(`${ENV_VARIABLE}=${forced}: ${(e as Error).message}`);
      skipped.push((e as Error).message);
    }
  }
  throw new BackendUnavailableError(`no backend loads here: ${skipped.join('; ')}`);
}
