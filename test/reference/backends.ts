/** The backends every reference case runs on. */
import type { Backend } from '../../src/backend/backend.ts';
import { getBackend } from '../../src/backend/registry.ts';

export async function availableBackends(): Promise<Backend[]> {
  return [getBackend('reference')];
}
