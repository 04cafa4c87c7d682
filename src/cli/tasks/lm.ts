/** `--task lm`: a character language model on a text or a list of sequences (library: src/models/charlm-task.ts). */
import { Random } from '../../tensor/random.ts';
import { CharLM, DEFAULT_CONFIG, type CharLMConfig } from '../../models/charlm.ts';
import { CELL_KINDS, type CellKind } from '../../models/charlm-net.ts';
import { DEFAULT_LM_OPTIONS, LanguageModelTask, prepareLanguageModelData, type LanguageModelTaskOptions } from '../../models/charlm-task.ts';
import { resolve } from 'node:path';
import { BUILTIN_CORPORA, DATA_FORMATS, loadCorpus, type DataFormat } from '../../node/corpora.ts';
import type { LoadedCheckpoint } from '../../io/checkpoint.ts';
import { CheckpointError } from '../../errors.ts';
import type { CliTask, TaskSetup } from './task.ts';

interface LmInfo {
  seqLen: number;
  batchSize: number;
  windows: LanguageModelTaskOptions['windows'];
  dataFormat: DataFormat;
  seed: number;
}

async function setup(model: CharLM, data: string, info: LmInfo): Promise<TaskSetup> {
  const corpus = await loadCorpus(data, { format: info.dataFormat });
  const prepared = prepareLanguageModelData(corpus, info.seed, model.vocab);
  const task = new LanguageModelTask(model, prepared.data, { seqLen: info.seqLen, batchSize: info.batchSize, windows: info.windows });
  const { cell, numLayers, hiddenSize, embeddingSize } = model.config;
  const shape = prepared.data.kind === 'text' ? `batch ${info.batchSize} × ${info.seqLen} (${info.windows} windows)` : `batch ${info.batchSize} sequences`;
  return {
    model,
    task,
    info: { name: 'lm', data, options: { ...info } },
    headline: `${cell.toUpperCase()} ${numLayers}×${hiddenSize} (embedding ${embeddingSize}, vocab ${model.vocab.size}, ` +
      `${model.net.parameterCount().toLocaleString('en-US')} parameters) on ${data}; ${shape}`,
  };
}

/** The task options a checkpoint of a CharLM recorded (defaults for a model saved from code). */
function lmInfo(checkpoint: LoadedCheckpoint): LmInfo {
  const { model, info } = checkpoint;
  if (!(model instanceof CharLM)) throw new CheckpointError(`the checkpoint holds a ${model.kind} model, not a character language model`);
  const saved = (info.task?.options ?? {}) as Partial<Record<keyof LmInfo, unknown>>;
  const { seqLen = DEFAULT_LM_OPTIONS.seqLen, batchSize = DEFAULT_LM_OPTIONS.batchSize, windows = DEFAULT_LM_OPTIONS.windows, seed = 0 } = saved;
  const dataFormat = saved.dataFormat ?? (model.config.sequences ? 'lines' : 'text');
  if (!Number.isSafeInteger(seed) || !DATA_FORMATS.includes(dataFormat as DataFormat)) {
    throw new CheckpointError(`the checkpoint's task options are invalid (seed ${JSON.stringify(seed)}, dataFormat ${JSON.stringify(dataFormat)})`);
  }
  return { seqLen, batchSize, windows, dataFormat, seed } as LmInfo;
}

export const lmTask: CliTask = {
  name: 'lm',
  summary: 'character language model',
  defaultData: 'moby-dick',
  options: [
    { name: 'data-format', type: 'choice', choices: DATA_FORMATS, default: 'text', description: 'read a --data file as one text, or as one sequence per line (like names)' },
    { name: 'cell', type: 'choice', choices: CELL_KINDS, default: DEFAULT_CONFIG.cell, description: 'recurrent cell' },
    { name: 'hidden', type: 'integer', min: 1, default: DEFAULT_CONFIG.hiddenSize, description: 'hidden units per layer' },
    { name: 'layers', type: 'integer', min: 1, default: DEFAULT_CONFIG.numLayers, description: 'stacked recurrent layers' },
    { name: 'embedding', type: 'integer', min: 1, default: DEFAULT_CONFIG.embeddingSize, description: 'character embedding size' },
    { name: 'dropout', type: 'number', min: 0, below: 1, default: DEFAULT_CONFIG.dropout, description: 'dropout between recurrent layers' },
    { name: 'seq-len', type: 'integer', min: 1, default: DEFAULT_LM_OPTIONS.seqLen, description: 'characters per training window (BPTT length)' },
    { name: 'batch', type: 'integer', min: 1, default: DEFAULT_LM_OPTIONS.batchSize, description: 'windows (or sequences) per batch' },
    { name: 'windows', type: 'choice', choices: ['stream', 'random'], default: DEFAULT_LM_OPTIONS.windows, description: 'stream: contiguous rows, state carried across windows; random: independent windows' },
  ],

  runValues(checkpoint) {
    const info = lmInfo(checkpoint);
    const { cell, hiddenSize, numLayers, embeddingSize, dropout } = (checkpoint.model as CharLM).config;
    return {
      'data-format': info.dataFormat, cell, hidden: hiddenSize, layers: numLayers, embedding: embeddingSize, dropout,
      'seq-len': info.seqLen, batch: info.batchSize, windows: info.windows,
    };
  },

  runName(values, data) {
    return `${data.replace(/[^\w.-]+/g, '_')}-${values.cell as string}`;
  },

  async create(values, { backend, seed, data: given }) {
    // a path is recorded absolute, so that eval and --resume find it from anywhere
    const data = (BUILTIN_CORPORA as readonly string[]).includes(given) ? given : resolve(given);
    const info: LmInfo = {
      seqLen: values['seq-len'] as number,
      batchSize: values.batch as number,
      windows: values.windows as LmInfo['windows'],
      dataFormat: values['data-format'] as DataFormat,
      seed,
    };
    const corpus = await loadCorpus(data, { format: info.dataFormat });
    const { vocab } = prepareLanguageModelData(corpus, seed);
    const config: CharLMConfig = {
      cell: values.cell as CellKind,
      hiddenSize: values.hidden as number,
      numLayers: values.layers as number,
      embeddingSize: values.embedding as number,
      dropout: values.dropout as number,
      sequences: corpus.kind === 'sequences',
    };
    return setup(new CharLM(vocab, config, { backend, rng: new Random(seed) }), data, info);
  },

  async reopen(checkpoint: LoadedCheckpoint, data?: string) {
    const spec = data ?? checkpoint.info.task?.data;
    if (!spec) throw new CheckpointError('the checkpoint does not name its data: pass --data moby-dick|names|PATH');
    return setup(checkpoint.model as CharLM, spec, lmInfo(checkpoint));
  },

  formatMetrics(metrics, data) {
    return `${data} (held-out 10 %, ${metrics.characters.toLocaleString('en-US')} characters): ` +
      `${metrics.bpc.toFixed(4)} bits/char, perplexity ${metrics.perplexity.toFixed(3)}`;
  },
};
