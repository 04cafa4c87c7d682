/** The commands of `rnnkit`, in the order `rnnkit --help` lists them: a new command adds its module here. */
import type { Command } from '../command.ts';
import { trainCommand } from './train.ts';
import { sampleCommand } from './sample.ts';
import { evalCommand } from './eval.ts';

export const COMMANDS: readonly Command[] = [trainCommand, sampleCommand, evalCommand];
