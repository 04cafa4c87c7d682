/**
 * Acceptance (issue 8): training that saves a checkpoint after every step is killed with SIGKILL
 * at random instants, at least 30 times. After each kill `rnnkit eval` loads the run, and the files
 * of last/ and of best/ are each of one step (eval runs the command's main in this process, to save
 * a start-up per kill); --resume to the end gives the bytes of a run that was
 * never interrupted, and leaves no temporary behind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Random } from '../src/tensor/random.ts';
import { decodeSafetensors } from '../src/io/safetensors.ts';
import { resolveCheckpointDir } from '../src/node/checkpoint.ts';
import { run, runAsync, runInProcess, spawnCli } from './cli-helpers.ts';

const KILLS = 30;
const STEPS = 250;
const dir = mkdtempSync(join(tmpdir(), 'rnnkit-kill-'));
const corpus = join(dir, 'corpus.txt');
const rng = new Random(11);
writeFileSync(corpus, Array.from({ length: 4000 }, () => 'abcdefgh ,.'[rng.nextInt(11)]).join(''));
const ARGS = ['train', '--data', corpus, '--backend', 'reference', '--hidden', '8', '--layers', '1', '--embedding', '4', '--seq-len', '8',
  '--batch', '2', '--eval-every', '4', '--preview-every', '100000', '--checkpoint-every', '0', '--steps', String(STEPS)];

/** The step each file of a checkpoint directory says it belongs to. */
function stepsOf(checkpoint: string): number[] {
  const json = JSON.parse(readFileSync(join(checkpoint, 'model.json'), 'utf8')) as { step: number; training?: { state: { step: number } } };
  const steps = [json.step, Number(decodeSafetensors(readFileSync(join(checkpoint, 'model.safetensors'))).metadata.step)];
  if (json.training) steps.push(json.training.state.step, Number(decodeSafetensors(readFileSync(join(checkpoint, 'training.safetensors'))).metadata.step));
  return steps;
}

/**
 * Starts training (a new run, then --resume) and kills it with SIGKILL at a random instant of one
 * of its first steps: after the `after`-th save of last/, a random fraction of a step's time later
 * (so a kill can land anywhere in a step, its save included), and the run advances a few steps a time.
 */
async function trainAndKill(out: string, first: boolean, after: number, fraction: number): Promise<boolean> {
  const child = spawnCli([...ARGS, '--json', ...(first ? ['--out', out] : ['--resume', out])]);
  let pending = '';
  let saves = 0, lastSave = 0, stepMs = 20;
  let timer: NodeJS.Timeout | undefined;
  child.stdout!.on('data', (chunk) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      if (!line.includes('"which":"last"')) continue;
      const now = performance.now();
      if (saves++ > 0) stepMs = now - lastSave;
      lastSave = now;
      if (saves === after) timer = setTimeout(() => child.kill('SIGKILL'), fraction * stepMs);
    }
  });
  const [, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('close', (code, sig) => resolve([code, sig])));
  clearTimeout(timer);
  return signal === 'SIGKILL';
}

test(`${KILLS} SIGKILLs at random instants: every checkpoint stays whole; --resume reaches the uninterrupted bytes`, async (t) => {
  const straight = join(dir, 'straight');
  const uninterrupted = runAsync([...ARGS, '--quiet', '--out', straight]);

  const out = join(dir, 'killed');
  let kills = 0, midSave = 0, attempts = 0;
  while (kills < KILLS) {
    assert.ok(attempts++ < KILLS * 2, `only ${kills} kills in ${attempts} runs: the run ended before being killed`);
    if (!(await trainAndKill(out, attempts === 1, 2 + rng.nextInt(3), rng.next()))) continue;
    kills++;
    if (readdirSync(out).some((name) => /\.(new|old)$|\.tmp-\d+$/.test(name))) midSave++;
    const e = await runInProcess(['eval', out, '--checkpoint', 'last', '--backend', 'reference', '--json']);
    assert.equal(e.status, 0, `kill ${kills}: eval failed: ${e.stderr}`);
    const evaluated = JSON.parse(e.stdout) as { step: number; bpc: number };
    assert.ok(evaluated.bpc > 0, `kill ${kills}: ${e.stdout}`);
    for (const which of ['last', 'best']) {
      const checkpoint = resolveCheckpointDir(join(out, which));
      if (!checkpoint) continue;
      const steps = stepsOf(checkpoint);
      assert.ok(steps.every((s) => s === steps[0]), `kill ${kills}: ${which}/ holds files of steps ${steps}`);
      if (which === 'last') assert.equal(steps[0], evaluated.step, `kill ${kills}: eval read last/ of step ${steps[0]}`);
    }
  }
  const reached = stepsOf(resolveCheckpointDir(join(out, 'last'))!)[0];
  t.diagnostic(`${kills} kills in ${attempts} runs, up to step ${reached} of ${STEPS}; ${midSave} left a save half done (a .new/.old directory or a temporary file)`);

  const finished = await runAsync([...ARGS, '--quiet', '--resume', out]);
  assert.equal(finished.status, 0, finished.stderr);
  assert.equal((await uninterrupted).status, 0);
  for (const name of ['last/model.safetensors', 'last/training.safetensors', 'best/model.safetensors']) {
    assert.ok(readFileSync(join(out, name)).equals(readFileSync(join(straight, name))), `${name} differs from the uninterrupted run`);
  }
  assert.deepEqual(readdirSync(out).sort(), ['best', 'last', 'report.html'], 'no temporary left behind');
  assert.ok(!existsSync(join(out, 'last.new')));
  assert.equal(run(['eval', out, '--backend', 'reference', '--json']).status, 0);
});
