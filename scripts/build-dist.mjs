// Builds dist/, what the package ships besides the kernel modules in build/wasm: tsc compiles src/
// (tsconfig.build.json: ESM JavaScript with `./x.ts` imports rewritten to `./x.js`, .d.ts types,
// source maps), then the plain-JavaScript worker modules and their hand-written types are copied
// beside the compiled code that loads them, and relative `.ts` specifiers left in the .d.ts files
// become `.js` (tsc rewrites them only in JavaScript), so that any TypeScript consumer resolves them.
// A dist/ built after the last change to src/ (a file or a folder: an added or removed file counts)
// and to the build's configuration is kept, so that `npm pack` after `npm ci` does not compile twice.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const src = join(root, 'src'), dist = join(root, 'dist');
/** Written when a build completes (outside dist/, which the package ships whole). */
const stamp = join(root, 'build', 'dist.stamp');

/** Every file under `dir`, as paths relative to it. */
const filesUnder = (dir) => readdirSync(dir, { recursive: true, withFileTypes: true })
  .filter((entry) => entry.isFile())
  .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1));

const mtime = (path) => statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? -Infinity;
const inputs = [src, ...readdirSync(src, { recursive: true }).map((p) => join(src, p)),
  ...['tsconfig.json', 'tsconfig.build.json', 'package.json'].map((f) => join(root, f)), import.meta.filename];
if (mtime(dist) > -Infinity && mtime(stamp) > Math.max(...inputs.map(mtime))) process.exit(0);

rmSync(dist, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const compiled = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (compiled.status !== 0) process.exit(compiled.status ?? 1);

for (const file of filesUnder(src)) {
  if (file.endsWith('.mjs') || file.endsWith('.d.mts')) cpSync(join(src, file), join(dist, file));
}
const TS_SPECIFIER = /((?:from|import)\s*\(?\s*['"]\.{1,2}\/[^'"]*?)\.ts(['"])/g;
for (const file of filesUnder(dist)) {
  if (!file.endsWith('.d.ts')) continue;
  const path = join(dist, file), text = readFileSync(path, 'utf8');
  const rewritten = text.replace(TS_SPECIFIER, '$1.js$2');
  if (rewritten !== text) writeFileSync(path, rewritten);
}
mkdirSync(join(root, 'build'), { recursive: true });
writeFileSync(stamp, '');
