/**
 * How `rnnkit train --task NAME`, `rnnkit eval` and `--resume` reach a task of the library: its
 * options, and the calls that build it — new, or around a checkpoint's model. Data preparation
 * and training are the library's; this only maps options to them. Listed in ./index.ts.
 */
import type { Backend } from '../../backend/backend.ts';
import type { CheckpointModel, LoadedCheckpoint, TaskInfo } from '../../io/checkpoint.ts';
import type { Metrics, TrainingTask } from '../../train/task.ts';
import type { OptionSpec, OptionValue } from '../args.ts';

/** Which held-out part a task evaluates on: dev while training, test for `rnnkit eval` (tasks with one held-out part use it for both). */
export type HeldOutPart = 'dev' | 'test';

/** A task ready to train or evaluate. */
export interface TaskSetup {
  model: CheckpointModel;
  task: TrainingTask;
  /** Stored in every checkpoint, so that eval and resume rebuild the same data. */
  info: TaskInfo;
  /** One line for the start of training: the model and the data. */
  headline: string;
}

export interface CliTask {
  name: string;
  /** One line for --help. */
  summary: string;
  /** The data when --data is not given. */
  defaultData: string;
  /** This task's options (model, data reading, batching). */
  options: readonly OptionSpec[];
  /** The values of this task's options that a run fixed (ignored, with a warning if different, on --resume). */
  runValues(checkpoint: LoadedCheckpoint): Record<string, OptionValue>;
  /** `runs/NAME`: the default --out. */
  runName(values: Record<string, OptionValue>, data: string): string;
  /** A new model and task from the options. */
  create(values: Record<string, OptionValue>, context: { backend: Backend; seed: number; data: string }): Promise<TaskSetup>;
  /** The task around a checkpoint's model, on its recorded data or on `data` (eval --data), evaluating on `part` (default dev). */
  reopen(checkpoint: LoadedCheckpoint, data?: string, part?: HeldOutPart): Promise<TaskSetup>;
  /** One line for `rnnkit eval`. */
  formatMetrics(metrics: Metrics, data: string): string;
}
