/**
 * `--task classify | tag | seq2seq | generate` (library: src/models/sequence-tasks.ts and the
 * text-level models; data: src/node/datasets.ts). Every run records its data, seed, batch size
 * (and beam) so that eval and --resume rebuild the same split. Training evaluates on the dev part
 * (seq2seq: greedy decoding of at most DEV_SOURCES sources); `rnnkit eval` on the test part.
 */
import { resolve } from 'node:path';
import type { Backend } from '../../backend/backend.ts';
import type { CheckpointModel, LoadedCheckpoint } from '../../io/checkpoint.ts';
import { CheckpointError } from '../../errors.ts';
import type { Metrics, TrainingTask } from '../../train/task.ts';
import { CELL_KINDS } from '../../models/recurrent-encoder.ts';
import type { CellKind } from '../../models/charlm-net.ts';
import { POOLINGS, type Pooling } from '../../models/classifier.ts';
import { ATTENTION_KINDS, type AttentionKind } from '../../nn/attention.ts';
import { G2P_CONFIG } from '../../models/seq2seq.ts';
import { DEFAULT_CLASSIFIER, TextClassifier } from '../../models/text-classifier.ts';
import { DEFAULT_TAGGER, TextTagger } from '../../models/text-tagger.ts';
import { Translator } from '../../models/translator.ts';
import { DEFAULT_GENERATOR, TextGenerator } from '../../models/text-generator.ts';
import { ClassifyTask, GenerateTask, Seq2SeqTask, TagTask } from '../../models/sequence-tasks.ts';
import { BUILTIN_DATASETS, loadSequenceDataset, type SequenceDataset, type SequenceTask } from '../../node/datasets.ts';
import type { OptionSpec, OptionValue } from '../args.ts';
import type { CliTask, HeldOutPart, TaskSetup } from './task.ts';

/** Seq2seq evaluations during training decode at most this many dev sources, greedily. */
const DEV_SOURCES = 1000;

interface SequenceInfo {
  seed: number;
  batchSize: number;
  beam: number;
}

const pct = (x: number): string => `${(100 * x).toFixed(2)} %`;

/** Options every sequence task has: the recurrent stack and the batch. */
function commonOptions(d: { cell: CellKind; hiddenSize: number; numLayers: number; embeddingSize: number; dropout: number }, batch: number): OptionSpec[] {
  return [
    { name: 'cell', type: 'choice', choices: CELL_KINDS, default: d.cell, description: 'recurrent cell' },
    { name: 'hidden', type: 'integer', min: 1, default: d.hiddenSize, description: 'hidden units per layer (and direction)' },
    { name: 'layers', type: 'integer', min: 1, default: d.numLayers, description: 'stacked recurrent layers' },
    { name: 'embedding', type: 'integer', min: 1, default: d.embeddingSize, description: 'token embedding size' },
    { name: 'dropout', type: 'number', min: 0, below: 1, default: d.dropout, description: 'dropout' },
    { name: 'batch', type: 'integer', min: 1, default: batch, description: 'sequences per batch' },
  ];
}

/** What differs between the four tasks. */
interface Spec<M extends CheckpointModel> {
  name: SequenceTask;
  summary: string;
  defaultData: string;
  options: OptionSpec[];
  modelClass: { new (...args: never[]): M; readonly kind: string };
  /** A new model from the training data and the options. */
  build(dataset: SequenceDataset, values: Record<string, OptionValue>, backend: Backend, seed: number): M;
  /** The options a model fixes, for --resume. */
  modelValues(model: M): Record<string, OptionValue>;
  task(model: M, dataset: SequenceDataset, part: HeldOutPart, info: SequenceInfo): TrainingTask;
  describe(model: M): string;
  formatMetrics(metrics: Metrics, data: string): string;
}

function infoOf(checkpoint: LoadedCheckpoint): SequenceInfo {
  const o = (checkpoint.info.task?.options ?? {}) as Partial<Record<keyof SequenceInfo, unknown>>;
  const { seed = 0, batchSize = 64, beam = 5 } = o;
  if (![seed, batchSize, beam].every((v) => Number.isSafeInteger(v) && (v as number) >= 0)) {
    throw new CheckpointError(`the checkpoint's task options are invalid: ${JSON.stringify(o).slice(0, 80)}`);
  }
  return { seed, batchSize, beam } as SequenceInfo;
}

function sequenceTask<M extends CheckpointModel>(spec: Spec<M>): CliTask {
  const setup = async (model: M, data: string, info: SequenceInfo, part: HeldOutPart): Promise<TaskSetup> => {
    const dataset = await loadSequenceDataset(data, spec.name, info.seed);
    return {
      model,
      task: spec.task(model, dataset, part, info),
      info: { name: spec.name, data, options: { ...info } },
      headline: `${spec.describe(model)} (${model.module.parameterCount().toLocaleString('en-US')} parameters) on ${data}: ` +
        `${dataset.split.train.length.toLocaleString('en-US')} training examples; ${dataset.splitRule}`,
    };
  };
  return {
    name: spec.name,
    summary: spec.summary,
    defaultData: spec.defaultData,
    options: spec.options,
    runValues(checkpoint) {
      if (!(checkpoint.model instanceof spec.modelClass)) throw new CheckpointError(`the checkpoint holds a ${checkpoint.model.kind} model, not a ${spec.modelClass.kind} model`);
      const info = infoOf(checkpoint);
      return { ...spec.modelValues(checkpoint.model), batch: info.batchSize, ...(spec.name === 'seq2seq' ? { beam: info.beam } : {}) };
    },
    runName(values, data) {
      return `${data.replace(/^.*[\\/]/, '').replace(/[^\w.-]+/g, '_')}-${spec.name}-${values.cell as string}`;
    },
    async create(values, { backend, seed, data: given }) {
      const data = given in BUILTIN_DATASETS ? given : resolve(given);
      const dataset = await loadSequenceDataset(data, spec.name, seed);
      const info: SequenceInfo = { seed, batchSize: values.batch as number, beam: (values.beam as number | undefined) ?? 5 };
      return setup(spec.build(dataset, values, backend, seed), data, info, 'dev');
    },
    async reopen(checkpoint, data, part = 'dev') {
      if (!(checkpoint.model instanceof spec.modelClass)) throw new CheckpointError(`the checkpoint holds a ${checkpoint.model.kind} model, not a ${spec.modelClass.kind} model`);
      const spec_ = data ?? checkpoint.info.task?.data;
      if (!spec_) throw new CheckpointError(`the checkpoint does not name its data: pass --data`);
      return setup(checkpoint.model as M, spec_, infoOf(checkpoint), part);
    },
    formatMetrics: spec.formatMetrics,
  };
}

const part = <E>(split: { dev: E[]; test: E[] }, p: HeldOutPart): E[] => (p === 'test' ? split.test : split.dev);
const cellValues = (c: { cell: CellKind; hiddenSize: number; numLayers: number; embeddingSize: number; dropout: number }) =>
  ({ cell: c.cell, hidden: c.hiddenSize, layers: c.numLayers, embedding: c.embeddingSize, dropout: c.dropout });
const cellConfig = (v: Record<string, OptionValue>) => ({
  cell: v.cell as CellKind, hiddenSize: v.hidden as number, numLayers: v.layers as number, embeddingSize: v.embedding as number, dropout: v.dropout as number,
});

export const classifyTask = sequenceTask<TextClassifier>({
  name: 'classify',
  summary: 'many-to-one: a label per text; names-gender, surnames, TSV/CSV/JSONL',
  defaultData: 'names-gender',
  modelClass: TextClassifier,
  options: [
    ...commonOptions(DEFAULT_CLASSIFIER, 64),
    { name: 'pooling', type: 'choice', choices: POOLINGS, default: DEFAULT_CLASSIFIER.pooling, description: 'how the sequence becomes one vector' },
    { name: 'unidirectional', type: 'flag', description: 'one direction only (default: bidirectional)' },
  ],
  build(d, v, backend, seed) {
    if (d.task !== 'classify') throw new CheckpointError('classify data expected');
    return TextClassifier.build(d.split.train, d.tokenizer, { ...cellConfig(v), pooling: v.pooling as Pooling, bidirectional: !v.unidirectional }, { backend, seed });
  },
  modelValues: (m) => ({ ...cellValues(m.config), pooling: m.config.pooling, unidirectional: !m.config.bidirectional }),
  task(m, d, p, info) {
    if (d.task !== 'classify') throw new CheckpointError(`${d.name} is not classification data`);
    return new ClassifyTask(m, d.split.train, part(d.split, p), info.batchSize);
  },
  describe: (m) => `${m.config.cell.toUpperCase()} ${m.config.numLayers}×${m.config.hiddenSize}${m.config.bidirectional ? ' bidirectional' : ''}, ${m.config.pooling} pooling, ${m.labels.size} labels`,
  formatMetrics: (m, data) => `${data} (${m.count} held-out examples): accuracy ${pct(m.accuracy)} (majority baseline ${pct(m.majority_baseline)})`,
});

export const tagTask = sequenceTask<TextTagger>({
  name: 'tag',
  summary: 'many-to-many: a tag per token, optional CRF; brown-pos, CoNLL files',
  defaultData: 'brown-pos',
  modelClass: TextTagger,
  options: [
    ...commonOptions(DEFAULT_TAGGER, 32),
    { name: 'crf', type: 'flag', description: 'a linear-chain CRF on top (Viterbi decoding)' },
  ],
  build(d, v, backend, seed) {
    if (d.task !== 'tag') throw new CheckpointError('tag data expected');
    return TextTagger.build(d.split.train, { ...cellConfig(v), crf: Boolean(v.crf), lowercase: d.lowercase || DEFAULT_TAGGER.lowercase }, { backend, seed });
  },
  modelValues: (m) => ({ ...cellValues(m.config), crf: m.config.crf }),
  task(m, d, p, info) {
    if (d.task !== 'tag') throw new CheckpointError(`${d.name} is not tagging data`);
    return new TagTask(m, d.split.train, part(d.split, p), info.batchSize);
  },
  describe: (m) => `${m.config.cell.toUpperCase()} ${m.config.numLayers}×${m.config.hiddenSize} bidirectional${m.config.crf ? ' + CRF' : ''}, ${m.tags.size} tags`,
  formatMetrics: (m, data) => `${data} (${m.tokens} held-out tokens): accuracy ${pct(m.accuracy)} (most-frequent-tag baseline ${pct(m.most_frequent_tag_baseline)})` +
    (m.f1 !== undefined ? `, entity F1 ${pct(m.f1)}` : ''),
});

export const seq2seqTask = sequenceTask<Translator>({
  name: 'seq2seq',
  summary: 'encoder–decoder with attention; cmudict, dates, TSV source<TAB>target',
  defaultData: 'cmudict',
  modelClass: Translator,
  options: [
    ...commonOptions({ ...G2P_CONFIG, hiddenSize: G2P_CONFIG.encoderHidden, numLayers: G2P_CONFIG.encoderLayers, dropout: 0 }, 64),
    { name: 'decoder-hidden', type: 'integer', min: 1, default: G2P_CONFIG.decoderHidden, description: 'decoder hidden units' },
    { name: 'attention', type: 'choice', choices: ATTENTION_KINDS, default: G2P_CONFIG.attention, description: 'dot, general (Luong) or additive (Bahdanau)' },
    { name: 'beam', type: 'integer', min: 1, default: 5, description: 'beam width of rnnkit eval (evaluations during training decode greedily)' },
  ],
  build(d, v, backend, seed) {
    if (d.task !== 'seq2seq') throw new CheckpointError('seq2seq data expected');
    const c = cellConfig(v);
    return Translator.build(d.split.train, { source: d.source, target: d.target }, {
      cell: c.cell, embeddingSize: c.embeddingSize, encoderHidden: c.hiddenSize, encoderLayers: c.numLayers, decoderLayers: c.numLayers,
      decoderHidden: v['decoder-hidden'] as number, attention: v.attention as AttentionKind,
    }, { backend, seed });
  },
  modelValues: (m) => ({
    cell: m.config.cell, hidden: m.config.encoderHidden, layers: m.config.encoderLayers, embedding: m.config.embeddingSize, dropout: 0,
    'decoder-hidden': m.config.decoderHidden, attention: m.config.attention,
  }),
  task(m, d, p, info) {
    if (d.task !== 'seq2seq') throw new CheckpointError(`${d.name} is not seq2seq data`);
    if (p === 'test') return new Seq2SeqTask(m, d.split.train, d.split.test, info.batchSize, { beam: info.beam });
    const sources = new Set([...new Set(d.split.dev.map((x) => x.source))].slice(0, DEV_SOURCES));
    return new Seq2SeqTask(m, d.split.train, d.split.dev.filter((x) => sources.has(x.source)), info.batchSize, { beam: 1 });
  },
  describe: (m) => `${m.config.cell.toUpperCase()} encoder ${m.config.encoderLayers}×${m.config.encoderHidden}${m.config.bidirectional ? ' bidirectional' : ''}, decoder ${m.config.decoderHidden}, ${m.config.attention} attention`,
  formatMetrics: (m, data) => `${data} (${m.count} held-out sources): WER ${pct(m.wer)}, PER ${pct(m.per)}, exact match ${pct(m.exact_match)}`,
});

export const generateTask = sequenceTask<TextGenerator>({
  name: 'generate',
  summary: 'one-to-many: texts of a chosen class; surnames, TSV class<TAB>text',
  defaultData: 'surnames',
  modelClass: TextGenerator,
  options: [
    ...commonOptions(DEFAULT_GENERATOR, 64),
    { name: 'condition', type: 'integer', min: 1, default: DEFAULT_GENERATOR.conditionSize, description: 'size of the class embedding that conditions every step' },
  ],
  build(d, v, backend, seed) {
    if (d.task !== 'generate') throw new CheckpointError('generate data expected');
    return TextGenerator.build(d.split.train, d.tokenizer, { ...cellConfig(v), conditionSize: v.condition as number }, { backend, seed });
  },
  modelValues: (m) => ({ ...cellValues(m.config), condition: m.config.conditionSize }),
  task(m, d, p, info) {
    if (d.task !== 'generate') throw new CheckpointError(`${d.name} is not generation data`);
    return new GenerateTask(m, d.split.train, part(d.split, p), info.batchSize);
  },
  describe: (m) => `${m.config.cell.toUpperCase()} ${m.config.numLayers}×${m.config.hiddenSize} conditioned on ${m.classes.size} classes`,
  formatMetrics: (m, data) => `${data} (${m.count} held-out texts): ${m.loss.toFixed(4)} nats per token, perplexity ${m.perplexity.toFixed(3)}`,
});
