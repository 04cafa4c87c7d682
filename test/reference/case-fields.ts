/** A reference case's types and field access, without Node modules (the browser test uses them too). */

export interface RefTensor {
  shape: number[];
  data: number[];
}

export type Case = Record<string, unknown> & { kind: string; name: string };

/** The field `key` of a case; a missing field fails the case instead of skipping a check. */
export function field<T = unknown>(c: Case, key: string): T {
  if (!(key in c)) throw new Error(`reference case ${c.name}: missing field "${key}"`);
  return c[key] as T;
}
