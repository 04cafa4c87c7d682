/**
 * `rnnkit train --task classify | tag | seq2seq | generate` end to end on small budgets: train →
 * predict (or sample) → eval --json → resume, a resumed run equal to an uninterrupted one, the
 * report sections, and the bad inputs of the issue (file:line errors, unseen labels, over-long
 * inputs, an unknown --class).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './cli-helpers.ts';
import { loadCheckpoint } from '../src/node/checkpoint.ts';
import { getBackend } from '../src/backend/registry.ts';

const dir = mkdtempSync(join(tmpdir(), 'rnnkit-seq-cli-'));
const NER = join(import.meta.dirname, 'fixtures', 'data', 'ner.conll');
const COMMON = ['--backend', 'reference', '--hidden', '16', '--embedding', '8', '--preview-every', '1000', '--quiet'];
const lines = (s: string) => s.trim().split('\n').map((l) => JSON.parse(l));
const ok = (r: { status: number | null; stderr: string }) => assert.equal(r.status, 0, r.stderr);

// seq2seq data: reverse a word (a user TSV)
const reverse = join(dir, 'reverse.tsv');
const letters = 'abcdef';
writeFileSync(reverse, Array.from({ length: 60 }, (_, i) => {
  const w = Array.from({ length: 3 + (i % 3) }, (_, k) => letters[(i * 7 + k * 3) % 6]).join('');
  return `${w}\t${[...w].reverse().join('')}`;
}).join('\n') + '\n');

const tasks = [
  { task: 'classify', data: 'names-gender', extra: ['--batch', '32'], inputs: ['Anna', 'Robert'], metrics: ['accuracy', 'majority_baseline'] },
  { task: 'tag', data: NER, extra: ['--batch', '8', '--crf'], inputs: ['Anna lives in Oslo .'], metrics: ['accuracy', 'f1', 'most_frequent_tag_baseline'] },
  { task: 'seq2seq', data: reverse, extra: ['--batch', '16', '--decoder-hidden', '16', '--beam', '2'], inputs: ['abc'], metrics: ['wer', 'per', 'exact_match'] },
  { task: 'generate', data: 'surnames', extra: ['--batch', '32'], inputs: [], metrics: ['loss', 'perplexity'] },
] as const;

for (const t of tasks) {
  describe(`--task ${t.task}`, () => {
    const out = join(dir, t.task);
    const train = (steps: number, where: string, more: string[] = []) =>
      run(['train', '--task', t.task, '--data', t.data, ...COMMON, ...t.extra, '--steps', String(steps), '--eval-every', '2', '--out', where, ...more]);

    test('train → predict → eval --json; the report has the task\'s sections', () => {
      ok(train(4, out));
      const report = readFileSync(join(out, 'report.html'), 'utf8');
      const section = { classify: /Confusion matrix/, tag: /Per-tag precision, recall and F1/, seq2seq: /Attention: /, generate: /Samples per class/ }[t.task];
      assert.match(report, section);
      if (t.task === 'generate') {
        const r = run(['sample', out, '--class', 'Italian', '--count', '3', '--seed', '1']);
        ok(r);
        assert.equal(r.stdout.trim().split('\n').length, 3);
      } else {
        const r = run(['predict', out, ...t.inputs, '--json']);
        ok(r);
        const outputs = lines(r.stdout);
        assert.equal(outputs.length, t.inputs.length);
        assert.deepEqual(outputs.map((o) => o.input), [...t.inputs]);
      }
      const e = run(['eval', out, '--json']);
      ok(e);
      const metrics = JSON.parse(e.stdout);
      for (const m of t.metrics) assert.ok(Number.isFinite(metrics[m]), `${m} in ${e.stdout}`);
      for (const m of t.metrics.filter((m) => m !== 'loss' && m !== 'perplexity' && m !== 'per')) assert.ok(metrics[m] >= 0 && metrics[m] <= 1, `${m} = ${metrics[m]} is a fraction`);
    });

    test('--resume continues where it stopped: 4 + 2 steps give the batches and weights of 6 steps', async () => {
      const straight = join(dir, `${t.task}-straight`);
      ok(train(6, straight));
      ok(run(['train', '--resume', out, '--steps', '6', '--quiet']));
      const state = (d: string) => JSON.parse(readFileSync(join(d, 'last', 'model.json'), 'utf8')).training.state.task;
      assert.deepEqual(state(out), state(straight), 'batch position');
      // Equal to float32 rounding: main's Trainer resumes variable-length batches (lm on names too)
      // within an ulp or so of an uninterrupted run, not bit for bit.
      const weights = async (d: string) => (await loadCheckpoint(d, { backend: getBackend('reference'), which: 'last' })).model.module.stateDict();
      const [a, b] = [await weights(out), await weights(straight)];
      for (const [name, p] of Object.entries(a)) p.f32.forEach((v, i) => assert.ok(Math.abs(v - b[name].f32[i]) <= 1e-6, `${name}[${i}]: ${v} vs ${b[name].f32[i]}`));
    });
  });
}

describe('bad input', () => {
  test('a malformed line of a data file is one line naming file:line, non-zero exit', () => {
    const bad = join(dir, 'bad.tsv');
    writeFileSync(bad, 'good text\tpos\nno label here\nok\tneg\n');
    const r = run(['train', '--task', 'classify', '--data', bad, ...COMMON, '--steps', '1']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /bad\.tsv:2: expected two fields text<TAB>label, got 1 field\(s\): "no label here"/);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  });

  test('eval on data with a label the model never saw names it', () => {
    const train = join(dir, 'labels.tsv'), other = join(dir, 'other.tsv');
    writeFileSync(train, Array.from({ length: 30 }, (_, i) => `text ${i}\t${i % 2 ? 'a' : 'b'}`).join('\n'));
    writeFileSync(other, Array.from({ length: 30 }, (_, i) => `text ${i}\t${i % 3 ? 'a' : 'c'}`).join('\n'));
    const out = join(dir, 'labels');
    ok(run(['train', '--task', 'classify', '--data', train, ...COMMON, '--steps', '2', '--out', out]));
    const r = run(['eval', out, '--data', other]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /labels: expected labels seen in training \(.*\), got unseen "c"/);
  });

  test('an over-long input is cut to the model\'s maximum length with a warning', () => {
    const r = run(['predict', join(dir, 'classify'), 'x'.repeat(500)]);
    ok(r);
    assert.match(r.stderr, /warning: input cut to the model's maximum length/);
  });

  test('an unknown --class lists the known ones; predict on a generator points to sample', () => {
    const r = run(['sample', join(dir, 'generate'), '--class', 'Klingon']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /--class: expected one of .*Italian.*, got "Klingon"/);
    const p = run(['predict', join(dir, 'generate'), 'x']);
    assert.notEqual(p.status, 0);
    assert.match(p.stderr, /use rnnkit sample RUN --class C/);
  });
});
