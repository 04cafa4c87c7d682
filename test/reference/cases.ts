/**
 * Loading PyTorch reference cases (test/fixtures/reference, copied from shared/reference, or the
 * directory named by RNNKIT_REFERENCE_DIR) and comparing tensors by relative error ‖a−b‖/‖b‖.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import type { Case, RefTensor } from './case-fields.ts';

export { field, type Case, type RefTensor } from './case-fields.ts';

export const TOLERANCE = 1e-4;

export function referenceDir(): string {
  return process.env.RNNKIT_REFERENCE_DIR ?? join(import.meta.dirname, '..', 'fixtures', 'reference');
}

export function loadCases(dir = referenceDir()): Case[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  assert.ok(files.length > 0, `no reference cases (*.json) in ${dir}`);
  return files.map((f) => {
    const c = JSON.parse(readFileSync(join(dir, f), 'utf8')) as Case;
    c.name ??= f.replace(/\.json$/, '');
    return c;
  });
}

/** ‖actual − expected‖ / ‖expected‖ (absolute norm when expected is all zero). */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  assert.equal(actual.length, expected.length, `length ${actual.length} vs expected ${expected.length}`);
  let diff = 0, norm = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = actual[i] - expected[i];
    diff += d * d;
    norm += expected[i] * expected[i];
    assert.ok(Number.isFinite(actual[i]), `element ${i} is ${actual[i]}`);
  }
  return norm === 0 ? Math.sqrt(diff) : Math.sqrt(diff / norm);
}

/** Asserts relative error ≤ TOLERANCE and the same shape; returns the error for reporting. */
export function assertClose(label: string, actual: ArrayLike<number>, actualShape: readonly number[], expected: RefTensor): number {
  assert.deepEqual([...actualShape], expected.shape, `${label}: shape`);
  const err = relativeError(actual, expected.data);
  assert.ok(err <= TOLERANCE, `${label}: relative error ${err.toExponential(2)} > ${TOLERANCE}`);
  return err;
}
