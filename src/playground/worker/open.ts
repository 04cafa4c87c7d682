/**
 * Opening what the page read from disk (a directory's files, or a ZIP's entries): a checkpoint
 * directory — or a run directory, of which best/ is taken, else last/ — of any model kind the
 * library knows. A checkpoint the playground downloaded (with its text and training state)
 * comes back as a training session to resume.
 */
import { decodeCheckpoint, JSON_FILE } from '../../io/checkpoint.ts';
import { CheckpointError } from '../../errors.ts';
import { modelKind } from '../../models/kinds.ts';
import { CharLM } from '../../models/charlm.ts';
import type { ModelSummary, TrainSettings } from '../protocol.ts';
import type { ZipEntry } from '../zip.ts';
import { charLMSummary, describeCharLM, holdCharLM } from './charlm.ts';
import type { HeldModel } from './held.ts';
import { TEXT_FILE, type SessionStart } from './training.ts';

export interface OpenedModel {
  summary: Omit<ModelSummary, 'id'>;
  hold(summary: ModelSummary): HeldModel;
  /** Present for a playground checkpoint that holds its text and training state. */
  resume?: NonNullable<SessionStart['resume']> & { text: string; settings: TrainSettings };
}

/** The directory of a path (`a/b/model.json` → `a/b`), '' at the top. */
const directoryOf = (path: string): string => path.split('/').slice(0, -1).join('/');

/** The checkpoint directory to open among `files`: the only one, or a run's best/, else its last/. */
function chooseCheckpoint(files: readonly ZipEntry[], source: string): string {
  const dirs = files.filter((f) => f.path.split('/').at(-1) === JSON_FILE).map((f) => directoryOf(f.path));
  if (dirs.length === 0) {
    throw new CheckpointError(`${source} holds no ${JSON_FILE}: open a directory that "rnnkit train" wrote (or one of its checkpoints)`);
  }
  if (dirs.length === 1) return dirs[0];
  for (const which of ['best', 'last']) {
    const found = dirs.filter((d) => d.split('/').at(-1) === which);
    if (found.length === 1) return found[0];
  }
  throw new CheckpointError(`${source} holds ${dirs.length} checkpoints (${dirs.slice(0, 4).join(', ')}…): open one of them`);
}

export function openCheckpointFiles(files: readonly ZipEntry[], source: string): OpenedModel {
  const dir = chooseCheckpoint(files, source);
  const byName = new Map(files.filter((f) => directoryOf(f.path) === dir).map((f) => [f.path.split('/').at(-1)!, f.bytes]));
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
  throw new CheckpointError(`${name}: the playground has no view of ${model.kind} models yet`);
}
