/**
 * Acceptance (issue 8, Deliver 7): every bad input reaches the user as one line on stderr, a
 * non-zero exit status and no stack trace, and leaves the existing checkpoint as it was. Train
 * rows aim at an existing run with --force, so that a check made too late would destroy it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync, openSync, ftruncateSync, closeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Random } from '../src/tensor/random.ts';
import { BIN, run } from './cli-helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'rnnkit-errors-'));
chmodSync(dir, 0o755); // the unreadable-file row runs as another user when the tests run as root
const corpus = join(dir, 'corpus.txt');
const rng = new Random(3);
writeFileSync(corpus, Array.from({ length: 3000 }, () => 'abcdefgh ,.'[rng.nextInt(11)]).join(''));
const RUN = join(dir, 'run');
const MODEL = ['--hidden', '8', '--layers', '1', '--embedding', '4', '--seq-len', '8', '--batch', '2'];
const trained = run(['train', '--data', corpus, '--backend', 'reference', ...MODEL, '--steps', '4', '--eval-every', '2', '--quiet', '--out', RUN]);

/** A hash of every file below `path` but the data files of the rows. */
function fingerprint(path: string): string {
  const hash = createHash('sha256');
  const walk = (p: string): void => {
    if (p.endsWith('big.txt') || p.endsWith('secret.txt')) return;
    if (statSync(p).isDirectory()) for (const name of readdirSync(p).sort()) walk(join(p, name));
    else hash.update(p).update(readFileSync(p));
  };
  walk(path);
  return hash.digest('hex');
}

/** A copy of the run's best/ checkpoint with model.safetensors or model.json changed. */
function corrupt(name: string, change: { weights?: (header: Record<string, unknown>, data: Buffer) => [unknown, Buffer]; json?: (json: Record<string, unknown>) => void; from?: 'best' | 'last' }): string {
  const target = join(dir, name);
  cpSync(join(RUN, change.from ?? 'best'), target, { recursive: true });
  if (change.weights) {
    const bytes = readFileSync(join(target, 'model.safetensors'));
    const length = Number(bytes.readBigUInt64LE(0));
    const [header, data] = change.weights(JSON.parse(bytes.subarray(8, 8 + length).toString()), bytes.subarray(8 + length));
    const text = Buffer.from(JSON.stringify(header));
    const size = Buffer.alloc(8);
    size.writeBigUInt64LE(BigInt(text.length));
    writeFileSync(join(target, 'model.safetensors'), Buffer.concat([size, text, data]));
  }
  if (change.json) {
    const json = JSON.parse(readFileSync(join(target, 'model.json'), 'utf8'));
    change.json(json);
    writeFileSync(join(target, 'model.json'), JSON.stringify(json));
  }
  return target;
}

type Entry = { dtype: string; shape: number[]; data_offsets: [number, number] };
const tensors = (header: Record<string, unknown>) => Object.entries(header).filter(([k]) => k !== '__metadata__') as [string, Entry][];

interface Row {
  name: string;
  args: string[];
  message: RegExp;
  /** Run as this user (the unreadable-file row, as root). */
  uid?: number;
}

function rows(): Row[] {
  const big = join(dir, 'big.txt');
  const fd = openSync(big, 'w');
  ftruncateSync(fd, 2 ** 31 + 1); // sparse: no disk used
  closeSync(fd);
  const secret = join(dir, 'secret.txt');
  writeFileSync(secret, 'abc abc abc');
  chmodSync(secret, 0o000);
  const asRoot = process.getuid?.() === 0;
  const train = (...args: string[]) => ['train', '--data', corpus, '--backend', 'reference', ...MODEL, '--steps', '2', '--out', RUN, '--force', ...args];
  const evaluate = (checkpoint: string, ...args: string[]) => ['eval', checkpoint, '--backend', 'reference', ...args];
  return [
    { name: 'unreadable data file', args: evaluate(RUN, '--data', secret), message: /cannot read .*secret\.txt \(EACCES\)/, uid: asRoot ? 65534 : undefined },
    { name: 'data file over 2 GiB', args: train('--data', big), message: /big\.txt is 2,147,483,649 bytes; files up to 2 GiB/ },
    { name: '--hidden -5', args: train('--hidden', '-5'), message: /--hidden: expected an integer ≥ 1, got "-5"/ },
    { name: '--top-p 2', args: ['sample', RUN, '--backend', 'reference', '--prime', 'abc', '--top-p', '2'], message: /--top-p: expected a number in \(0, 1\], got "2"/ },
    { name: 'fractional --seed (train)', args: train('--seed', '1.5'), message: /--seed: expected an integer in \[0, 4294967295\], got "1.5"/ },
    { name: 'fractional --seed (sample)', args: ['sample', RUN, '--seed', '0.5'], message: /--seed: expected an integer/ },
    {
      name: 'safetensors header null', message: /model\.safetensors/,
      args: evaluate(corrupt('null-header', { weights: (_, data) => [null, data] })),
    },
    {
      name: 'safetensors entry null', message: /model\.safetensors/,
      args: evaluate(corrupt('null-entry', { weights: (h, data) => [{ ...h, [tensors(h)[0][0]]: null }, data] })),
    },
    {
      name: 'safetensors offsets not integers', message: /model\.safetensors/,
      args: evaluate(corrupt('fractional-offsets', {
        weights: (h, data) => {
          const [name, e] = tensors(h)[0];
          return [{ ...h, [name]: { ...e, data_offsets: [e.data_offsets[0] + 0.5, e.data_offsets[1] + 0.5] } }, data];
        },
      })),
    },
    {
      name: 'safetensors overlapping offsets', message: /model\.safetensors/,
      args: evaluate(corrupt('overlap', {
        weights: (h, data) => {
          const [[a, ea], [b, eb]] = tensors(h);
          const size = eb.data_offsets[1] - eb.data_offsets[0];
          return [{ ...h, [a]: ea, [b]: { ...eb, data_offsets: [ea.data_offsets[0], ea.data_offsets[0] + size] } }, data];
        },
      })),
    },
    {
      name: 'I32 weights', message: /model\.safetensors.*I32/,
      args: evaluate(corrupt('int-weights', { weights: (h, data) => { const [name, e] = tensors(h)[0]; return [{ ...h, [name]: { ...e, dtype: 'I32' } }, data]; } })),
    },
    {
      name: 'model.json training: {}', message: /model\.json: training\.options: expected an object/,
      args: evaluate(corrupt('empty-training', { from: 'last', json: (j) => { j.training = {}; } })),
    },
    { name: 'model too big for the backend\'s memory (train)', args: ['train', '--data', corpus, '--hidden', '100000', '--out', RUN, '--force'], message: /the model \([\d,]+ float32 parameters\) needs 447 GiB; the (wasm|native) backend holds at most \d+\.\d\d GiB/ },
    {
      name: 'model.json describing a model bigger than its weights', message: /huge\/model\.json: .*needs 596 GiB; the (wasm|native) backend holds at most \d+\.\d\d GiB/,
      args: ['eval', corrupt('huge', { json: (j) => { (j.model as { config: { hiddenSize: number } }).config.hiddenSize = 200_000; } })],
    },
  ];
}

function runRow(row: Row): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...row.args], { uid: row.uid, gid: row.uid });
  let stdout = '', stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, stdout, stderr })));
}

test('every case of Deliver 7: one line on stderr, non-zero exit, no stack trace, the checkpoint unchanged', { concurrency: 2 }, async (t) => {
  assert.equal(trained.status, 0, trained.stderr);
  const table = rows();
  const before = fingerprint(dir);
  await Promise.all(table.map((row) => t.test(row.name, async () => {
    const r = await runRow(row);
    const lines = r.stderr.split('\n').filter((l) => l.length > 0);
    assert.ok(r.status !== 0 && r.status !== null, `exit status ${r.status}`);
    assert.equal(lines.length, 1, `one line on stderr, no stack trace:\n${r.stderr}`);
    assert.ok(lines[0].startsWith(`rnnkit ${row.args[0]}: error: `), lines[0]);
    assert.match(lines[0], row.message);
    assert.equal(r.stdout, '', 'nothing printed');
  })));
  assert.equal(fingerprint(dir), before, 'the run and the checkpoints are unchanged');
});
