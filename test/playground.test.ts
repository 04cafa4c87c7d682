/**
 * The playground: the package build's bundle served by startPlayground (127.0.0.1, cross-origin
 * isolated, nothing from elsewhere) and driven in headless Chromium (Debian's, by playwright-core)
 * at 1280×800 and on a phone-sized viewport: training a character model in the page's worker
 * lowers the loss and streams samples; the checkpoint downloads as a ZIP that the library loads;
 * the inspector colours the text by a unit (other unit, other pixels), shows the next-character
 * distribution and finds units for a keyboard selection; a run directory and the downloaded ZIP
 * open from disk; a classifier, a tagger and a seq2seq model open and draw their matrices for a
 * typed input (another input, other pixels). Screenshots go to test/.tmp/playground/ (look at them).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { launchChromium } from './browser/chromium.ts';
import { startPlayground, PlaygroundError } from '../src/node/playground.ts';
import { RunDirectory } from '../src/node/checkpoint.ts';
import { trainCharLM } from '../src/models/charlm-task.ts';
import { decodeCheckpoint } from '../src/io/checkpoint.ts';
import { modelKind } from '../src/models/kinds.ts';
import { CharLM } from '../src/models/charlm.ts';
import { TextClassifier } from '../src/models/text-classifier.ts';
import { TextTagger } from '../src/models/text-tagger.ts';
import { Translator } from '../src/models/translator.ts';
import { decodeZip, encodeZip, ZipError } from '../src/playground/zip.ts';
import { runAsync } from './cli-helpers.ts';

const ROOT = join(import.meta.dirname, '..');
const SHOTS = join(ROOT, 'test', '.tmp', 'playground');
const STEP_MS = 20_000;

test('ZIP archives round-trip; a deflated archive from zip(1) opens; damage is a ZipError', async () => {
  const entries = [{ path: 'run/model.json', bytes: new TextEncoder().encode('{"a": 1}') }, { path: 'run/ünï.bin', bytes: new Uint8Array(1000).map((_, i) => i * 7) }];
  const zip = encodeZip(entries);
  assert.deepEqual(await decodeZip(zip), entries);
  const deflated = readFileSync(join(ROOT, 'test', 'fixtures', 'playground', 'deflated.zip'));
  const files = await decodeZip(new Uint8Array(deflated));
  assert.deepEqual(files.map((f) => f.path), ['ckpt/notes.txt']);
  assert.match(new TextDecoder().decode(files[0].bytes), /^the whale, the whale, the whale/);
  await assert.rejects(decodeZip(zip.subarray(0, zip.length - 30)), ZipError);
  const flipped = zip.slice();
  flipped[50] ^= 0xff; // inside the first entry's data
  await assert.rejects(decodeZip(flipped), /checksum mismatch/);
});

test('startPlayground: headers; a missing build is a PlaygroundError, a port in use too (one line from the CLI)', async () => {
  await assert.rejects(startPlayground({ port: 0, dir: tmpdir() }), (e) => e instanceof PlaygroundError && /not built/.test(e.message));
  const dir = buildPlayground();
  const first = await startPlayground({ port: 0, dir });
  try {
    const port = Number(new URL(first.url).port);
    await assert.rejects(startPlayground({ port, dir }), /port \d+ on 127\.0\.0\.1 is in use/);
    const cli = await runAsync(['playground', '--port', String(port)]);
    assert.equal(cli.status, 1);
    assert.equal(cli.stderr, `rnnkit playground: error: port ${port} on 127.0.0.1 is in use: pass --port N (0 picks a free one)\n`);
    const page = await fetch(first.url);
    assert.equal(page.headers.get('cross-origin-opener-policy'), 'same-origin');
    assert.equal(page.headers.get('cross-origin-embedder-policy'), 'require-corp');
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    assert.equal((await fetch(`${first.url}wasm/rnnkit.wasm`)).headers.get('content-type'), 'application/wasm');
    assert.equal((await fetch(`${first.url}../package.json`)).status, 404);
    assert.equal((await fetch(first.url, { method: 'POST' })).status, 405);
  } finally {
    await first.close();
  }
});

let built: string | null = null;
/** The package build's playground bundle, built once into a temporary folder. */
function buildPlayground(): string {
  if (built) return built;
  const dir = mkdtempSync(join(tmpdir(), 'rnnkit-playground-'));
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-playground.mjs'), dir], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  built = dir;
  return dir;
}

/** Pixels of a canvas that are not blank, and a fingerprint of them. */
async function canvasPixels(canvas: Locator): Promise<{ inked: number; total: number; hash: number }> {
  return canvas.evaluate((node: HTMLCanvasElement) => {
    const { data } = node.getContext('2d')!.getImageData(0, 0, node.width, node.height);
    let inked = 0, hash = 0;
    for (let i = 0; i < data.length; i += 4) {
      const blank = data[i + 3] === 0 || (data[i] > 250 && data[i + 1] > 250 && data[i + 2] > 250);
      if (!blank) inked++;
      hash = (Math.imul(hash, 31) + data[i] + 3 * data[i + 1] + 7 * data[i + 2] + 11 * data[i + 3]) | 0;
    }
    return { inked, total: data.length / 4, hash };
  });
}

async function assertDrawn(canvas: Locator, what: string, minShare = 0.01): Promise<{ hash: number }> {
  const pixels = await canvasPixels(canvas);
  assert.ok(pixels.inked / pixels.total >= minShare, `${what}: ${pixels.inked} of ${pixels.total} pixels drawn`);
  return pixels;
}

/** A tiny trained character model saved as a run directory (best/ and last/), as `rnnkit train` writes. */
function fixtureRun(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rnnkit-playground-run-'));
  const text = 'the whale, the sea, and the ship. '.repeat(60);
  const { model, trainer } = trainCharLM(text, { cell: 'gru', hiddenSize: 12, embeddingSize: 6, numLayers: 2, seqLen: 16, batchSize: 4, steps: 30, evalEvery: 30 });
  const run = new RunDirectory(join(dir, 'fixture-gru'));
  run.save('last', model, { step: trainer.step, metrics: trainer.evaluations.at(-1)!.metrics });
  run.save('best', model, { step: trainer.step, metrics: trainer.evaluations.at(-1)!.metrics });
  return run.dir;
}

/** A small (untrained) classifier, tagger or seq2seq model saved as a run directory. */
function sequenceRun(kind: 'classifier' | 'tagger' | 'seq2seq'): string {
  const words = ['anna', 'maria', 'john', 'peter', 'olga', 'ivan'];
  const small = { hiddenSize: 8, embeddingSize: 6 };
  const model = kind === 'classifier'
    ? TextClassifier.build(words.map((text, i) => ({ text, label: i % 2 ? 'male' : 'female' })), { kind: 'char', lowercase: true }, small, { seed: 1 })
    : kind === 'tagger'
      ? TextTagger.build([{ tokens: ['the', 'whale', 'swims', '.'], tags: ['DET', 'NOUN', 'VERB', '.'] }], small, { seed: 1 })
      : Translator.build(words.map((w) => ({ source: w, target: [...w].reverse().join(' ') })), { source: { kind: 'char' }, target: { kind: 'word' } },
        { embeddingSize: 6, encoderHidden: 8, decoderHidden: 16 }, { seed: 1 });
  const run = new RunDirectory(join(mkdtempSync(join(tmpdir(), 'rnnkit-playground-run-')), `fixture-${kind}`));
  run.save('best', model, { step: 1, metrics: {} });
  return run.dir;
}

const status = (page: Page): Locator => page.locator('section.train .status');

test('the playground in headless Chromium: train, download, inspect, open', { timeout: 240_000 }, async (t) => {
  rmSync(SHOTS, { recursive: true, force: true });
  mkdirSync(SHOTS, { recursive: true });
  const server = await startPlayground({ port: 0, dir: buildPlayground() });
  const browser = await launchChromium();
  const outside: string[] = [];
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
    const page = await context.newPage();
    page.setDefaultTimeout(STEP_MS);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('request', (r) => { if (!r.url().startsWith(server.url) && !r.url().startsWith('blob:') && !r.url().startsWith('data:')) outside.push(r.url()); });
    await page.goto(server.url);
    assert.equal(await page.evaluate(() => crossOriginIsolated), true, 'the page is cross-origin isolated');
    await page.waitForFunction(() => /^backend: wasm, \d+ thread/.test(document.getElementById('backend')!.textContent ?? ''));
    t.diagnostic(await page.locator('#backend').innerText());

    // ---- train a small model for a few seconds ----
    await page.waitForFunction(() => (document.querySelector('section.train textarea') as HTMLTextAreaElement).value.length > 100_000);
    for (const [label, value] of [['Hidden units', '32'], ['Layers', '1'], ['Embedding', '16'], ['Window (chars)', '32'], ['Batch', '8']]) {
      await page.getByLabel(label, { exact: true }).fill(value);
    }
    await page.getByRole('button', { name: 'Train', exact: true }).click();
    await page.waitForFunction(() => document.querySelectorAll('.samples li').length >= 2, undefined, { timeout: 60_000 });
    await page.getByRole('button', { name: 'Stop' }).click();
    await page.waitForFunction(() => /^stopped/.test(document.querySelector('section.train .status')!.textContent ?? ''));
    const lossLabel = await page.locator('section.train canvas').getAttribute('aria-label');
    const [, first, firstStep, last, lastStep] = /([\d.]+) bits\/char at step (\d+), ([\d.]+) at step (\d+)/.exec(lossLabel ?? '') ?? [];
    t.diagnostic(`${await status(page).innerText()} — ${lossLabel}`);
    assert.ok(Number(lastStep) > Number(firstStep) + 20, `trained ${firstStep} → ${lastStep} steps`);
    assert.ok(Number(last) < Number(first) - 1, `the loss fell by more than 1 bit/char: ${first} → ${last}`);
    const sample = await page.locator('.samples li pre').first().innerText();
    assert.ok(sample.length >= 20, `a sample appeared: ${JSON.stringify(sample)}`);
    await assertDrawn(page.locator('section.train canvas'), 'loss curve');
    await page.screenshot({ path: join(SHOTS, 'train-1280.png') });

    // ---- download the checkpoint and load it with the library ----
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download checkpoint' }).click()]);
    const zipPath = join(SHOTS, download.suggestedFilename());
    await download.saveAs(zipPath);
    const entries = await decodeZip(new Uint8Array(readFileSync(zipPath)));
    const files = new Map(entries.map((e) => [e.path.split('/').at(-1)!, e.bytes]));
    assert.deepEqual([...files.keys()].sort(), ['model.json', 'model.safetensors', 'text.txt', 'training.safetensors']);
    const loaded = decodeCheckpoint((name) => files.get(name) ?? null, zipPath, modelKind);
    assert.ok(loaded.model instanceof CharLM && loaded.info.step >= Number(lastStep), `checkpoint of step ${loaded.info.step}`);
    assert.equal(loaded.training?.state.step, loaded.info.step);
    assert.ok(loaded.model.sample({ length: 40, seed: 1 }).length > 0);

    // ---- inspect: activations, next character, units for a selection ----
    await page.getByRole('tab', { name: /^Inspect/ }).click();
    const heat = page.locator('section.charlm canvas.heat-text');
    await page.waitForFunction(() => /^\d+ characters$/.test(document.querySelector('section.charlm .status')?.textContent ?? ''));
    const unit0 = await assertDrawn(heat, 'activations of unit 0', 0.05);
    await page.getByRole('button', { name: 'next unit' }).click();
    const unit1 = await assertDrawn(heat, 'activations of unit 1', 0.05);
    assert.notEqual(unit1.hash, unit0.hash, 'another unit colours the text otherwise');
    await page.getByLabel('Signal').selectOption('f');
    await page.waitForFunction(() => /forget gate f of unit 1/.test(document.querySelector('.cursor-info')?.textContent ?? ''));
    const gate = await assertDrawn(heat, 'forget gate of unit 1', 0.05);
    assert.notEqual(gate.hash, unit1.hash, 'the forget gate colours the text otherwise');
    const bars = page.locator('section.charlm canvas.bars');
    const barsAt0 = await assertDrawn(bars, 'next-character distribution');
    // keyboard: move the cursor, select ten characters, find units
    await heat.focus();
    await page.keyboard.press('ArrowRight');
    assert.notEqual((await canvasPixels(bars)).hash, barsAt0.hash, 'the distribution follows the cursor');
    for (let i = 0; i < 10; i++) await page.keyboard.press('Shift+ArrowRight');
    await page.getByRole('button', { name: 'Find units that fire here' }).click();
    const unitButtons = page.locator('section.charlm .units button');
    await unitButtons.first().waitFor();
    assert.equal(await unitButtons.count(), 10);
    const firstUnit = Number(/^unit (\d+)/.exec(await unitButtons.first().innerText())![1]);
    await unitButtons.first().click();
    assert.equal(await page.getByLabel('Unit', { exact: true }).inputValue(), String(firstUnit));
    await page.getByRole('button', { name: 'Generate' }).click();
    await page.waitForFunction(() => (document.querySelector('pre.sample')?.textContent ?? '').length > 100);
    await page.screenshot({ path: join(SHOTS, 'inspect-1280.png'), fullPage: true });

    // ---- open a run directory and the downloaded checkpoint ----
    await page.getByRole('tab', { name: 'Open' }).click();
    const run = fixtureRun();
    await page.locator('#open-folder').setInputFiles(run);
    await page.getByRole('tab', { name: /fixture-gru\/best/ }).waitFor();
    const opened = page.locator('section.charlm:not([hidden])');
    await page.waitForFunction(() => Array.from(document.querySelectorAll('section.charlm')).some((s) => !s.closest('[hidden]') && /^\d+ characters$/.test(s.querySelector('.status')?.textContent ?? '')));
    assert.match(await opened.locator('.details').innerText(), /^GRU 2×12/);
    await assertDrawn(opened.locator('canvas.heat-text'), 'activations of the opened model', 0.05);
    await page.screenshot({ path: join(SHOTS, 'opened-run-1280.png'), fullPage: true });

    await page.getByRole('tab', { name: 'Open' }).click();
    await page.locator('#open-file').setInputFiles(zipPath);
    await page.waitForFunction(() => /^opened playground-/.test(document.querySelector('section.open .status')!.textContent ?? ''));
    await page.getByRole('tab', { name: 'Train', exact: true }).click();
    await page.waitForFunction((step) => new RegExp(`^stopped · step ${step}\\b`).test(document.querySelector('section.train .status')!.textContent ?? ''), loaded.info.step);
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.waitForFunction((step) => Number(/step (\d+)/.exec(document.querySelector('section.train .status')!.textContent ?? '')?.[1]) > step + 5, loaded.info.step);
    await page.getByRole('button', { name: 'Stop' }).click();

    // ---- word vectors: the map, nearest words, an analogy ----
    await page.getByRole('tab', { name: 'Open' }).click();
    await page.locator('#open-file').setInputFiles(join(ROOT, 'test', 'fixtures', 'embeddings', 'small.txt'));
    await page.getByRole('tab', { name: 'small.txt' }).waitFor();
    await page.waitForFunction(() => document.querySelector('section.vectors .status')?.textContent === '300 words');
    const map = page.locator('section.vectors canvas.map');
    const plain = await assertDrawn(map, 'word map', 0.005);
    await page.getByLabel('Word', { exact: true }).fill('war');
    await page.getByLabel('Word', { exact: true }).press('Enter');
    await page.waitForFunction(() => document.querySelectorAll('section.vectors .results li').length === 10);
    await page.waitForFunction(() => /highlighted: war, /.test(document.querySelector('section.vectors canvas.map')?.getAttribute('aria-label') ?? ''));
    assert.notEqual((await canvasPixels(map)).hash, plain.hash, 'the search is highlighted on the map');
    for (const [label, word] of [['a', 'war'], ['b', 'peace'], ['c', 'army']]) await page.getByLabel(label, { exact: true }).fill(word);
    await page.getByRole('button', { name: 'Solve' }).click();
    await page.waitForFunction(() => /highlighted: war, peace, army/.test(document.querySelector('section.vectors canvas.map')?.getAttribute('aria-label') ?? ''));
    const analogy = await page.locator('section.vectors .results li').allInnerTexts();
    assert.equal(analogy.length, 10);
    t.diagnostic(`war : peace :: army : ${analogy.slice(0, 3).join(', ')}`);
    await page.screenshot({ path: join(SHOTS, 'vectors-1280.png'), fullPage: true });

    // ---- a classifier, a tagger and a seq2seq model: each view draws a matrix for a typed input ----
    for (const [kind, input] of [['classifier', 'Olga'], ['tagger', 'the whale swims .'], ['seq2seq', 'ivan']] as const) {
      await page.getByRole('tab', { name: 'Open' }).click();
      await page.locator('#open-folder').setInputFiles(sequenceRun(kind));
      await page.getByRole('tab', { name: new RegExp(`fixture-${kind}/best`) }).waitFor();
      const view = page.locator(`section.sequence.${kind}:not([hidden])`);
      await page.waitForFunction((k) => (document.querySelector(`section.sequence.${k} .status`)?.textContent ?? '').length > 0, kind);
      assert.equal(await view.locator('.status.error').count(), 0, await view.locator('.status').innerText());
      const first = await assertDrawn(view.locator('canvas.matrix'), `${kind} matrix`, 0.01);
      const answer = await view.locator('.status').innerText();
      await view.getByLabel('Input').fill(input);
      await view.getByLabel('Input').press('Enter');
      let changed = false;
      for (let tries = 0; tries < 100 && !changed; tries++) {
        changed = (await canvasPixels(view.locator('canvas.matrix'))).hash !== first.hash;
        if (!changed) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.ok(changed, `${kind}: another input, other pixels`);
      t.diagnostic(`${kind}: first "${answer}", then ${JSON.stringify(input)} → ${await view.locator('.status').innerText()}`);
      await page.screenshot({ path: join(SHOTS, `${kind}-1280.png`), fullPage: true });
    }

    // ---- keyboard: the tabs ----
    await page.getByRole('tab', { name: 'Train', exact: true }).focus();
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.getByRole('tab', { name: 'Open' }).getAttribute('aria-selected'), 'true');
    assert.deepEqual(errors, []);

    // ---- a phone-sized viewport ----
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    phone.setDefaultTimeout(STEP_MS);
    await phone.goto(server.url);
    await phone.waitForFunction(() => (document.querySelector('section.train textarea') as HTMLTextAreaElement).value.length > 0);
    const fitsWidth = (): Promise<boolean> => phone.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
    assert.ok(await fitsWidth(), 'no horizontal scrolling on a phone (Train)');
    await phone.screenshot({ path: join(SHOTS, 'train-phone.png'), fullPage: true });
    await phone.getByRole('tab', { name: 'Open' }).click();
    await phone.locator('#open-folder').setInputFiles(run);
    await phone.waitForFunction(() => /^\d+ characters$/.test(document.querySelector('section.charlm .status')?.textContent ?? ''));
    await assertDrawn(phone.locator('section.charlm canvas.heat-text'), 'activations on a phone', 0.05);
    assert.ok(await fitsWidth(), 'no horizontal scrolling on a phone (a model)');
    await phone.screenshot({ path: join(SHOTS, 'inspect-phone.png'), fullPage: true });
    await phone.close();
  } finally {
    await browser.close();
    await server.close();
  }
  assert.deepEqual(outside, [], 'nothing is fetched from elsewhere');
  t.diagnostic(`screenshots in ${SHOTS}`);
});
