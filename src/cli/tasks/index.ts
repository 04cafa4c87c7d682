/** The tasks of `rnnkit train --task NAME`: a new task adds its module here. */
import type { CliTask } from './task.ts';
import { lmTask } from './lm.ts';
import { classifyTask } from './classify.ts';
import { generateTask, seq2seqTask, tagTask } from './sequence.ts';

export const TASKS: readonly CliTask[] = [lmTask, classifyTask, tagTask, seq2seqTask, generateTask];

export function findTask(name: string): CliTask | undefined {
  return TASKS.find((t) => t.name === name);
}
