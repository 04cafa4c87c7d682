/**
 * Headless Chromium for the browser tests: Debian's /usr/bin/chromium driven by playwright-core.
 * A test page leaves its answer in `window.rnnkitResult` (an object with `error` when it failed).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';
/** Bound of every browser step, so that a test never hangs. */
const STEP_MS = 15_000;

/** Opens a page and resolves to its result. */
export type ResultOf = (url: string) => Promise<unknown>;

/** Runs `use` with a headless Chromium that opens pages and returns their results. */
export async function withChromium<T>(use: (resultOf: ResultOf) => Promise<T>): Promise<T> {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: install Debian's Chromium (apt-get install -y chromium) to run the browser tests`);
  const browser = await chromium.launch({
    executablePath: CHROMIUM, timeout: STEP_MS,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  try {
    return await use(async (url) => {
      const page = await browser.newPage();
      try {
        page.setDefaultTimeout(STEP_MS);
        const pageErrors: string[] = [];
        page.on('pageerror', (e) => pageErrors.push(e.message));
        await page.goto(url);
        await page.waitForFunction(() => 'rnnkitResult' in window).catch((e: Error) => {
          throw new Error(`no result from ${url}: ${e.message} ${pageErrors.join('; ')}`);
        });
        const result = await page.evaluate(() => (window as unknown as { rnnkitResult: unknown }).rnnkitResult);
        if (typeof result === 'object' && result !== null && 'error' in result) assert.fail(`${url} failed: ${String(result.error)}`);
        return result;
      } finally {
        await page.close();
      }
    });
  } finally {
    await browser.close();
  }
}
