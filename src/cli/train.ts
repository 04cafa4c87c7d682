/**
 * `rnnkit train`: load a corpus, build or resume a model, train with progress output, samples,
 * periodic atomic checkpoints (also on Ctrl-C), and an HTML report next to the checkpoint.
 */
import type { ParseArgsConfig } from 'node:util';
import { join } from 'node:path';
import { CharVocab } from '../data/vocab.ts';
import { trainValidationSplit } from '../data/batching.ts';
import { loadCorpus, type Corpus } from '../node/corpora.ts';
import { loadCheckpoint, saveCheckpoint } from '../node/checkpoint.ts';
import { useBackend } from '../node/backends.ts';
import { renderReport, writeReport } from '../node/report.ts';
import { CharLM, DEFAULT_CONFIG, END, START, type CharLMConfig } from '../models/charlm.ts';
import { DEFAULT_TRAIN_OPTIONS, Trainer, type TrainOptions, type TrainingData } from '../models/trainer.ts';
import { Random } from '../tensor/random.ts';
import { ValueError } from '../errors.ts';
import { choiceOption, numberOption } from './args.ts';
import { Progress, type OutputMode } from './progress.ts';

export const TRAIN_OPTIONS: NonNullable<ParseArgsConfig['options']> = {
  data: { type: 'string', default: 'moby-dick' },
  cell: { type: 'string', default: DEFAULT_CONFIG.cell },
  hidden: { type: 'string', default: String(DEFAULT_CONFIG.hiddenSize) },
  layers: { type: 'string', default: String(DEFAULT_CONFIG.numLayers) },
  embedding: { type: 'string', default: String(DEFAULT_CONFIG.embeddingSize) },
  dropout: { type: 'string', default: '0' },
  'seq-len': { type: 'string', default: String(DEFAULT_TRAIN_OPTIONS.seqLen) },
  batch: { type: 'string', default: String(DEFAULT_TRAIN_OPTIONS.batchSize) },
  lr: { type: 'string', default: String(DEFAULT_TRAIN_OPTIONS.lr) },
  optimizer: { type: 'string', default: DEFAULT_TRAIN_OPTIONS.optimizer },
  clip: { type: 'string', default: String(DEFAULT_TRAIN_OPTIONS.clip) },
  windows: { type: 'string', default: DEFAULT_TRAIN_OPTIONS.windows },
  steps: { type: 'string' },
  epochs: { type: 'string' },
  minutes: { type: 'string' },
  seed: { type: 'string', default: '0' },
  backend: { type: 'string' },
  threads: { type: 'string' },
  out: { type: 'string' },
  resume: { type: 'string' },
  'eval-every': { type: 'string', default: String(DEFAULT_TRAIN_OPTIONS.evalEvery) },
  'sample-every': { type: 'string', default: '500' },
  'checkpoint-every': { type: 'string', default: '5' },
  json: { type: 'boolean', default: false },
  quiet: { type: 'boolean', default: false },
};

/** When no budget is given: a few minutes, enough to see the model learn. */
const DEFAULT_MINUTES = 3;

interface Prepared {
  vocab: CharVocab;
  data: TrainingData;
  sequences: boolean;
}

/** Vocabulary and train/validation split (last 10 % of a text; a seeded 10 % of a sequence list). */
export function prepareData(corpus: Corpus, seed: number, vocab?: CharVocab): Prepared {
  if (corpus.kind === 'text') {
    const v = vocab ?? CharVocab.fromText(corpus.text);
    const { train, validation } = trainValidationSplit(v.encode(corpus.text));
    return { vocab: v, data: { kind: 'text', train, validation }, sequences: false };
  }
  const v = vocab ?? CharVocab.fromText(corpus.sequences.join(''), { specials: [START, END] });
  const shuffled = new Random(seed).shuffle(corpus.sequences.map((s) => v.encode(s)));
  const cut = shuffled.length - Math.max(1, Math.floor(shuffled.length * 0.1));
  return { vocab: v, data: { kind: 'sequences', train: shuffled.slice(0, cut), validation: shuffled.slice(cut) }, sequences: true };
}

export async function trainCommand(values: Record<string, unknown>): Promise<number> {
  const mode: OutputMode = values.json ? 'json' : values.quiet ? 'quiet' : process.stdout.isTTY ? 'tty' : 'plain';
  const backend = await useBackend(values.backend as string | undefined, numberOption(values, 'threads', 'positive-int'));
  const resumed = values.resume ? loadCheckpoint(values.resume as string, backend) : null;
  if (resumed && !resumed.training) throw new ValueError('--resume', 'a checkpoint written during training (with training.safetensors)', 'a model-only checkpoint');
  const dataSpec = resumed?.data ?? (values.data as string);
  const seed = resumed?.training?.options.seed ?? numberOption(values, 'seed', 'non-negative')!;
  const corpus = await loadCorpus(dataSpec);
  const prepared = prepareData(corpus, seed, resumed?.model.vocab);

  let model: CharLM;
  let options: TrainOptions;
  if (resumed) {
    model = resumed.model;
    options = { ...resumed.training!.options, ...budgetOptions(values) };
  } else {
    const config: CharLMConfig = {
      cell: choiceOption(values, 'cell', ['lstm', 'gru', 'rnn'] as const)!,
      hiddenSize: numberOption(values, 'hidden', 'positive-int')!,
      numLayers: numberOption(values, 'layers', 'positive-int')!,
      embeddingSize: numberOption(values, 'embedding', 'positive-int')!,
      dropout: numberOption(values, 'dropout', 'non-negative')!,
      sequences: prepared.sequences,
    };
    model = new CharLM(prepared.vocab, config, { backend, rng: new Random(seed) });
    options = {
      ...DEFAULT_TRAIN_OPTIONS,
      seqLen: numberOption(values, 'seq-len', 'positive-int')!,
      batchSize: numberOption(values, 'batch', 'positive-int')!,
      lr: numberOption(values, 'lr', 'positive')!,
      optimizer: choiceOption(values, 'optimizer', ['adam', 'adamw', 'sgd', 'rmsprop', 'adagrad'] as const)!,
      clip: numberOption(values, 'clip', 'non-negative')!,
      windows: choiceOption(values, 'windows', ['stream', 'random'] as const)!,
      evalEvery: numberOption(values, 'eval-every', 'positive-int')!,
      seed,
      ...budgetOptions(values),
    };
  }
  const trainer = new Trainer(model, prepared.data, options);
  if (resumed) trainer.restore(resumed.training!.state);
  const outDir = (values.out as string | undefined) ?? (values.resume as string | undefined) ?? join('runs', `${dataSpec.replace(/[^\w.-]+/g, '_')}-${model.config.cell}`);
  const sampleEvery = numberOption(values, 'sample-every', 'positive-int')!;
  const checkpointSeconds = numberOption(values, 'checkpoint-every', 'positive')! * 60;

  const progress = new Progress(mode, trainer);
  const samples: string[] = [];
  const sampleText = (): string => model.sample({ length: model.config.sequences ? 40 : 200, temperature: 0.8, seed: trainer.step });
  const save = (): void => {
    saveCheckpoint(outDir, model, { options: trainer.options, state: trainer.state() }, dataSpec);
    const summary = {
      data: dataSpec, cell: model.config.cell, parameters: model.net.parameterCount(), steps: trainer.step,
      'validation bits/char': trainer.lastValBpc?.toFixed(4) ?? '—', backend: backend.name,
    };
    writeReport(join(outDir, 'report.html'), renderReport(`rnnkit training report — ${dataSpec}`, summary, trainer.history, samples.slice(-5)));
  };

  let interrupted = false;
  const onSignal = (): void => {
    interrupted = true;
  };
  process.once('SIGINT', onSignal);
  progress.start(model, backend.name, outDir);
  const deadline = options.minutes !== undefined ? performance.now() + options.minutes * 60_000 : Infinity;
  let lastSave = performance.now();
  try {
    while (trainer.step < trainer.totalSteps && performance.now() < deadline && !interrupted) {
      const report = trainer.trainStep();
      const last = trainer.step >= trainer.totalSteps || performance.now() >= deadline;
      if (trainer.step % options.evalEvery === 0 || last) progress.validation(trainer.validate());
      progress.step(report, deadline);
      if (trainer.step % sampleEvery === 0) {
        samples.push(sampleText());
        progress.sample(samples[samples.length - 1]);
      }
      if (performance.now() - lastSave > checkpointSeconds * 1000) {
        save();
        lastSave = performance.now();
        progress.checkpoint(outDir);
      }
      await new Promise((resolve) => setImmediate(resolve)); // lets Ctrl-C through
    }
    if (interrupted && trainer.lastValBpc === null) progress.validation(trainer.validate());
    if (trainer.step % sampleEvery !== 0) {
      samples.push(sampleText());
      progress.sample(samples[samples.length - 1]);
    }
    save();
    progress.done(outDir, interrupted);
  } finally {
    process.removeListener('SIGINT', onSignal);
  }
  return interrupted ? 130 : 0;
}

function budgetOptions(values: Record<string, unknown>): Partial<TrainOptions> {
  const steps = numberOption(values, 'steps', 'positive-int');
  const epochs = numberOption(values, 'epochs', 'positive');
  const minutes = numberOption(values, 'minutes', 'positive');
  if (steps === undefined && epochs === undefined && minutes === undefined) return { minutes: DEFAULT_MINUTES, steps: undefined, epochs: undefined };
  return { steps, epochs, minutes };
}
