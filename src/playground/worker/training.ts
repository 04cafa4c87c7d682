/**
 * The playground's training session: a character model trained on the page's text by the
 * library's Trainer (the `lm` task, stream windows), until the page says stop; resumable, and
 * downloadable as a checkpoint directory in a ZIP (with the text, so that `rnnkit train --resume`
 * can go on from it). Losses, evaluations and samples go to the page as TrainEvents.
 */
import { Random } from '../../tensor/random.ts';
import { CharLM, DEFAULT_CONFIG, type CharLMConfig } from '../../models/charlm.ts';
import { LanguageModelTask, prepareLanguageModelData, type LanguageModelData } from '../../models/charlm-task.ts';
import { Trainer, type TrainerOptions, type SavedTrainerState } from '../../train/trainer.ts';
import { encodeCheckpoint } from '../../io/checkpoint.ts';
import type { TrainEvent, TrainSettings } from '../protocol.ts';
import type { ZipEntry } from '../zip.ts';

/** Held-out characters evaluated (the start of the last 10 %), so that an evaluation stays short. */
export const VALIDATION_CHARS = 20_000;
/** Steps between evaluations of the held-out part. */
const EVAL_EVERY = 100;
/** Milliseconds between batches of losses sent to the page, and between samples. */
const LOSS_MS = 200, SAMPLE_MS = 2_500;
/** The file holding the training text in a downloaded checkpoint. */
export const TEXT_FILE = 'text.txt';

export interface SessionStart {
  text: string;
  settings: TrainSettings;
  /** A checkpoint's model and training state to continue from (opened from disk). */
  resume?: { model: CharLM; options: TrainerOptions; state: SavedTrainerState };
}

export class TrainingSession {
  readonly model: CharLM;
  readonly trainer: Trainer;
  private readonly task: LanguageModelTask;
  private stopRequested = false;
  private running = false;

  constructor(readonly text: string, readonly settings: TrainSettings, private readonly emit: (event: TrainEvent) => void, resume?: SessionStart['resume']) {
    const { seed, lr, seqLen, batchSize } = settings;
    const corpus = { kind: 'text' as const, source: 'the text', text };
    const prepared = prepareLanguageModelData(corpus, seed, resume?.model.vocab);
    const data: LanguageModelData = prepared.data.kind === 'text'
      ? { ...prepared.data, validation: prepared.data.validation.subarray(0, VALIDATION_CHARS) }
      : prepared.data;
    const config: CharLMConfig = { ...DEFAULT_CONFIG, ...pick(settings), dropout: 0, sequences: false };
    this.model = resume?.model ?? new CharLM(prepared.vocab, config, { rng: new Random(seed) });
    this.task = new LanguageModelTask(this.model, data, { seqLen, batchSize, windows: 'stream' });
    this.trainer = new Trainer(this.task, resume?.options ?? { optimizer: 'adam', lr, clip: 5, seed, evalEvery: EVAL_EVERY });
    if (resume) this.trainer.restore(resume.state);
  }

  get isRunning(): boolean {
    return this.running;
  }

  stop(): void {
    this.stopRequested = true;
  }

  /** Trains until stop() (the worker handles messages between steps). */
  async run(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.stopRequested = false;
    const { trainer } = this;
    let pending: { step: number; loss: number }[] = [];
    let lastLosses = performance.now(), lastSample = -Infinity;
    let itemsPerSecond = 0;
    const flush = (): void => {
      if (pending.length > 0) this.emit({ type: 'train-losses', points: pending, itemsPerSecond });
      pending = [];
      lastLosses = performance.now();
    };
    try {
      await trainer.run({
        shouldStop: () => this.stopRequested,
        onEvent: (event) => {
          if (event.type === 'step') {
            pending.push({ step: event.step, loss: event.loss });
            itemsPerSecond = event.itemsPerSecond;
            const now = performance.now();
            if (now - lastLosses >= LOSS_MS) flush();
            if (now - lastSample >= SAMPLE_MS) {
              flush();
              this.emit({ type: 'train-sample', step: event.step, text: trainer.preview() ?? '' });
              lastSample = performance.now();
            }
          } else if (event.type === 'evaluation') {
            this.emit({ type: 'train-evaluation', step: event.step, bpc: event.metrics.bpc });
          } else if (event.type === 'done') {
            flush();
            this.emit({ type: 'train-stopped', step: event.step, reason: event.reason });
          }
        },
      });
    } catch (e) {
      this.emit({ type: 'train-error', error: (e as Error).message });
    } finally {
      this.running = false;
    }
  }

  /** The checkpoint (model, training state, text) as the files of one directory named `name`. */
  checkpointEntries(name: string): ZipEntry[] {
    const { trainer, settings } = this;
    const { seqLen, batchSize, seed } = settings;
    const files = encodeCheckpoint(this.model, {
      step: trainer.step,
      ...(trainer.evaluations.length > 0 ? { metrics: trainer.evaluations.at(-1)!.metrics } : {}),
      task: { name: 'lm', data: TEXT_FILE, options: { seqLen, batchSize, windows: 'stream', dataFormat: 'text', seed } },
    }, { options: trainer.options, state: trainer.state() });
    return [
      ...Object.entries(files).map(([file, bytes]) => ({ path: `${name}/${file}`, bytes })),
      { path: `${name}/${TEXT_FILE}`, bytes: new TextEncoder().encode(this.text) },
    ];
  }
}

function pick({ cell, hiddenSize, numLayers, embeddingSize }: TrainSettings): Pick<CharLMConfig, 'cell' | 'hiddenSize' | 'numLayers' | 'embeddingSize'> {
  return { cell, hiddenSize, numLayers, embeddingSize };
}
