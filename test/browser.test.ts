/**
 * The wasm backend in a browser: headless Chromium (Debian's /usr/bin/chromium, driven by
 * playwright-core) opens a cross-origin-isolated page on 127.0.0.1 whose Web Worker runs a
 * reference case and a product split across the GEMM team on the wasm backend with 2 threads (so
 * GEMM Web Workers take part). The numbers must equal Node's on the same backend and thread count,
 * and the case must match PyTorch.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { createWasmBackend } from '../src/backend/wasm/index.ts';
import { loadCases } from './reference/cases.ts';
import { assertRnnLayerRun } from './reference/rnn-layer.ts';
import { runRnnLayer, type RnnLayerRun, type RunTensor } from './reference/run-rnn-layer.ts';
import { startTestServer } from './browser/server.ts';
import { teamProduct } from './browser/team-product.ts';

const CHROMIUM = '/usr/bin/chromium';
const CASE = 'lstm_bidirectional_varlen';
const THREADS = 2;
/** Bound of every browser step, so that the test never hangs. */
const STEP_MS = 15_000;

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
  const server = await startTestServer();
  try {
    const browser = await chromium.launch({
      executablePath: CHROMIUM, timeout: STEP_MS,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    try {
      const page = await browser.newPage();
      page.setDefaultTimeout(STEP_MS);
      const pageErrors: string[] = [];
      page.on('pageerror', (e) => pageErrors.push(e.message));
      await page.goto(`${server.url}?case=${CASE}&threads=${THREADS}`);
      assert.equal(await page.evaluate(() => crossOriginIsolated), true, 'the page is cross-origin isolated');
      await page.waitForFunction(() => 'rnnkitResult' in window).catch((e: Error) => {
        throw new Error(`no result from the page: ${e.message} ${pageErrors.join('; ')}`);
      });
      const result = await page.evaluate(() => (window as unknown as { rnnkitResult: unknown }).rnnkitResult) as
        (BrowserNumbers & { threads: number }) | { error: string };
      if ('error' in result) assert.fail(`the page failed: ${result.error}`);
      assert.equal(result.threads, THREADS);
      return result;
    } finally {
      await browser.close();
    }
  } finally {
    await server.close();
  }
}

test(`${CASE} on the wasm backend in headless Chromium (${THREADS} threads) equals Node and PyTorch`, { timeout: 30_000 }, async (t) => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: install Debian's Chromium (apt-get install -y chromium) to run the browser test`);
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
