/**
 * Training a CharLM: truncated BPTT over a text (stream windows with the detached state carried
 * across windows, or random windows like the PyTorch anchor), or padded batches of sequences
 * (names). Deterministic for a seed and resumable: `state()` holds everything a checkpoint needs
 * besides the weights (step, optimizer, data position, PRNG, carried state, history).
 */
import { Tensor, keep, tensor, tidy } from '../tensor/tensor.ts';
import { Random } from '../tensor/random.ts';
import { backward } from '../autograd/tape.ts';
import { crossEntropy } from '../ops/softmax.ts';
import { StreamBatcher, randomWindows, type StreamBatcherState, type Windows } from '../data/batching.ts';
import { SGD, Adam, AdamW, RMSprop, Adagrad, clipGradNorm, type Optimizer, type OptimizerState } from '../optim/index.ts';
import type { NamedArray } from '../io/safetensors.ts';
import { ValueError } from '../errors.ts';
import type { RecurrentState } from './charlm-net.ts';
import type { CharLM, Evaluation } from './charlm.ts';

export type OptimizerName = 'adam' | 'adamw' | 'sgd' | 'rmsprop' | 'adagrad';

export interface TrainOptions {
  seqLen: number;
  batchSize: number;
  lr: number;
  optimizer: OptimizerName;
  /** Max total gradient norm (0 = no clipping). */
  clip: number;
  /** Budget: the first of steps / epochs / minutes reached stops training. */
  steps?: number;
  epochs?: number;
  minutes?: number;
  seed: number;
  /** 'stream': contiguous rows, state carried between windows; 'random': independent random windows. */
  windows: 'stream' | 'random';
  /** Validate every this many steps (and at the end). */
  evalEvery: number;
}

export const DEFAULT_TRAIN_OPTIONS: TrainOptions = {
  seqLen: 64, batchSize: 32, lr: 2e-3, optimizer: 'adam', clip: 5, seed: 0, windows: 'stream', evalEvery: 200,
};

export type TrainingData =
  | { kind: 'text'; train: Int32Array; validation: Int32Array }
  | { kind: 'sequences'; train: Int32Array[]; validation: Int32Array[] };

export interface HistoryPoint {
  step: number;
  loss: number;
  valBpc?: number;
}

export interface StepReport {
  step: number;
  loss: number;
  gradNorm: number;
  tokens: number;
}

/** Everything but the weights needed to continue a run exactly. */
export interface TrainerState {
  step: number;
  tokensSeen: number;
  elapsedSeconds: number;
  rng: number[];
  batcher: StreamBatcherState | null;
  optimizer: OptimizerState;
  history: HistoryPoint[];
  lastValBpc: number | null;
  /** The carried recurrent state of stream training. */
  carried: { h: NamedArray; c: NamedArray | null } | null;
}

export class Trainer {
  readonly options: TrainOptions;
  readonly optimizer: Optimizer;
  readonly rng: Random;
  step = 0;
  tokensSeen = 0;
  elapsedSeconds = 0;
  history: HistoryPoint[] = [];
  lastValBpc: number | null = null;
  private readonly batcher: StreamBatcher | null;
  private carried: RecurrentState | null = null;

  constructor(readonly model: CharLM, readonly data: TrainingData, options: Partial<TrainOptions> = {}) {
    this.options = { ...DEFAULT_TRAIN_OPTIONS, ...options };
    const { seqLen, batchSize, seed } = this.options;
    for (const [name, v] of [['seqLen', seqLen], ['batchSize', batchSize]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new ValueError(name, 'a positive integer', String(v));
    }
    this.rng = new Random(seed);
    this.optimizer = makeOptimizer(this.options.optimizer, model.net.parameters(), this.options.lr);
    if (data.kind === 'text') {
      const needed = batchSize * (seqLen + 1);
      if (data.train.length < needed) {
        throw new ValueError('text', `at least batch × (seqLen + 1) = ${batchSize} × ${seqLen + 1} = ${needed} training characters (use a longer text or a smaller --batch/--seq-len)`, `${data.train.length}`);
      }
      if (data.validation.length < seqLen + 1) {
        throw new ValueError('text', `a validation part (last 10 %) of at least seqLen + 1 = ${seqLen + 1} characters (use a longer text or a smaller --seq-len)`, `${data.validation.length}`);
      }
    } else if (data.train.length < batchSize) {
      throw new ValueError('sequences', `at least --batch ${batchSize} training sequences (use a smaller --batch)`, `${data.train.length}`);
    }
    this.batcher = data.kind === 'text' && this.options.windows === 'stream' ? new StreamBatcher(data.train, batchSize, seqLen) : null;
  }

  /** Steps in one pass over the training data. */
  get stepsPerEpoch(): number {
    const { batchSize, seqLen } = this.options;
    if (this.batcher) return this.batcher.windowsPerEpoch;
    if (this.data.kind === 'text') return Math.max(1, Math.floor(this.data.train.length / (batchSize * seqLen)));
    return Math.max(1, Math.floor(this.data.train.length / batchSize));
  }

  /** The step count at which the steps/epochs budget ends (Infinity with only a time budget). */
  get totalSteps(): number {
    const { steps, epochs } = this.options;
    return Math.min(steps ?? Infinity, epochs !== undefined ? Math.ceil(epochs * this.stepsPerEpoch) : Infinity);
  }

  /** One optimizer step on the next batch. */
  trainStep(): StepReport {
    const started = performance.now();
    const net = this.model.net;
    net.train();
    const { loss, gradNorm, tokens } = tidy(() => {
      this.optimizer.zeroGrad();
      const { loss, tokens, state } = this.batchLoss();
      backward(loss);
      const gradNorm = this.options.clip > 0 ? clipGradNorm(net.parameters(), this.options.clip) : NaN;
      this.optimizer.step();
      if (state) this.carry(state);
      return { loss: loss.item(), gradNorm, tokens };
    });
    this.step++;
    this.tokensSeen += tokens;
    this.elapsedSeconds += (performance.now() - started) / 1000;
    this.history.push({ step: this.step, loss });
    return { step: this.step, loss, gradNorm, tokens };
  }

  /** Validation: bits per character on the held-out part. */
  validate(): Evaluation {
    const evaluation = this.data.kind === 'text'
      ? this.model.evaluate(this.data.validation, this.options.seqLen)
      : this.model.evaluateSequences(this.data.validation);
    this.lastValBpc = evaluation.bitsPerChar;
    const last = this.history[this.history.length - 1];
    if (last && last.step === this.step) last.valBpc = evaluation.bitsPerChar;
    else this.history.push({ step: this.step, loss: NaN, valBpc: evaluation.bitsPerChar });
    return evaluation;
  }

  private batchLoss(): { loss: Tensor; tokens: number; state: RecurrentState | null } {
    const { batchSize, seqLen } = this.options;
    const backend = this.model.backend;
    if (this.data.kind === 'sequences') {
      const picked = Array.from({ length: batchSize }, () => this.data.train[this.rng.nextInt(this.data.train.length)] as Int32Array);
      const batch = this.model.sequenceBatch(picked);
      return {
        loss: crossEntropy(batch.logits(this.model), batch.targets, { ignoreIndex: -1 }),
        tokens: batch.predicted,
        state: null,
      };
    }
    let windows: Windows;
    if (this.batcher) {
      const w = this.batcher.next();
      if (w.resetState) this.dropCarried();
      windows = w;
    } else {
      windows = randomWindows(this.data.train, batchSize, seqLen, this.rng);
    }
    const ids = tensor(windows.inputs, [windows.steps, windows.batch], { dtype: 'int32', backend });
    const targets = tensor(windows.targets, [windows.steps, windows.batch], { dtype: 'int32', backend });
    const { loss, state } = this.model.net.lossWithState(ids, targets, this.carried);
    return { loss, tokens: ids.size, state: this.batcher ? state : null };
  }

  /** Keeps the final state, detached, as the next window's initial state. */
  private carry(state: RecurrentState): void {
    this.dropCarried();
    this.carried = { h: keep(state.h.detach()), c: state.c ? keep(state.c.detach()) : null };
  }

  private dropCarried(): void {
    this.carried?.h.dispose();
    this.carried?.c?.dispose();
    this.carried = null;
  }

  state(): TrainerState {
    const plain = (t: Tensor): NamedArray => ({ shape: [...t.shape], data: t.f32.slice(0, t.size) });
    return {
      step: this.step,
      tokensSeen: this.tokensSeen,
      elapsedSeconds: this.elapsedSeconds,
      rng: this.rng.getState(),
      batcher: this.batcher?.state() ?? null,
      optimizer: this.optimizer.state(),
      history: this.history.map((p) => ({ ...p })),
      lastValBpc: this.lastValBpc,
      carried: this.carried && { h: plain(this.carried.h), c: this.carried.c && plain(this.carried.c) },
    };
  }

  restore(state: TrainerState): void {
    this.optimizer.loadState(state.optimizer);
    if (this.batcher) {
      if (!state.batcher) throw new ValueError('checkpoint', 'the stream position of a stream-trained run', 'none');
      this.batcher.restore(state.batcher);
    }
    this.rng.setState(state.rng);
    this.step = state.step;
    this.tokensSeen = state.tokensSeen;
    this.elapsedSeconds = state.elapsedSeconds;
    this.history = state.history.map((p) => ({ ...p }));
    this.lastValBpc = state.lastValBpc;
    this.dropCarried();
    if (state.carried) {
      const backend = this.model.backend;
      const load = (a: NamedArray): Tensor => keep(tensor(a.data, a.shape, { backend }));
      this.carried = { h: load(state.carried.h), c: state.carried.c && load(state.carried.c) };
    }
  }
}

export function makeOptimizer(name: OptimizerName, params: Tensor[], lr: number): Optimizer {
  switch (name) {
    case 'adam': return new Adam(params, { lr });
    case 'adamw': return new AdamW(params, { lr });
    case 'sgd': return new SGD(params, { lr, momentum: 0.9 });
    case 'rmsprop': return new RMSprop(params, { lr });
    case 'adagrad': return new Adagrad(params, { lr });
    default: throw new ValueError('optimizer', 'one of adam, adamw, sgd, rmsprop, adagrad', JSON.stringify(name));
  }
}
