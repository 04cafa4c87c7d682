/**
 * The one training loop of every task: it owns the budget (steps / epochs as the run's totals,
 * minutes as one call's wall time), the optimizer and gradient clipping, the evaluation cadence,
 * the best value of the task's dev metric and early stopping, progress events, the report data,
 * and `state()` / `restore()` for exact resume. A task (./task.ts) brings the network, batches,
 * loss and evaluation. Portable: saving files is the caller's `save` callback.
 */
import { tidy } from '../tensor/tensor.ts';
import { Random } from '../tensor/random.ts';
import { backward, noGrad } from '../autograd/tape.ts';
import { SGD, Adam, AdamW, RMSprop, Adagrad, clipGradNorm, type Optimizer, type OptimizerState, type SavedOptimizerState } from '../optim/index.ts';
import { DivergedError, ValueError, nonNegative, positiveInteger } from '../errors.ts';
import { nextTurn } from '../event-loop.ts';
import { LossCurve, type LossCurveState, type LossPoint } from './loss-curve.ts';
import type { ReportSection, TaskEvaluation, Metrics, MetricSpec, StepContext, TaskState, TrainingTask } from './task.ts';
import type { ReportData } from './report.ts';

export const OPTIMIZER_NAMES = ['adam', 'adamw', 'sgd', 'rmsprop', 'adagrad'] as const;
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];

export interface TrainerOptions {
  optimizer: OptimizerName;
  lr: number;
  /** Maximal total gradient norm (0: no clipping). */
  clip: number;
  /** Seeds the Trainer's generator (batch order, random windows). */
  seed: number;
  /** Total optimizer steps of the run; with `epochs`, the first reached ends it. */
  steps?: number;
  /** Total passes over the training data of the run. */
  epochs?: number;
  /** Evaluate every this many steps (and when the budget ends); these evaluations pick the best and count for early stopping. */
  evalEvery: number;
  /** Stop after this many evaluations in a row without a better dev metric (absent: never). */
  earlyStop?: number;
  /**
   * Halve the learning rate after every this many evaluations in a row without a better dev metric
   * (PyTorch's ReduceLROnPlateau with factor 0.5; absent: never). The current rate is part of the
   * optimizer's state, so a resumed run continues with it.
   */
  lrPatience?: number;
}

export const DEFAULT_TRAINER_OPTIONS: TrainerOptions = { optimizer: 'adam', lr: 2e-3, clip: 5, seed: 0, evalEvery: 200 };

export interface EvaluationPoint {
  step: number;
  metrics: Metrics;
}

/** The best evaluation so far by the task's metric. */
export interface Best {
  step: number;
  value: number;
  metrics: Metrics;
}

export interface Preview {
  step: number;
  text: string;
}

export interface StepReport {
  step: number;
  loss: number;
  /** Total gradient norm before clipping (NaN without clipping or without an optimizer). */
  gradNorm: number;
  items: number;
}

export type StopReason = 'budget' | 'time' | 'early-stop' | 'interrupted';

/** What a run reports as it goes (the CLI prints them; `--json` writes them one per line). */
export type TrainerEvent =
  | { type: 'start'; step: number; totalSteps: number; stepsPerEpoch: number }
  | { type: 'step'; step: number; epoch: number; loss: number; gradNorm: number; itemsPerSecond: number }
  | { type: 'evaluation'; step: number; metrics: Metrics; improved: boolean; best: Best | null; lr: number; lrReduced: boolean }
  | { type: 'preview'; step: number; text: string }
  | { type: 'checkpoint'; step: number; which: 'last' | 'best' }
  | { type: 'done'; step: number; reason: StopReason; itemsPerSecond: number; metrics: Metrics | null; best: Best | null };

export interface RunOptions {
  /** Wall-clock minutes for this call (training and evaluation); the steps / epochs budget spans the whole run. */
  minutes?: number;
  /** Asked before every step; true ends the run (a signal arrived, the output closed). */
  shouldStop?: () => boolean;
  onEvent?: (event: TrainerEvent) => void;
  /** A preview (task.preview) every this many steps, and one at the end. */
  previewEvery?: number;
  /**
   * Saves a checkpoint: `best` right after an evaluation that improved the metric, `last` every
   * `checkpointSeconds` and when the run ends.
   */
  save?: (which: 'last' | 'best') => void;
  /** Seconds between `last` checkpoints; 0 saves after every step. Default 300. */
  checkpointSeconds?: number;
}

/** Everything but the weights needed to continue a run exactly. */
export interface TrainerState {
  step: number;
  itemsSeen: number;
  trainSeconds: number;
  rng: number[];
  losses: LossCurveState;
  evaluations: EvaluationPoint[];
  best: Best | null;
  evaluationsWithoutImprovement: number;
  earlyStopped: boolean;
  previews: Preview[];
  optimizer: OptimizerState | null;
  task: TaskState;
}

/** As TrainerState, with the optimizer's buffers as any arrays of numbers (as read back from a file). */
export type SavedTrainerState = Omit<TrainerState, 'optimizer'> & { optimizer: SavedOptimizerState | null };

/** What a plateau of `lrPatience` evaluations multiplies the learning rate by. */
const LR_PLATEAU_FACTOR = 0.5;

/** Previews kept for the report. */
const PREVIEWS_KEPT = 5;

export class Trainer {
  readonly options: TrainerOptions;
  readonly rng: Random;
  readonly optimizer: Optimizer | null;
  step = 0;
  itemsSeen = 0;
  /** Seconds spent in training steps (evaluation excluded). */
  trainSeconds = 0;
  readonly losses = new LossCurve();
  evaluations: EvaluationPoint[] = [];
  best: Best | null = null;
  evaluationsWithoutImprovement = 0;
  earlyStopped = false;
  previews: Preview[] = [];
  /** The latest evaluation with its report sections. */
  lastEvaluation: TaskEvaluation | null = null;

  constructor(readonly task: TrainingTask, options: Partial<TrainerOptions> = {}) {
    this.options = { ...DEFAULT_TRAINER_OPTIONS, ...options };
    const { steps, epochs, evalEvery, earlyStop, lrPatience, clip, lr } = this.options;
    if (steps !== undefined) positiveInteger('steps', steps);
    if (epochs !== undefined && !(epochs > 0 && epochs < Infinity)) throw new ValueError('epochs', 'a number > 0', String(epochs));
    positiveInteger('evalEvery', evalEvery);
    if (earlyStop !== undefined) positiveInteger('earlyStop', earlyStop);
    if (lrPatience !== undefined) positiveInteger('lrPatience', lrPatience);
    nonNegative('clip', clip);
    if (!(lr > 0)) throw new ValueError('lr', 'a number > 0', String(lr));
    positiveInteger('task.stepsPerEpoch', task.stepsPerEpoch);
    if (!task.batchLoss === !task.trainStep) throw new ValueError('task', 'exactly one of batchLoss and trainStep', task.batchLoss ? 'both' : 'neither');
    this.rng = new Random(this.options.seed);
    this.optimizer = task.batchLoss ? makeOptimizer(this.options.optimizer, task.module.parameters(), lr) : null;
  }

  get metric(): MetricSpec {
    return this.task.metric;
  }

  /** The step count where the steps / epochs budget ends (Infinity with neither). */
  get totalSteps(): number {
    const { steps, epochs } = this.options;
    return Math.min(steps ?? Infinity, epochs !== undefined ? Math.ceil(epochs * this.task.stepsPerEpoch) : Infinity);
  }

  /** Passes over the training data so far. */
  get epoch(): number {
    return this.step / this.task.stepsPerEpoch;
  }

  /** The budget is spent or early stopping fired. */
  get finished(): boolean {
    return this.step >= this.totalSteps || this.earlyStopped;
  }

  /** Sets the run's total steps / epochs (a resumed run may extend them). */
  setBudget(budget: { steps?: number; epochs?: number }): void {
    if (budget.steps !== undefined) positiveInteger('steps', budget.steps);
    if (budget.epochs !== undefined && !(budget.epochs > 0 && budget.epochs < Infinity)) throw new ValueError('epochs', 'a number > 0', String(budget.epochs));
    this.options.steps = budget.steps;
    this.options.epochs = budget.epochs;
  }

  /** One training step on the next batch. */
  trainStep(): StepReport {
    const started = performance.now();
    const { task, optimizer } = this;
    const context: StepContext = { rng: this.rng, step: this.step, totalSteps: this.totalSteps };
    task.module.train();
    const { loss, gradNorm, items } = tidy(() => {
      if (!optimizer) {
        const done = task.trainStep!(context);
        if (!Number.isFinite(done.loss)) throw new DivergedError(this.step, done.loss);
        task.afterStep?.();
        return { ...done, gradNorm: NaN };
      }
      optimizer.zeroGrad();
      const batch = task.batchLoss!(context);
      const loss = batch.loss.item();
      if (!Number.isFinite(loss)) throw new DivergedError(this.step, loss);
      backward(batch.loss);
      const gradNorm = this.options.clip > 0 ? clipGradNorm(optimizer.params, this.options.clip) : NaN;
      optimizer.step();
      task.afterStep?.();
      return { loss, gradNorm, items: batch.items };
    });
    this.step++;
    this.itemsSeen += items;
    this.trainSeconds += (performance.now() - started) / 1000;
    this.losses.add(this.step, loss);
    return { step: this.step, loss, gradNorm, items };
  }

  /**
   * Evaluates on the held-out data. A scheduled evaluation (every `evalEvery` steps, and where the
   * steps / epochs budget ends) updates the best value and the early-stopping count; another one
   * (where one call's time ran out) is only recorded, so that a run's course does not depend on
   * where it was interrupted. `lrReduced`: this evaluation completed a plateau of `lrPatience`
   * evaluations, and the learning rate was halved.
   */
  evaluate(scheduled = true): { metrics: Metrics; improved: boolean; lrReduced: boolean } {
    const module = this.task.module;
    const wasTraining = module.training;
    module.eval();
    let evaluation: TaskEvaluation;
    try {
      evaluation = noGrad(() => tidy(() => this.task.evaluate()));
    } finally {
      module.train(wasTraining);
    }
    const { metrics } = evaluation;
    const value = metrics[this.metric.name];
    if (typeof value !== 'number') {
      throw new ValueError('task.evaluate()', `metrics with the task's metric "${this.metric.name}"`, JSON.stringify(Object.keys(metrics)));
    }
    this.lastEvaluation = evaluation;
    const last = this.evaluations[this.evaluations.length - 1];
    if (last?.step === this.step) last.metrics = metrics;
    else this.evaluations.push({ step: this.step, metrics });
    if (!scheduled) return { metrics, improved: false, lrReduced: false };
    const improved = this.isBetter(value);
    let lrReduced = false;
    if (improved) {
      this.best = { step: this.step, value, metrics };
      this.evaluationsWithoutImprovement = 0;
    } else if (this.best?.step !== this.step) {
      this.evaluationsWithoutImprovement++;
      lrReduced = this.reduceLrOnPlateau();
    }
    const { earlyStop } = this.options;
    if (earlyStop !== undefined && this.evaluationsWithoutImprovement >= earlyStop) this.earlyStopped = true;
    return { metrics, improved, lrReduced };
  }

  /** Halves the learning rate when the evaluations without improvement make a whole number of plateaus. */
  private reduceLrOnPlateau(): boolean {
    const { lrPatience } = this.options;
    if (!this.optimizer || lrPatience === undefined || this.evaluationsWithoutImprovement % lrPatience !== 0) return false;
    this.optimizer.lr *= LR_PLATEAU_FACTOR;
    return true;
  }

  /** The learning rate of the next step (the options' rate for a task without an optimizer). */
  get lr(): number {
    return this.optimizer?.lr ?? this.options.lr;
  }

  private isBetter(value: number): boolean {
    if (Number.isNaN(value)) return false;
    if (!this.best || Number.isNaN(this.best.value)) return true;
    return this.metric.goal === 'min' ? value < this.best.value : value > this.best.value;
  }

  /** The task's preview, kept for the report. */
  preview(): string | null {
    if (!this.task.preview) return null;
    const module = this.task.module;
    const wasTraining = module.training;
    module.eval();
    try {
      const text = noGrad(() => tidy(() => this.task.preview!(this.step)));
      this.previews = [...this.previews, { step: this.step, text }].slice(-PREVIEWS_KEPT);
      return text;
    } finally {
      module.train(wasTraining);
    }
  }

  /**
   * Trains until the budget (or this call's `minutes`) is spent, early stopping fires or
   * `shouldStop` says so; evaluates every `evalEvery` steps and at the end; saves through
   * `save`. Yields to the event loop between steps, so signals and output get through.
   */
  async run(options: RunOptions = {}): Promise<StopReason> {
    const loop = this.loop(options);
    for (;;) {
      const next = loop.next();
      if (next.done) return next.value;
      await nextTurn();
    }
  }

  /** `run` without yielding to the event loop (for scripts and tests that need no signals). */
  runSync(options: RunOptions = {}): StopReason {
    const loop = this.loop(options);
    for (;;) {
      const next = loop.next();
      if (next.done) return next.value;
    }
  }

  private *loop(options: RunOptions): Generator<void, StopReason> {
    const { minutes, shouldStop, onEvent, previewEvery, save, checkpointSeconds = 300 } = options;
    if (minutes !== undefined && !(minutes > 0)) throw new ValueError('minutes', 'a number > 0', String(minutes));
    if (!Number.isFinite(this.totalSteps) && minutes === undefined && !shouldStop) {
      throw new ValueError('budget', 'steps, epochs or minutes', 'none (the run would never end)');
    }
    const deadline = minutes !== undefined ? performance.now() + minutes * 60_000 : Infinity;
    const startItems = this.itemsSeen, startSeconds = this.trainSeconds;
    const itemsPerSecond = (): number => {
      const seconds = this.trainSeconds - startSeconds;
      return seconds > 0 ? (this.itemsSeen - startItems) / seconds : 0;
    };
    const emit = (event: TrainerEvent): void => onEvent?.(event);
    const checkpoint = (which: 'last' | 'best'): void => {
      if (!save) return;
      save(which);
      emit({ type: 'checkpoint', step: this.step, which });
    };
    const showPreview = (): void => {
      const text = this.preview();
      if (text !== null) emit({ type: 'preview', step: this.step, text });
    };
    emit({ type: 'start', step: this.step, totalSteps: this.totalSteps, stepsPerEpoch: this.task.stepsPerEpoch });
    let savedStep = this.step, previewedStep = -1, lastSave = performance.now();
    let reason: StopReason;
    for (;;) {
      if (this.finished) {
        reason = this.earlyStopped ? 'early-stop' : 'budget';
        break;
      }
      if (shouldStop?.()) {
        reason = 'interrupted';
        break;
      }
      const report = this.trainStep();
      emit({ type: 'step', step: this.step, epoch: this.epoch, loss: report.loss, gradNorm: report.gradNorm, itemsPerSecond: itemsPerSecond() });
      const scheduled = this.step % this.options.evalEvery === 0 || this.step >= this.totalSteps;
      const timeUp = performance.now() >= deadline;
      if (scheduled || timeUp) {
        const { metrics, improved, lrReduced } = this.evaluate(scheduled);
        emit({ type: 'evaluation', step: this.step, metrics, improved, best: this.best, lr: this.lr, lrReduced });
        if (improved) checkpoint('best');
      }
      if (previewEvery !== undefined && this.step % previewEvery === 0) {
        showPreview();
        previewedStep = this.step;
      }
      if (save && performance.now() - lastSave >= checkpointSeconds * 1000) {
        checkpoint('last');
        savedStep = this.step;
        lastSave = performance.now();
      }
      if (timeUp) {
        reason = 'time';
        break;
      }
      yield;
    }
    if (previewEvery !== undefined && previewedStep !== this.step) showPreview();
    if (savedStep !== this.step) checkpoint('last');
    emit({ type: 'done', step: this.step, reason, itemsPerSecond: itemsPerSecond(), metrics: this.evaluations.at(-1)?.metrics ?? null, best: this.best });
    return reason;
  }

  /** The data of the report page: curves, best, previews and the latest evaluation's sections. */
  report(title: string, summary: Record<string, string | number>): ReportData {
    const sections: ReportSection[] = this.lastEvaluation?.sections ?? [];
    return {
      title, summary, metric: this.metric, itemName: this.task.itemName,
      losses: this.losses.points(), evaluations: this.evaluations, best: this.best, previews: this.previews, sections,
    };
  }

  state(): TrainerState {
    return {
      step: this.step,
      itemsSeen: this.itemsSeen,
      trainSeconds: this.trainSeconds,
      rng: this.rng.getState(),
      losses: this.losses.state(),
      evaluations: this.evaluations.map((e) => ({ step: e.step, metrics: { ...e.metrics } })),
      best: this.best && { ...this.best, metrics: { ...this.best.metrics } },
      evaluationsWithoutImprovement: this.evaluationsWithoutImprovement,
      earlyStopped: this.earlyStopped,
      previews: this.previews.map((p) => ({ ...p })),
      optimizer: this.optimizer?.state() ?? null,
      task: this.task.state(),
    };
  }

  /** Continues from `state()`; the task and optimizer check their parts before anything changes. */
  restore(state: SavedTrainerState): void {
    if ((state.optimizer === null) !== (this.optimizer === null)) {
      throw new ValueError('state.optimizer', this.optimizer ? 'an optimizer state' : 'none (the task updates its own parameters)', state.optimizer ? 'one' : 'none');
    }
    if (state.optimizer) this.optimizer!.loadState(state.optimizer);
    this.task.restore(state.task);
    this.rng.setState(state.rng);
    this.step = state.step;
    this.itemsSeen = state.itemsSeen;
    this.trainSeconds = state.trainSeconds;
    this.losses.restore(state.losses);
    this.evaluations = state.evaluations.map((e) => ({ step: e.step, metrics: { ...e.metrics } }));
    this.best = state.best && { ...state.best, metrics: { ...state.best.metrics } };
    this.evaluationsWithoutImprovement = state.evaluationsWithoutImprovement;
    this.earlyStopped = state.earlyStopped;
    this.previews = state.previews.map((p) => ({ ...p }));
    this.lastEvaluation = null;
  }
}

export type { LossPoint };

export function makeOptimizer(name: OptimizerName, params: Parameters<typeof clipGradNorm>[0], lr: number): Optimizer {
  switch (name) {
    case 'adam': return new Adam(params, { lr });
    case 'adamw': return new AdamW(params, { lr });
    case 'sgd': return new SGD(params, { lr, momentum: 0.9 });
    case 'rmsprop': return new RMSprop(params, { lr });
    case 'adagrad': return new Adagrad(params, { lr });
    default: throw new ValueError('optimizer', `one of ${OPTIMIZER_NAMES.join(', ')}`, JSON.stringify(name));
  }
}
