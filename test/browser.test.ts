/**
 * The wasm backend in a browser: headless Chromium (Debian's /usr/bin/chromium, driven by
 * playwright-core) opens a cross-origin-isolated page on 127.0.0.1 whose Web Worker runs a
 * reference case and a product split across the GEMM team on the wasm backend with 2 threads (so
 * GEMM Web Workers take part). The numbers must equal Node's on the same backend and thread count,
 * and the case must match PyTorch.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { build } from 'esbuild';
import { createWasmBackend } from '../src/backend/wasm/index.ts';
import { MODULE_BUILDS } from '../src/backend/wasm/wasm-backend.ts';
import { loadCases, referenceDir } from './reference/cases.ts';
import { assertRnnLayerRun } from './reference/rnn-layer.ts';
import { runRnnLayer, type RnnLayerRun, type RunTensor } from './reference/run-rnn-layer.ts';
import { HTML, JAVASCRIPT, WASM, startTestServer, type ServedFile } from './browser/server.ts';
import { withChromium } from './browser/chromium.ts';
import { teamProduct } from './browser/team-product.ts';

const ROOT = join(import.meta.dirname, '..');
const CASE = 'lstm_bidirectional_varlen';
const THREADS = 2;

/** Starts the computation worker with the page's query (`?case=NAME&threads=N`) and keeps its answer in `window.rnnkitResult`. */
const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>rnnkit wasm backend</title>
<script type="module">
  const query = new URLSearchParams(location.search);
  const worker = new Worker('/entry.js', { type: 'module' });
  worker.onmessage = (e) => { window.rnnkitResult = e.data; };
  worker.onerror = (e) => { window.rnnkitResult = { error: 'worker: ' + e.message }; };
  worker.postMessage({ caseName: query.get('case'), threads: Number(query.get('threads')) });
</script>
`;

/** The page, esbuild bundles of entry.ts and of the wasm backend's browser worker, the kernel module's builds and the reference cases. */
async function pageFiles(): Promise<(path: string) => Promise<ServedFile | undefined>> {
  const { outputFiles } = await build({
    entryPoints: [join(ROOT, 'test/browser/entry.ts'), join(ROOT, 'src/backend/wasm/browser-worker.mjs')],
    bundle: true, format: 'esm', platform: 'browser', target: 'es2022', outdir: '/', write: false, logLevel: 'error',
  });
  const files = new Map<string, ServedFile>([
    ['/', { type: HTML, body: PAGE }],
    ...await Promise.all(Object.values(MODULE_BUILDS.shared).map(async (file) =>
      [`/${file}`, { type: WASM, body: await readFile(join(ROOT, 'build/wasm', file)) }] as const)),
    ...outputFiles.map((f) => [`/${basename(f.path)}`, { type: JAVASCRIPT, body: f.contents }] as const),
  ]);
  return async (path) => {
    const caseName = /^\/case\/([\w-]+)\.json$/.exec(path)?.[1];
    if (!caseName) return files.get(path);
    const body = await readFile(join(referenceDir(), `${caseName}.json`)).catch(() => undefined);
    return body && { type: 'application/json', body };
  };
}

interface Numbers {
  run: RnnLayerRun;
  product: RunTensor;
}

/** The browser's numbers, and whether it ran the fused multiply-add build of the kernels. */
interface BrowserNumbers extends Numbers {
  fused: boolean;
}

/** Every tensor of a computation, by name. */
const tensorsOf = ({ run, product }: Numbers): Record<string, RunTensor> => ({
  ...run.outputs,
  ...Object.fromEntries(Object.entries(run.grads).map(([name, g]) => [`grad ${name}`, g])),
  'team products': product,
});

/** The case and the product in the browser. */
async function computeInChromium(): Promise<BrowserNumbers> {
  const server = await startTestServer(await pageFiles(), () => true);
  try {
    const result = await withChromium((resultOf) => resultOf(`${server.url}?case=${CASE}&threads=${THREADS}`)) as BrowserNumbers & { threads: number };
    assert.equal(result.threads, THREADS);
    return result;
  } finally {
    await server.close();
  }
}

test(`${CASE} on the wasm backend in headless Chromium (${THREADS} threads) equals Node and PyTorch`, { timeout: 30_000 }, async (t) => {
  const c = loadCases().find((x) => x.name === CASE);
  assert.ok(c, `reference case ${CASE} is missing`);
  const inBrowser = await computeInChromium();
  t.diagnostic(`browser vs PyTorch: largest relative error ${assertRnnLayerRun(c, inBrowser.run).toExponential(2)}`);

  t.diagnostic(`kernel build: ${inBrowser.fused ? 'fused multiply-add (relaxed SIMD)' : 'plain SIMD128'}`);
  // Bit-for-bit equality holds between runs of the same build (MODULE_BUILDS).
  const backend = await createWasmBackend({ threads: THREADS, fusedMultiplyAdd: inBrowser.fused });
  const inNode = tensorsOf({ run: runRnnLayer(c, backend), product: teamProduct(backend) });
  backend.close();
  const browserTensors = tensorsOf(inBrowser);
  assert.deepEqual(Object.keys(browserTensors).sort(), Object.keys(inNode).sort());
  for (const [name, expected] of Object.entries(inNode)) {
    const actual = browserTensors[name];
    assert.deepEqual(actual.shape, expected.shape, `${name}: shape`);
    let maxDiff = 0, differing = 0;
    for (let i = 0; i < expected.data.length; i++) {
      if (Object.is(actual.data[i], expected.data[i])) continue;
      differing++;
      maxDiff = Math.max(maxDiff, Math.abs(actual.data[i] - expected.data[i]));
    }
    t.diagnostic(`${name}: ${differing} of ${expected.data.length} elements differ from Node (max |diff| ${maxDiff})`);
    assert.ok(maxDiff <= 1e-6, `${name}: browser vs Node max |diff| ${maxDiff} > 1e-6`);
  }
});
