// Compiles the AssemblyScript kernels (src/backend/wasm/assembly) into the four builds of
// MODULE_BUILDS (src/backend/wasm/wasm-backend.ts) in build/wasm: with and without relaxed SIMD,
// over shared memory (threads) and over unshared memory (single thread). A build newer than every
// kernel source and this script is kept, so that `npm pack` and `npm ci` recompile only what changed.
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const sources = join(root, 'src/backend/wasm/assembly');
const out = join(root, 'build/wasm');

/** Memory pages the module imports (wasm-backend.ts: INITIAL_PAGES, MAXIMUM_PAGES). */
const COMMON = ['-O3', '--importMemory', '--initialMemory', '64', '--maximumMemory', '32768', '--runtime', 'stub', '--noAssert'];
const BUILDS = [
  { file: 'rnnkit.wasm', flags: ['--enable', 'simd,threads', '--sharedMemory'] },
  { file: 'rnnkit-relaxed.wasm', flags: ['--enable', 'simd,threads,relaxed-simd', '--sharedMemory'] },
  { file: 'rnnkit-single.wasm', flags: ['--enable', 'simd'] },
  { file: 'rnnkit-relaxed-single.wasm', flags: ['--enable', 'simd,relaxed-simd'] },
];

const mtime = (path) => statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? -Infinity;
const newestInput = Math.max(mtime(import.meta.filename), ...readdirSync(sources).map((f) => mtime(join(sources, f))));

const stale = BUILDS.filter(({ file }) => mtime(join(out, file)) <= newestInput);
const asc = stale.length > 0 ? (await import('assemblyscript/asc')).default : null;
mkdirSync(out, { recursive: true });
for (const { file, flags } of stale) {
  const target = join(out, file);
  const { error, stderr } = await asc.main([join(sources, 'index.ts'), '-o', target, ...COMMON, ...flags]);
  if (error) {
    console.error(`build-wasm: ${file}: ${error.message}\n${stderr.toString()}`);
    process.exit(1);
  }
  console.error(`build-wasm: ${file}`);
}
