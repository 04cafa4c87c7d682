/** Which backend new tensors are created on: a registry of named backends and the current choice. */
import type { Backend } from './backend.ts';
import { ReferenceBackend } from './reference/index.ts';
import { ValueError } from '../errors.ts';

const backends = new Map<string, Backend>();
let current: Backend = new ReferenceBackend();
backends.set(current.name, current);

export function registerBackend(backend: Backend): void {
  backends.set(backend.name, backend);
}

/** The backend named `name`, or the current one. */
export function getBackend(name?: string): Backend {
  if (name === undefined) return current;
  const backend = backends.get(name);
  if (!backend) throw new ValueError('backend', `one of ${[...backends.keys()].join(', ')}`, JSON.stringify(name));
  return backend;
}

export function setBackend(name: string): Backend {
  current = getBackend(name);
  return current;
}

export function listBackends(): string[] {
  return [...backends.keys()];
}
