/**
 * `rnnkit build-native`: compiles the native backend's addon with the machine's C compiler — what
 * `npm install` does, for installs whose package manager held back rnnkit's install script.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Command } from '../command.ts';
import { rnnkitPackage } from '../../node/package-root.ts';

export const buildNativeCommand: Command = {
  name: 'build-native',
  summary: 'compile the native backend (needs a C compiler; npm install normally does it)',
  usage: 'rnnkit build-native',
  optionGroups: [],
  notes: ['Uses $CC (default cc) and the Node-API headers of the running Node; writes build/native/rnnkit.node.'],
  async run() {
    // The build script ships with the C sources (the package's src/backend/native/), wherever this module runs from.
    const script = join(rnnkitPackage()?.root ?? '.', 'src', 'backend', 'native', 'build.mjs');
    return spawnSync(process.execPath, [script], { stdio: 'inherit' }).status ?? 1;
  },
};
