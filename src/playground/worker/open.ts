/**
 * Opening what the page read from disk (a directory's files, or a ZIP's entries): a checkpoint
 * directory — or a run directory, of which best/ is taken, else last/ — of a character model,
 * classifier, tagger or seq2seq model, or word vectors (a run folder of `rnnkit embed train`, or a vectors file in
 * word2vec text or binary or GloVe format). A checkpoint the playground downloaded (with its text
 * and training state) comes back as a training session to resume.
 */
import { decodeCheckpoint, JSON_FILE } from '../../io/checkpoint.ts';
import { parseVectors } from '../../embeddings/formats.ts';
import { CheckpointError } from '../../errors.ts';
import { modelKind } from '../../models/kinds.ts';
import { CharLM } from '../../models/charlm.ts';
import type { ModelSummary, TrainSettings } from '../protocol.ts';
import type { ZipEntry } from '../zip.ts';
import { charLMSummary, describeCharLM, holdCharLM } from './charlm.ts';
import type { HeldModel } from './held.ts';
import { holdVectors, vectorsSummary } from './vectors.ts';
import { holdSequenceModel, isSequenceModel, sequenceSummary } from './sequence-models.ts';
import { TEXT_FILE, type SessionStart } from './training.ts';

export interface OpenedModel {
  summary: Omit<ModelSummary, 'id'>;
  hold(summary: ModelSummary): HeldModel;
  /** Present for a playground checkpoint that holds its text and training state. */
  resume?: NonNullable<SessionStart['resume']> & { text: string; settings: TrainSettings };
}

/** The directory of a path (`a/b/model.json` → `a/b`), '' at the top. */
const directoryOf = (path: string): string => path.split('/').slice(0, -1).join('/');

/** The file name of a path. */
const nameOf = (path: string): string => path.split('/').at(-1)!;

/** Word-vector files by their usual endings (a run folder of `rnnkit embed train` holds vectors.bin). */
const VECTOR_FILE = /\.(bin|txt|vec)$/;

/** The checkpoint directory to open among `files`: the only one, or a run's best/, else its last/. */
function chooseCheckpoint(dirs: readonly string[], source: string): string {
  if (dirs.length === 1) return dirs[0];
  for (const which of ['best', 'last']) {
    const found = dirs.filter((d) => d.split('/').at(-1) === which);
    if (found.length === 1) return found[0];
  }
  throw new CheckpointError(`${source} holds ${dirs.length} checkpoints (${dirs.slice(0, 4).join(', ')}…): open one of them`);
}

export function openFiles(files: readonly ZipEntry[], source: string): OpenedModel {
  const checkpoints = files.filter((f) => nameOf(f.path) === JSON_FILE).map((f) => directoryOf(f.path));
  if (checkpoints.length > 0) return openCheckpoint(files, chooseCheckpoint(checkpoints, source), source);
  const vectorFiles = files.filter((f) => VECTOR_FILE.test(nameOf(f.path)));
  const file = vectorFiles.find((f) => nameOf(f.path) === 'vectors.bin') ?? (vectorFiles.length === 1 ? vectorFiles[0] : undefined);
  if (!file) {
    throw new CheckpointError(`${source} holds no ${JSON_FILE} and ${vectorFiles.length === 0 ? 'no word-vectors file (.bin, .txt, .vec)' : `${vectorFiles.length} word-vectors files`}: ` +
      'open a directory that "rnnkit train" or "rnnkit embed train" wrote, one checkpoint, or one vectors file');
  }
  const vectors = parseVectors(file.bytes, { source: file.path });
  const summary = vectorsSummary(vectors, nameOf(file.path) === 'vectors.bin' ? directoryOf(file.path) || source : file.path);
  return { summary, hold: (s) => holdVectors(vectors, s) };
}

function openCheckpoint(files: readonly ZipEntry[], dir: string, source: string): OpenedModel {
  const byName = new Map(files.filter((f) => directoryOf(f.path) === dir).map((f) => [nameOf(f.path), f.bytes]));
  const name = dir || source;
  const loaded = decodeCheckpoint((file) => byName.get(file) ?? null, name, modelKind);
  const { model, info } = loaded;
  const metric = info.metrics?.bpc !== undefined ? `, ${info.metrics.bpc.toFixed(3)} bits/char` : '';
  if (model instanceof CharLM) {
    const details = `${describeCharLM(model)}; step ${info.step}${metric}`;
    const summary = { kind: 'charlm', title: name, details, facts: charLMSummary(model, '', name, details).facts };
    const text = byName.get(TEXT_FILE);
    const options = info.task?.options as { seqLen?: number; batchSize?: number; seed?: number } | undefined;
    const resume = loaded.training && text && options?.seqLen && options.batchSize && options.seed !== undefined && !model.config.sequences
      ? {
        model, options: loaded.training.options, state: loaded.training.state, text: new TextDecoder().decode(text),
        settings: {
          ...model.config, seqLen: options.seqLen, batchSize: options.batchSize, seed: options.seed, lr: loaded.training.options.lr,
        },
      }
      : undefined;
    return { summary, hold: (s) => holdCharLM(model, s), resume };
  }
  if (isSequenceModel(model)) {
    const summary = sequenceSummary(model, name, `${model.kind} model, ${model.module.parameterCount().toLocaleString('en-US')} parameters; step ${info.step}`);
    return { summary, hold: (s) => holdSequenceModel(model, s) };
  }
  throw new CheckpointError(`${name}: the playground has no view of ${model.kind} models yet`);
}
