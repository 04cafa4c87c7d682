/**
 * The rnnkit command end to end on small data: --json summary, Ctrl-C then --resume equals an
 * uninterrupted run, sampling and eval from a checkpoint, and one-line errors for bad input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Random } from '../src/tensor/random.ts';
import { decodeSafetensors } from '../src/io/safetensors.ts';

const BIN = join(import.meta.dirname, '..', 'bin', 'rnnkit.js');
const dir = mkdtempSync(join(tmpdir(), 'rnnkit-cli-'));
const corpus = join(dir, 'corpus.txt');
const rng = new Random(7);
const words = ['the', 'whale', 'sea', 'ship', 'captain', 'white', 'harpoon', 'deck'];
writeFileSync(corpus, Array.from({ length: 1500 }, () => words[rng.nextInt(words.length)]).join(' ') + '.\n');
const SMALL = ['train', '--data', corpus, '--backend', 'reference', '--hidden', '16', '--layers', '1', '--embedding', '8',
  '--seq-len', '16', '--batch', '4', '--eval-every', '1000', '--sample-every', '1000'];

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function weights(run: string): Record<string, number[]> {
  const { tensors } = decodeSafetensors(readFileSync(join(run, 'model.safetensors')));
  return Object.fromEntries(Object.entries(tensors).map(([k, v]) => [k, Array.from(v.data)]));
}

test('train --json ends with a summary line holding steps, tokens_per_s and val_bpc', () => {
  const r = run([...SMALL, '--steps', '12', '--json', '--out', join(dir, 'json')]);
  assert.equal(r.status, 0, r.stderr);
  const last = JSON.parse(r.stdout.trim().split('\n').pop()!);
  assert.equal(last.event, 'done');
  assert.equal(last.steps, 12);
  assert.ok(last.tokens_per_s > 0);
  assert.ok(last.val_bpc > 0 && last.val_bpc < 8, `val_bpc ${last.val_bpc}`);
});

test('Ctrl-C saves a valid checkpoint, and --resume reaches the same parameters as an uninterrupted run', async () => {
  const steps = '60';
  const full = join(dir, 'full'), cut = join(dir, 'cut');
  assert.equal(run([...SMALL, '--steps', steps, '--quiet', '--out', full]).status, 0);

  const child = spawn(process.execPath, [BIN, ...SMALL, '--steps', steps, '--json', '--out', cut]);
  let out = '';
  let signalled = false;
  child.stdout.on('data', (chunk) => {
    out += chunk;
    if (!signalled && out.includes('"event":"step"')) {
      signalled = true;
      child.kill('SIGINT');
    }
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 130, out);
  const stoppedAt = JSON.parse(out.trim().split('\n').pop()!);
  assert.equal(stoppedAt.interrupted, true);
  assert.ok(stoppedAt.steps < Number(steps), `stopped at ${stoppedAt.steps}`);
  assert.ok(Object.keys(weights(cut)).length > 0);

  const resumed = run(['train', '--backend', 'reference', '--resume', cut, '--steps', steps, '--quiet']);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.deepEqual(weights(cut), weights(full));
});

test('sample streams text from a checkpoint, eval prints bits per character', () => {
  const model = join(dir, 'json');
  const s = run(['sample', model, '--backend', 'reference', '--prime', 'the ', '--length', '30', '--seed', '3']);
  assert.equal(s.status, 0, s.stderr);
  assert.ok(s.stdout.startsWith('the ') && s.stdout.trim().length >= 10, s.stdout);
  assert.equal(run(['sample', model, '--backend', 'reference', '--length', '30', '--seed', '3']).stdout,
    run(['sample', model, '--backend', 'reference', '--length', '30', '--seed', '3']).stdout, 'same seed, same text');
  const e = run(['eval', model, '--backend', 'reference', '--json']);
  assert.equal(e.status, 0, e.stderr);
  const result = JSON.parse(e.stdout);
  assert.ok(result.bits_per_char > 0 && result.perplexity > 1);
});

test('names: sequence training and --count distinct names', () => {
  const out = join(dir, 'names');
  const t = run(['train', '--data', 'names', '--backend', 'reference', '--hidden', '16', '--layers', '1', '--embedding', '8',
    '--batch', '16', '--steps', '5', '--quiet', '--out', out]);
  assert.equal(t.status, 0, t.stderr);
  const s = run(['sample', out, '--backend', 'reference', '--count', '4', '--seed', '1']);
  assert.equal(s.status, 0, s.stderr);
  const names = s.stdout.trim().split('\n');
  assert.equal(names.length, 4);
  assert.equal(new Set(names).size, 4);
});

function assertUserError(args: string[], pattern: RegExp): void {
  const r = run(args);
  assert.notEqual(r.status, 0);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line, no stack trace: ${r.stderr}`);
  assert.match(lines[0], pattern);
}

test('bad input: one-line errors that say what to do, non-zero exit', () => {
  const empty = join(dir, 'empty.txt');
  writeFileSync(empty, '');
  const binary = join(dir, 'binary.bin');
  writeFileSync(binary, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 1, 2]));
  assertUserError(['train', '--data', join(dir, 'missing.txt')], /missing\.txt/);
  assertUserError(['train', '--data', empty], /empty/);
  assertUserError(['train', '--data', binary], /binary|UTF-8/);
  assertUserError(['train', '--data', corpus, '--seq-len', '100000', '--backend', 'reference'], /seq-len/);
  assertUserError(['train', '--data', corpus, '--batch', '100000', '--backend', 'reference'], /batch/);
  assertUserError(['sample', join(dir, 'json'), '--backend', 'reference', '--prime', 'Zebra'], /--prime.*"Z"/);
  assertUserError(['sample', join(dir, 'nowhere')], /no checkpoint/);
  const broken = join(dir, 'broken');
  mkdirSync(broken);
  copyFileSync(join(dir, 'json', 'model.json'), join(broken, 'model.json'));
  const bytes = readFileSync(join(dir, 'json', 'model.safetensors'));
  writeFileSync(join(broken, 'model.safetensors'), bytes.subarray(0, bytes.length - 10));
  assertUserError(['sample', broken, '--backend', 'reference'], /corrupt or truncated/);
  writeFileSync(join(broken, 'model.json'), '{"format": "rnnkit-ch');
  assertUserError(['eval', broken, '--backend', 'reference'], /corrupt or truncated/);
  assertUserError(['train', '--cell', 'transformer'], /--cell/);
});
