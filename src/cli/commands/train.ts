/**
 * `rnnkit train`: builds (or resumes) a task from the options, checks the output directory, and
 * runs the Trainer with progress output, checkpoints (last/ and best/) and the report page.
 * Ctrl-C, SIGTERM and SIGHUP save and stop.
 */
import { join, resolve } from 'node:path';
import type { Backend } from '../../backend/backend.ts';
import { BACKEND_NAMES } from '../../node/backends.ts';
import { useBackend } from '../../backend/registry.ts';
import { RunDirectory, loadCheckpoint, loadCheckpointDir, resolveCheckpointDir } from '../../node/checkpoint.ts';
import type { CheckpointInfo, LoadedCheckpoint } from '../../io/checkpoint.ts';
import { CheckpointError, DivergedError } from '../../errors.ts';
import { renderReport } from '../../train/report.ts';
import {
  DEFAULT_TRAINER_OPTIONS, OPTIMIZER_NAMES, Trainer, type OptimizerName, type SavedTrainerState, type TrainerOptions,
} from '../../train/trainer.ts';
import { UsageError, type OptionSpec, type OptionValue, type ParsedArgs } from '../args.ts';
import type { Command } from '../command.ts';
import { warn, type Output } from '../output.ts';
import { Progress, type OutputMode } from '../progress.ts';
import { TASKS, findTask } from '../tasks/index.ts';
import type { CliTask, TaskSetup } from '../tasks/task.ts';

/** When no budget is given: a few minutes, enough to see the model learn. */
const DEFAULT_MINUTES = 3;
const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;
type StopSignal = keyof typeof SIGNAL_EXIT;

const GENERAL: OptionSpec[] = [
  { name: 'task', type: 'choice', choices: TASKS.map((t) => t.name), default: 'lm', description: 'what to train (its options are listed below)' },
  { name: 'data', type: 'string', value: 'NAME|PATH', description: `built-in data set or a file/folder (default per task: ${TASKS.map((t) => `${t.name} ${t.defaultData}`).join(', ')})` },
  { name: 'steps', type: 'integer', min: 1, description: 'total optimizer steps of the run (with --resume too)' },
  { name: 'epochs', type: 'number', above: 0, description: 'total passes over the training data of the run (with --resume too)' },
  { name: 'minutes', type: 'number', above: 0, description: `wall-clock minutes of this invocation (default ${DEFAULT_MINUTES} when no budget is given)` },
  { name: 'optimizer', type: 'choice', choices: OPTIMIZER_NAMES, default: DEFAULT_TRAINER_OPTIONS.optimizer, description: 'optimizer' },
  { name: 'lr', type: 'number', above: 0, default: DEFAULT_TRAINER_OPTIONS.lr, description: 'learning rate' },
  { name: 'clip', type: 'number', min: 0, default: DEFAULT_TRAINER_OPTIONS.clip, description: 'clip the total gradient norm to this (0: no clipping)' },
  { name: 'seed', type: 'integer', min: 0, max: 2 ** 32 - 1, default: DEFAULT_TRAINER_OPTIONS.seed, description: 'seed of initialisation, batches, dropout and the held-out split' },
  { name: 'eval-every', type: 'integer', min: 1, default: DEFAULT_TRAINER_OPTIONS.evalEvery, description: 'evaluate on the held-out data every N steps (and at the end)' },
  { name: 'early-stop', type: 'integer', min: 1, value: 'N', description: 'stop after N evaluations in a row without a better dev metric' },
  { name: 'lr-patience', type: 'integer', min: 1, value: 'N', description: 'halve the learning rate after every N evaluations in a row without a better dev metric' },
  { name: 'checkpoint-every', type: 'number', min: 0, default: 5, value: 'MIN', description: 'minutes between saves of last/ (0: after every step)' },
  { name: 'preview-every', type: 'integer', min: 1, default: 500, description: 'show a sample of what the model does every N steps' },
  { name: 'out', type: 'string', value: 'DIR', description: 'run directory (default runs/DATA-CELL); must not hold a run unless --force' },
  { name: 'resume', type: 'string', value: 'DIR', description: 'continue the run in DIR exactly where its last/ checkpoint stopped' },
  { name: 'force', type: 'flag', description: 'replace the run already in --out' },
  { name: 'backend', type: 'choice', choices: BACKEND_NAMES, description: 'compute backend (default: the fastest that loads)' },
  { name: 'threads', type: 'integer', min: 1, description: 'threads of the native or wasm backend (default: the cores)' },
  { name: 'json', type: 'flag', description: 'print one JSON object per event (start, step, evaluation, preview, checkpoint, done)' },
  { name: 'quiet', type: 'flag', description: 'print nothing but errors' },
];

/** Options that may change when a run is resumed; every other one is the run's. */
const RESUMABLE = new Set(['steps', 'epochs', 'minutes', 'eval-every', 'early-stop', 'lr-patience', 'checkpoint-every', 'preview-every', 'out', 'resume', 'force',
  'backend', 'threads', 'json', 'quiet']);

/** The --task value among the arguments (or the default). */
function taskOf(argv: readonly string[]): string {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--task') return argv[i + 1] ?? '';
    if (argv[i].startsWith('--task=')) return argv[i].slice('--task='.length);
  }
  return 'lm';
}

export const trainCommand: Command = {
  name: 'train',
  summary: 'train a model (default: a character language model on Moby Dick)',
  usage: 'rnnkit train [--task NAME] [--data NAME|PATH] [options]',
  optionGroups: [{ title: 'options', options: GENERAL }, ...TASKS.map((t) => ({ title: `options of --task ${t.name} (${t.summary})`, options: t.options }))],
  notes: [
    'A run directory holds last/ (the latest checkpoint, with the training state), best/ (the checkpoint of the best evaluation) and report.html.',
    'With --resume, --steps and --epochs are the run\'s totals (the same command, resumed, finishes the same run) and --minutes is this ' +
      'invocation\'s wall time; options that shape the model or the data are the run\'s and are ignored (with a warning).',
  ],

  selectOptions(argv) {
    const task = findTask(taskOf(argv));
    const own = task?.options ?? [];
    const unknown = (name: string): string | null => {
      const owner = TASKS.find((t) => t !== task && t.options.some((o) => o.name === name));
      return owner ? `--${name} is an option of --task ${owner.name}, not of --task ${task?.name ?? taskOf(argv)}` : null;
    };
    return { options: [...GENERAL, ...own], unknown };
  },

  run: train,
};

/** A run's last checkpoint: `path` is a run directory, or one checkpoint directory (e.g. RUN/last). */
function loadForResume(path: string, backend: Backend): LoadedCheckpoint & { dir: string } {
  const loaded = resolveCheckpointDir(path) ? { ...loadCheckpointDir(path, backend), dir: path } : loadCheckpoint(path, { which: 'last', backend });
  if (!loaded.training) {
    throw new CheckpointError(`${loaded.dir} holds no training state (a best/ checkpoint, or a model saved from code): resume from a run directory or its last/`);
  }
  return loaded;
}

async function train(args: ParsedArgs, out: Output): Promise<number> {
  const { values } = args;
  if (args.positionals.length > 0) throw new UsageError(`rnnkit train takes no positional arguments, got ${JSON.stringify(args.positionals[0])} (data is --data NAME|PATH)`);
  const mode: OutputMode = values.json ? 'json' : values.quiet ? 'quiet' : out.isTTY ? 'tty' : 'plain';
  const resume = values.resume as string | undefined;
  const cliTask = findTask(values.task as string)!;
  const data = (values.data as string | undefined) ?? cliTask.defaultData;

  // The run directory: never replace a run by accident; prove it writable before any work.
  const outDir = (values.out as string | undefined) ?? resume ?? join('runs', cliTask.runName(values, data));
  const run = new RunDirectory(outDir);
  const continuing = resume !== undefined && resolve(resume) === resolve(outDir);
  if (continuing && values.force) throw new UsageError(`--force replaces a run; it does not go with --resume of the same directory ${outDir}`);
  if (!continuing && run.holdsRun() && !values.force) {
    throw new UsageError(`${outDir} already holds a run: continue it with --resume ${outDir}, or replace it with --force`);
  }
  run.checkWritable();
  const unlock = run.lock();
  try {
    run.recover();
    return await trainIn(run, continuing, args, out, mode, cliTask, data);
  } finally {
    unlock();
  }
}

/** Training in a run directory this process holds. */
async function trainIn(run: RunDirectory, continuing: boolean, args: ParsedArgs, out: Output, mode: OutputMode, newTask: CliTask, data: string): Promise<number> {
  let cliTask = newTask;
  const { values, given } = args;
  const resume = values.resume as string | undefined;
  const outDir = run.dir;

  const backend = useBackend(values.backend as string | undefined, values.threads as number | undefined);
  let setup: TaskSetup;
  let options: TrainerOptions;
  let state: SavedTrainerState | null = null;
  if (resume) {
    const loaded = loadForResume(resume, backend);
    const taskName = loaded.info.task?.name;
    const found = taskName === undefined ? undefined : findTask(taskName);
    if (!found) throw new CheckpointError(`${loaded.dir} does not say which task trained it (model.json "task"), so it cannot be resumed`);
    cliTask = found;
    const training = loaded.training!.options;
    const runs: Record<string, OptionValue> = {
      task: taskName, data: loaded.info.task?.data, optimizer: training.optimizer, lr: training.lr, clip: training.clip, seed: training.seed,
      ...cliTask.runValues(loaded),
    };
    const ignored = [...given].filter((name) => !RESUMABLE.has(name) && values[name] !== runs[name]);
    if (ignored.length > 0) {
      warn('train', `ignored on --resume (the run keeps its own): ${ignored.map((n) => `--${n} ${values[n]} (the run's: ${runs[n] ?? 'none'})`).join(', ')}`);
    }
    setup = await cliTask.reopen(loaded);
    options = { ...loaded.training!.options };
    state = loaded.training!.state;
  } else {
    setup = await cliTask.create(values, { backend, seed: values.seed as number, data });
    options = {
      optimizer: values.optimizer as OptimizerName, lr: values.lr as number, clip: values.clip as number, seed: values.seed as number,
      evalEvery: values['eval-every'] as number,
    };
  }
  if (!resume || given.has('eval-every')) options.evalEvery = values['eval-every'] as number;
  if (!resume || given.has('early-stop')) options.earlyStop = values['early-stop'] as number | undefined;
  if (!resume || given.has('lr-patience')) options.lrPatience = values['lr-patience'] as number | undefined;
  if (!resume || given.has('steps') || given.has('epochs')) {
    options.steps = values.steps as number | undefined;
    options.epochs = values.epochs as number | undefined;
  }
  const budgetless = options.steps === undefined && options.epochs === undefined && values.minutes === undefined;
  const minutes = budgetless ? DEFAULT_MINUTES : (values.minutes as number | undefined);

  const trainer = new Trainer(setup.task, options);
  if (state) trainer.restore(state);
  if (values.force && !continuing) run.clear();

  const deadline = minutes !== undefined ? performance.now() + minutes * 60_000 : Infinity;
  const progress = new Progress(mode, out, { metric: setup.task.metric, itemName: setup.task.itemName, outDir, deadline });
  const info = (): CheckpointInfo => {
    const latest = trainer.evaluations.at(-1);
    return { step: trainer.step, task: setup.info, ...(latest?.step === trainer.step ? { metrics: latest.metrics } : {}) };
  };
  const save = (which: 'last' | 'best'): void =>
    run.save(which, setup.model, info(), which === 'last' ? { options: trainer.options, state: trainer.state() } : undefined);
  const parameters = setup.model.module.parameterCount();
  const writeReport = (): void => {
    const summary: Record<string, string | number> = {
      task: setup.info.name, data: setup.info.data ?? '—', model: setup.model.kind, parameters, steps: trainer.step,
      [`best ${trainer.metric.name}`]: trainer.best ? `${trainer.best.value.toFixed(4)} at step ${trainer.best.step}` : '—', backend: backend.name,
    };
    run.writeReport(renderReport(trainer.report(`rnnkit training report — ${setup.info.data ?? setup.info.name}`, summary)));
  };

  const budget = [options.steps && `${options.steps} steps`, options.epochs && `${options.epochs} epochs`, minutes && `${minutes} min`].filter(Boolean).join(' / ');
  progress.headline(`${setup.headline}; ${options.optimizer} lr ${options.lr}; budget ${budget}; ${backend.name} backend with ${backend.threads} thread(s)`, {
    task: setup.info.name, data: setup.info.data ?? null, model: setup.model.kind, parameters, backend: backend.name, threads: backend.threads,
    step: trainer.step, out: outDir,
  });

  let stopSignal: StopSignal | null = null;
  const onSignal = (signal: StopSignal): void => {
    stopSignal ??= signal;
  };
  for (const signal of Object.keys(SIGNAL_EXIT) as StopSignal[]) process.on(signal, onSignal);
  try {
    await trainer.run({
      minutes,
      shouldStop: () => stopSignal !== null || out.closed,
      onEvent: (e) => {
        progress.event(e);
        if (e.type === 'evaluation') writeReport();
      },
      previewEvery: values['preview-every'] as number,
      save,
      checkpointSeconds: (values['checkpoint-every'] as number) * 60,
    });
  } catch (e) {
    // the update that diverged was not applied: keep the steps before it
    if (e instanceof DivergedError && trainer.step > 0) save('last');
    throw e;
  } finally {
    for (const signal of Object.keys(SIGNAL_EXIT) as StopSignal[]) process.removeListener(signal, onSignal);
    writeReport();
  }
  return stopSignal ? SIGNAL_EXIT[stopSignal] : 0;
}
