/** The commands of `rnnkit`, in the order `rnnkit --help` lists them: a new command adds its module here. */
import type { Command } from '../command.ts';
import { trainCommand } from './train.ts';
import { sampleCommand } from './sample.ts';
import { evalCommand } from './eval.ts';
import { exportCommand } from './export.ts';
import { onnxTestCommand } from './onnx-test.ts';
import { EMBED_COMMANDS } from './embed.ts';
import { playgroundCommand } from './playground.ts';
import { buildNativeCommand } from './build-native.ts';
import { predictCommand } from './predict.ts';

export const COMMANDS: readonly Command[] = [trainCommand, predictCommand, sampleCommand, evalCommand, exportCommand, onnxTestCommand, ...EMBED_COMMANDS, playgroundCommand, buildNativeCommand];
