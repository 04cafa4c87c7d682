/** The examples run as documented and print what they promise. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = fileURLToPath(new URL('..', import.meta.url));
const run = (example: string): string =>
  execFileSync(process.execPath, ['--import', 'tsx', `examples/${example}`], { cwd: root, encoding: 'utf8', timeout: 60_000 });

test('examples/dynamic-rnn.ts prints outputs [1, 5, 2] for "hello" and [3, 5, 2] for three words', () => {
  const out = run('dynamic-rnn.ts');
  assert.match(out, /words \["hello"\]: x \[1, 5, 4\] → outputs \[1, 5, 2\], state \[1, 2\]/);
  assert.match(out, /words \["hello","eolll","lleel"\]: x \[3, 5, 4\] → outputs \[3, 5, 2\], state \[3, 2\]/);
  // one line of five [a, b] pairs per word; "hello" gives the same outputs alone and in the batch
  const rows = out.split('\n').filter((line) => /^ {2}\[\[/.test(line)).map((line) => line.replace(/,$/, ''));
  assert.equal(rows.length, 4);
  for (const row of rows) assert.equal(row.match(/\[-?\d\.\d{4}, -?\d\.\d{4}\]/g)?.length, 5, row);
  assert.equal(rows[1], rows[0]);
  assert.notEqual(rows[2], rows[0]);
});

test('examples/hello.ts learns "hell" → "ello" with 100 % next-character accuracy', () => {
  const out = run('hello.ts');
  assert.match(out, /prediction: "ello" \(100 % next-character accuracy\)/);
});

test('examples/vanishing-gradients.ts: a tanh RNN stays at chance on a 50-step dependency, LSTM and GRU learn it', () => {
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'examples/vanishing-gradients.ts', '--steps', '300', '--out', join(mkdtempSync(join(tmpdir(), 'rnnkit-')), 'plot.svg')],
    { cwd: root, encoding: 'utf8', timeout: 300_000 });
  const row = (cell: string) => {
    const m = new RegExp(`^${cell}\\s+accuracy after 300 steps: ([\\d.]+) %\\s+gradient at t=0 / t=49: ([\\d.e+-]+)$`, 'm').exec(out);
    assert.ok(m, `no line for ${cell} in:\n${out}`);
    return { accuracy: Number(m[1]), ratio: Number(m[2]) };
  };
  const rnn = row('rnn'), lstm = row('lstm'), gru = row('gru');
  assert.ok(rnn.accuracy < 65 && rnn.ratio < 1e-8, JSON.stringify(rnn));
  for (const gated of [lstm, gru]) assert.ok(gated.accuracy > 90 && gated.ratio > 1e-3, JSON.stringify(gated));
  assert.match(out, /plot: .*plot\.svg/);
});
