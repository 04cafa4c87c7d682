/** rnnkit's own package directory and package.json, found above this file (in the sources or a build of them). */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface PackageInfo {
  /** The directory holding rnnkit's package.json. */
  root: string;
  version: string;
}

/** The nearest directory above this file whose package.json names rnnkit, or null. */
export function rnnkitPackage(): PackageInfo | null {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const path = join(dir, 'package.json');
    if (existsSync(path)) {
      const pkg = JSON.parse(readFileSync(path, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'rnnkit') return { root: dir, version: pkg.version ?? 'unknown' };
    }
    if (dirname(dir) === dir) return null;
  }
}
