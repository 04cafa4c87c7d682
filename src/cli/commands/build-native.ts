/**
 * `rnnkit build-native`: compiles the native backend's addon with the machine's C compiler — what
 * `npm install` does, for installs whose package manager held back rnnkit's install script.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Command } from '../command.ts';

const BUILD_SCRIPT = fileURLToPath(new URL('../../backend/native/build.mjs', import.meta.url));

export const buildNativeCommand: Command = {
  name: 'build-native',
  summary: 'compile the native backend (needs a C compiler; npm install normally does it)',
  usage: 'rnnkit build-native',
  optionGroups: [],
  notes: ['Uses $CC (default cc) and the Node-API headers of the running Node; writes build/native/rnnkit.node.'],
  async run() {
    return spawnSync(process.execPath, [BUILD_SCRIPT], { stdio: 'inherit' }).status ?? 1;
  },
};
