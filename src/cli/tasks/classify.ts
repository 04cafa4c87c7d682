/**
 * `--task classify`: the text classifier of the sequence tasks (names-gender, surnames, user files;
 * ./sequence.ts) and, for `--data sentiment`, a recurrent sentence classifier on the built-in
 * `sentiment` sentences (seeded split: 80 % train, 10 % dev, 10 % test) whose embedding may be
 * initialised from pretrained word vectors, frozen or fine-tuned (library:
 * src/models/word-classifier.ts). The AFINN lexicon's test accuracy is reported beside.
 */
import type { LoadedCheckpoint } from '../../io/checkpoint.ts';
import { CheckpointError, ValueError } from '../../errors.ts';
import { Random } from '../../tensor/random.ts';
import type { CellKind } from '../../models/charlm-net.ts';
import type { Pooling } from '../../models/classifier.ts';
import { ClassificationTask, MAX_SENTENCE_TOKENS, WordClassifier, splitRows } from '../../models/word-classifier.ts';
import { wordIndex, wordTokens } from '../../data/word-tokens.ts';
import { afinnPredictions, loadSentimentSentences } from '../../node/sentiment.ts';
import { openVectorsWithProgress } from '../commands/embed.ts';
import { classifyTask as textClassifyTask } from './sequence.ts';
import type { CliTask, TaskSetup } from './task.ts';

interface ClassifyInfo {
  seed: number;
  batchSize: number;
  vectors: string | null;
}

const DATA = 'sentiment';

async function setup(model: WordClassifier, info: ClassifyInfo, headline: string): Promise<TaskSetup> {
  const sentences = await loadSentimentSentences();
  const rows = splitRows(sentences.length, info.seed);
  const test = rows.test.map((r) => sentences[r]);
  const task = new ClassificationTask(model, {
    sequences: sentences.map((s) => model.encode(s.text)), labels: sentences.map((s) => s.label), ...rows,
    baseline: { name: 'afinn', predictions: afinnPredictions(test) },
  }, info.batchSize);
  return { model, task, info: { name: 'classify', data: DATA, options: { ...info } }, headline };
}

function classifyInfo(checkpoint: LoadedCheckpoint): ClassifyInfo {
  if (!(checkpoint.model instanceof WordClassifier)) throw new CheckpointError(`the checkpoint holds a ${checkpoint.model.kind} model, not a word classifier`);
  const saved = (checkpoint.info.task?.options ?? {}) as Partial<ClassifyInfo>;
  return { seed: saved.seed ?? 0, batchSize: saved.batchSize ?? 32, vectors: saved.vectors ?? null };
}

const TRANSFER_OPTIONS: CliTask['options'] = [
  { name: 'vectors', type: 'string', value: 'wink-100d|PATH', description: 'with --data sentiment: initialise the embedding from pretrained word vectors' },
  { name: 'freeze', type: 'flag', description: 'with --vectors: keep the pretrained embedding fixed (default: fine-tune it)' },
];

const sentimentTask: Omit<CliTask, 'name' | 'summary' | 'defaultData' | 'options'> = {
  runValues(checkpoint) {
    const model = checkpoint.model as WordClassifier, info = classifyInfo(checkpoint);
    const { cell, hiddenSize, numLayers, embeddingSize, dropout } = model.config;
    const { pooling, bidirectional } = model.config;
    return {
      vectors: info.vectors ?? undefined, freeze: model.frozen, cell, hidden: hiddenSize, layers: numLayers, embedding: embeddingSize, dropout,
      pooling, unidirectional: !bidirectional, batch: info.batchSize,
    };
  },

  runName(values, data) {
    return `${data}-classify-${values.cell as string}${values.vectors ? `-${String(values.vectors).replace(/[^\w.-]+/g, '_')}` : ''}`;
  },

  async create(values, { backend, seed, data }) {
    if (values.freeze && !values.vectors) throw new ValueError('--freeze', 'pretrained vectors to freeze (--vectors)', 'no --vectors');
    if (data !== DATA) throw new ValueError('--data', `"${DATA}" (the built-in sentence set) with --vectors or --freeze`, JSON.stringify(data));
    const spec = values.vectors as string | undefined;
    const vectors = spec ? await openVectorsWithProgress(spec) : null;
    const sentences = await loadSentimentSentences();
    const { train } = splitRows(sentences.length, seed);
    // vocabulary: the training words, and the other words the pretrained vectors know
    const tokens = sentences.map((s) => wordTokens(s.text, MAX_SENTENCE_TOKENS));
    const words = [...wordIndex([...train.flatMap((r) => tokens[r]), ...tokens.flat().filter((w) => vectors?.has(w))]).keys()];
    const rng = new Random(seed);
    const model = new WordClassifier(words, {
      numClasses: 2, cell: values.cell as CellKind, embeddingSize: vectors?.dim ?? (values.embedding as number), hiddenSize: values.hidden as number,
      numLayers: values.layers as number, bidirectional: !values.unidirectional, pooling: values.pooling as Pooling, dropout: values.dropout as number,
    }, values.freeze === true, { backend, rng });
    const coverage = vectors ? model.usePretrained(vectors, rng) : 0;
    const embedding = vectors ? `${spec}, ${coverage} of ${words.length - 2} words, ${values.freeze ? 'frozen' : 'fine-tuned'}` : 'random';
    const { cell, hiddenSize, embeddingSize, bidirectional, pooling } = model.config;
    return setup(model, { seed, batchSize: values.batch as number, vectors: spec ?? null },
      `${bidirectional ? 'bidirectional ' : ''}${cell.toUpperCase()} ${hiddenSize}, ${pooling} pooling, on ${embeddingSize}-d word embeddings (${embedding}); ${data}: ${sentences.length} sentences, 80/10/10 split`);
  },

  async reopen(checkpoint, data) {
    if (data !== undefined && data !== DATA) throw new ValueError('--data', `"${DATA}"`, JSON.stringify(data));
    return setup(checkpoint.model as WordClassifier, classifyInfo(checkpoint), 'word classifier');
  },

  formatMetrics(metrics, data) {
    return `${data}: dev accuracy ${(100 * metrics.accuracy).toFixed(1)} %, test accuracy ${(100 * metrics.test_accuracy).toFixed(1)} % ` +
      `(AFINN lexicon on the same test sentences: ${(100 * metrics.afinn_test_accuracy).toFixed(1)} %)`;
  },
};

export const classifyTask: CliTask = {
  ...textClassifyTask,
  summary: `${textClassifyTask.summary}; ${DATA}, optionally on pretrained word vectors`,
  options: [...textClassifyTask.options, ...TRANSFER_OPTIONS],
  runValues: (checkpoint) => (checkpoint.model instanceof WordClassifier ? sentimentTask : textClassifyTask).runValues(checkpoint),
  runName: (values, data) => (data === DATA ? sentimentTask : textClassifyTask).runName(values, data),
  create: (values, context) =>
    (context.data === DATA || values.vectors !== undefined || values.freeze ? sentimentTask : textClassifyTask).create(values, context),
  reopen: (checkpoint, data, part) => (checkpoint.model instanceof WordClassifier ? sentimentTask : textClassifyTask).reopen(checkpoint, data, part),
  formatMetrics: (metrics, data) => (data === DATA ? sentimentTask : textClassifyTask).formatMetrics(metrics, data),
};
