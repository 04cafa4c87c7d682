/**
 * What a task (language model, classifier, tagger, seq2seq, generator, embeddings) gives the
 * Trainer: the network to optimise, the loss of the next training batch, an evaluation with one
 * dev metric and its direction, and the state it needs to continue exactly. The Trainer owns the
 * rest (budget, optimizer, evaluation cadence, best, early stopping, resume, progress, report).
 */
import type { Tensor } from '../tensor/tensor.ts';
import type { Random } from '../tensor/random.ts';
import type { Module } from '../nn/module.ts';
import type { NamedArray } from '../io/safetensors.ts';

/** The dev metric that picks the best checkpoint and drives early stopping. */
export interface MetricSpec {
  /** Key in the evaluation's metrics, e.g. `bpc`, `accuracy`, `wer`. */
  name: string;
  /** `min`: lower is better (loss, bits per character, WER); `max`: higher is better (accuracy, F1). */
  goal: 'min' | 'max';
  /** For people: "validation bits per character". */
  description: string;
}

/** Named numbers of one evaluation; holds at least the task's metric. */
export type Metrics = Record<string, number>;

/** A part of the report page a task adds (src/train/report.ts draws it). */
export type ReportSection =
  | { kind: 'text'; title: string; text: string }
  | { kind: 'table'; title: string; columns: string[]; rows: (string | number)[][] }
  /** A heat map: values[r][c] shaded from the smallest (white) to the largest (dark). */
  | { kind: 'matrix'; title: string; rowLabels: string[]; columnLabels: string[]; values: number[][]; rowTitle?: string; columnTitle?: string };

export interface TaskEvaluation {
  metrics: Metrics;
  /** What the report shows of this evaluation (a confusion matrix, per-tag scores, attention maps…). */
  sections?: ReportSection[];
}

/** JSON-safe values (what model.json can hold). */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A task's resumable state: JSON, plus float/int arrays stored in training.safetensors. */
export interface TaskState {
  json: Json;
  arrays: Record<string, NamedArray>;
}

/** What a step may depend on besides the task's own state. */
export interface StepContext {
  /** The Trainer's generator (saved with the run): draw every random choice from it. */
  rng: Random;
  /** Steps done before this one. */
  step: number;
  /** The step count where the budget ends (Infinity with only a time budget). */
  totalSteps: number;
}

export interface TrainingTask {
  /** The network whose parameters the optimizer updates (switched to train / eval mode by the Trainer). */
  readonly module: Module;
  readonly metric: MetricSpec;
  /** Optimizer steps in one pass over the training data. */
  readonly stepsPerEpoch: number;
  /** What a batch is counted in for throughput: `tokens`, `sequences`, `pairs`. */
  readonly itemName: string;
  /**
   * The mean loss of the next training batch, and how many items it covers. Called inside a tidy
   * scope with autograd on; the Trainer then back-propagates, clips and steps its optimizer.
   */
  batchLoss?(context: StepContext): { loss: Tensor; items: number };
  /**
   * Instead of `batchLoss`, for a task that updates its own parameters (e.g. sparse SGD on word
   * vectors): one whole training step, returning its loss. The Trainer then makes no optimizer.
   */
  trainStep?(context: StepContext): { loss: number; items: number };
  /** After the update, in the same tidy scope: e.g. keep the final state for the next batch. */
  afterStep?(): void;
  /** Metrics on the held-out data (called without autograd, the module in eval mode). */
  evaluate(): TaskEvaluation;
  /** A short text showing what the model does now (a sample, a few predictions), for progress and report. */
  preview?(step: number): string;
  /** Everything besides weights, optimizer and the Trainer's PRNG needed to continue exactly. */
  state(): TaskState;
  restore(state: TaskState): void;
}
