/**
 * The rnnkit command end to end on small data: --json events, the run directory (last/, best/,
 * report.html), SIGINT / SIGTERM / SIGHUP save and --resume equals an uninterrupted run, no
 * run is replaced by accident, sample and eval, names and --data-format lines, --help and
 * --version, a closed stdout, characters the model never saw.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Random } from '../src/tensor/random.ts';
import { COMMANDS } from '../src/cli/commands/index.ts';
import { TASKS } from '../src/cli/tasks/index.ts';
import { run, runAsync, spawnCli } from './cli-helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'rnnkit-cli-'));
const corpus = join(dir, 'corpus.txt');
const rng = new Random(7);
const words = ['the', 'whale', 'sea', 'ship', 'captain', 'white', 'harpoon', 'deck'];
writeFileSync(corpus, Array.from({ length: 1500 }, () => words[rng.nextInt(words.length)]).join(' ') + '.\n');
const SMALL = ['train', '--data', corpus, '--backend', 'reference', '--hidden', '16', '--layers', '1', '--embedding', '8',
  '--seq-len', '16', '--batch', '4', '--eval-every', '10', '--preview-every', '1000'];
const json = (stdout: string) => stdout.trim().split('\n').map((line) => JSON.parse(line));
const file = (path: string) => readFileSync(path);

test('train --json: events, a summary line, and a run directory with last/, best/ and report.html', () => {
  const out = join(dir, 'json');
  const r = run([...SMALL, '--steps', '25', '--json', '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  const events = json(r.stdout);
  assert.deepEqual([...new Set(events.map((e) => e.event))], ['start', 'step', 'evaluation', 'checkpoint', 'preview', 'done']);
  assert.deepEqual(events.filter((e) => e.event === 'evaluation').map((e) => e.step), [10, 20, 25]);
  const done = events.at(-1);
  assert.equal(done.reason, 'budget');
  assert.equal(done.steps, 25);
  assert.ok(done.tokens_per_s > 0);
  assert.ok(done.bpc > 0 && done.bpc < 8, `bpc ${done.bpc}`);
  assert.equal(done.best_bpc, Math.min(...events.filter((e) => e.event === 'evaluation').map((e) => e.bpc)));
  assert.deepEqual(readdirSync(out).sort(), ['best', 'last', 'report.html']);
  assert.deepEqual(readdirSync(join(out, 'last')).sort(), ['model.json', 'model.safetensors', 'training.safetensors']);
  assert.deepEqual(readdirSync(join(out, 'best')).sort(), ['model.json', 'model.safetensors']);
  assert.equal(JSON.parse(file(join(out, 'best', 'model.json')).toString()).step, done.best_step);
  assert.match(file(join(out, 'report.html')).toString(), /validation bits per character \(lower is better\)/);
});

test('SIGINT, SIGTERM and SIGHUP save and stop; --resume then reaches the bytes of an uninterrupted run', async () => {
  const full = join(dir, 'full');
  assert.equal(run([...SMALL, '--steps', '60', '--quiet', '--out', full]).status, 0);
  const signals = [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const;
  await Promise.all(signals.map(async ([signal, code]) => {
    const out = join(dir, signal);
    const child = spawnCli([...SMALL, '--steps', '60', '--json', '--out', out]);
    let stdout = '';
    let sent = false;
    child.stdout!.on('data', (chunk) => {
      stdout += chunk;
      if (!sent && stdout.includes('"event":"step"')) {
        sent = true;
        child.kill(signal);
      }
    });
    const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(status, code, `${signal}: ${stdout}`);
    const done = json(stdout).at(-1);
    assert.equal(done.reason, 'interrupted');
    assert.ok(done.steps < 60, `${signal}: stopped at ${done.steps}`);
    assert.equal(JSON.parse(file(join(out, 'last', 'model.json')).toString()).step, done.steps);
    const resumed = await runAsync([...SMALL, '--steps', '60', '--quiet', '--resume', out]);
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.equal(resumed.stderr, '', 'the same command, resumed, warns of nothing');
    for (const name of ['last/model.safetensors', 'last/training.safetensors', 'best/model.safetensors']) {
      assert.ok(file(join(out, name)).equals(file(join(full, name))), `${signal}: ${name}`);
    }
  }));
});

test('no lost work: an existing run is refused without --force, --out is checked before training, model options warn on --resume', () => {
  const out = join(dir, 'json');
  const before = file(join(out, 'last', 'model.safetensors'));
  const refused = run([...SMALL, '--steps', '5', '--out', out]);
  assert.equal(refused.status, 2);
  assert.equal(refused.stderr, `rnnkit train: error: ${out} already holds a run: continue it with --resume ${out}, or replace it with --force\n`);
  assert.ok(file(join(out, 'last', 'model.safetensors')).equals(before));

  const blocked = run([...SMALL, '--steps', '5', '--out', join(corpus, 'run')]);
  assert.equal(blocked.status, 1);
  assert.match(blocked.stderr, /^rnnkit train: error: cannot write to .*corpus\.txt\/run \(ENOTDIR\): choose another --out directory\n$/);
  assert.equal(blocked.stdout, '', 'refused before training');

  const resumed = run([...SMALL, '--steps', '30', '--hidden', '32', '--quiet', '--resume', out]);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.equal(resumed.stderr, 'rnnkit train: warning: ignored on --resume (the run keeps its own): --hidden 32 (the run\'s: 16)\n');
  assert.equal(JSON.parse(file(join(out, 'last', 'model.json')).toString()).step, 30, '--steps is the run\'s total');

  const forced = run([...SMALL, '--steps', '3', '--quiet', '--out', out, '--force']);
  assert.equal(forced.status, 0, forced.stderr);
  assert.equal(JSON.parse(file(join(out, 'last', 'model.json')).toString()).step, 3);
  assert.equal(JSON.parse(file(join(out, 'best', 'model.json')).toString()).step, 3, 'best/ is the new run\'s');
});

test('--early-stop ends a run after N evaluations without improvement; best/ keeps the best one', () => {
  const out = join(dir, 'early');
  // a learning rate this large makes the validation loss climb after the first evaluations
  const r = run([...SMALL, '--steps', '400', '--eval-every', '2', '--lr', '0.5', '--early-stop', '2', '--json', '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  const events = json(r.stdout);
  const done = events.at(-1);
  assert.equal(done.reason, 'early-stop');
  assert.ok(done.steps < 400);
  const evaluations = events.filter((e) => e.event === 'evaluation');
  assert.deepEqual(evaluations.slice(-2).map((e) => e.improved), [false, false]);
  assert.equal(JSON.parse(file(join(out, 'best', 'model.json')).toString()).step, done.best_step);
});

test('sample streams text from the best checkpoint, eval prints the metrics of best or last', () => {
  const model = join(dir, 'full');
  const s = run(['sample', model, '--backend', 'reference', '--prime', 'the ', '--length', '30', '--seed', '3']);
  assert.equal(s.status, 0, s.stderr);
  assert.ok(s.stdout.startsWith('the ') && s.stdout.trim().length >= 10, s.stdout);
  assert.equal(s.stdout, run(['sample', model, '--backend', 'reference', '--prime', 'the ', '--length', '30', '--seed', '3']).stdout, 'same seed, same text');
  const best = JSON.parse(run(['eval', model, '--backend', 'reference', '--json']).stdout);
  const last = JSON.parse(run(['eval', model, '--backend', 'reference', '--json', '--checkpoint', 'last']).stdout);
  assert.equal(best.checkpoint, join(model, 'best'));
  assert.equal(last.step, 60);
  assert.ok(best.bpc > 0 && best.bpc <= last.bpc, `best ${best.bpc} vs last ${last.bpc}`);
  assert.match(run(['eval', model, '--backend', 'reference']).stdout, /corpus\.txt \(held-out 10 %, \d+ characters\): \d\.\d{4} bits\/char, perplexity \d+\.\d{3}\n/);
});

test('characters the model never saw are reported all at once: in eval --data and in a prime', () => {
  const other = join(dir, 'other.txt');
  writeFileSync(other, 'the Zebra and the Quagga jump over the sea, '.repeat(80));
  const e = run(['eval', join(dir, 'full'), '--backend', 'reference', '--data', other]);
  assert.equal(e.status, 1);
  assert.match(e.stderr, /^rnnkit eval: error: .*other\.txt: 9 characters not in the vocabulary of \d+ tokens: U\+005A "Z" \(80×\), .*U\+002C "," \(80×\); remove them/);
  const s = run(['sample', join(dir, 'full'), '--backend', 'reference', '--prime', 'Zebra Quagga']);
  assert.equal(s.status, 1);
  assert.equal(s.stdout, '');
  assert.match(s.stderr, /^rnnkit sample: error: --prime: expected characters of the training data \(change the prime text\), got "Z", "b", "Q", "u", "g", never seen in training\n$/);
});

test('names, and any file with --data-format lines: one sequence per line, --count distinct samples', () => {
  const names = join(dir, 'names');
  const t = run(['train', '--data', 'names', '--backend', 'reference', '--hidden', '16', '--layers', '1', '--embedding', '8',
    '--batch', '16', '--steps', '5', '--quiet', '--out', names]);
  assert.equal(t.status, 0, t.stderr);
  const s = run(['sample', names, '--backend', 'reference', '--count', '4', '--seed', '1']);
  assert.equal(s.status, 0, s.stderr);
  const lines = s.stdout.trim().split('\n');
  assert.equal(lines.length, 4);
  assert.equal(new Set(lines).size, 4);

  const cities = join(dir, 'cities.txt');
  writeFileSync(cities, ['Paris', 'Lyon', 'Nice', 'Lille', 'Nantes', 'Rennes', 'Reims', 'Dijon', 'Brest', 'Metz', 'Tours', 'Caen'].join('\r\n') + '\n\n');
  const lm = join(dir, 'cities');
  const l = run(['train', '--data', cities, '--data-format', 'lines', '--backend', 'reference', '--hidden', '8', '--layers', '1',
    '--batch', '4', '--steps', '3', '--json', '--out', lm]);
  assert.equal(l.status, 0, l.stderr);
  assert.equal(JSON.parse(file(join(lm, 'last', 'model.json')).toString()).model.config.sequences, true);
  const c = run(['sample', lm, '--backend', 'reference', '--count', '3', '--seed', '2']);
  assert.equal(c.status, 0, c.stderr);
  assert.ok(!/<\/?s>|\r/.test(c.stdout), c.stdout);
});

test('--version; every command\'s --help lists every option with its description, choices and default', () => {
  const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8'));
  assert.equal(run(['--version']).stdout, `${pkg.version}\n`);
  const top = run(['--help']).stdout;
  for (const command of COMMANDS) {
    assert.ok(top.includes(command.summary), `rnnkit --help lists ${command.name}`);
    const help = run([...command.name.split(' '), '--help']);
    assert.equal(help.status, 0);
    const lines = help.stdout.split('\n');
    for (const group of command.optionGroups) {
      // tasks share option names (--cell, --hidden …): look in the group's own section
      const start = lines.findIndex((l) => l.includes(group.title));
      assert.ok(start >= 0, `${command.name} --help has the section "${group.title}"`);
      for (const o of group.options) {
        const line = lines.findIndex((l, i) => i > start && l.startsWith(`  --${o.name}`));
        assert.ok(line >= 0, `${command.name} --help lists --${o.name} under "${group.title}"`);
        const text = lines.slice(line, line + 2).join(' ');
        assert.ok(text.includes(o.description), `--${o.name} described`);
        if (o.type === 'choice') assert.ok(text.includes(o.choices.join('|')), `--${o.name} choices`);
        if (o.type !== 'flag' && o.default !== undefined) assert.ok(text.includes(`default ${o.default === '' ? '""' : o.default}`), `--${o.name} default under "${group.title}"`);
      }
    }
  }
  assert.ok(TASKS.every((t) => run(['train', '--help']).stdout.includes(`options of --task ${t.name}`)));
});

test('a closed stdout (rnnkit train --json | head) stops training quietly and saves it', async () => {
  const out = join(dir, 'closed');
  const child = spawnCli([...SMALL, '--steps', '100000', '--json', '--out', out]);
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  child.stdout!.once('data', () => child.stdout!.destroy());
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(status, 0);
  assert.equal(stderr, '');
  assert.ok(JSON.parse(file(join(out, 'last', 'model.json')).toString()).step < 100000);
});

test('a closed stdout (rnnkit sample … | head) ends quietly and at once', async () => {
  const child = spawnCli(['sample', join(dir, 'full'), '--backend', 'reference', '--length', '1000000', '--seed', '1']);
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  child.stdout!.once('data', () => child.stdout!.destroy());
  const started = performance.now();
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(status, 0);
  assert.equal(stderr, '');
  assert.ok(performance.now() - started < 20_000, 'it stopped instead of generating a million characters');
});

test('option errors: one line naming the option, before anything is printed', () => {
  for (const [args, message] of [
    [['train', '--hidden', '-5'], '--hidden: expected an integer ≥ 1, got "-5"'],
    [['train', '--cell', 'transformer'], '--cell: expected one of lstm, gru, rnn, got "transformer"'],
    [['train', '--hiden', '5'], 'unknown option --hiden (did you mean --hidden?)'],
    [['train', '--steps'], '--steps needs a value (an integer ≥ 1)'],
    [['sample', join(dir, 'full'), '--top-p', '2'], '--top-p: expected a number in (0, 1], got "2"'],
    [['sample', join(dir, 'full'), '--seed', '1.5'], '--seed: expected an integer in [0, 4294967295], got "1.5"'],
  ] as const) {
    const r = run([...args]);
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, `rnnkit ${args[0]}: error: ${message} (see "rnnkit ${args[0]} --help")\n`);
  }
});
