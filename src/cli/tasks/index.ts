/** The tasks of `rnnkit train --task NAME`: a new task adds its module here. */
import type { CliTask } from './task.ts';
import { lmTask } from './lm.ts';
import { classifyTask } from './classify.ts';

export const TASKS: readonly CliTask[] = [lmTask, classifyTask];

export function findTask(name: string): CliTask | undefined {
  return TASKS.find((t) => t.name === name);
}
