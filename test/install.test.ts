// Installing without a C compiler: in a copy of the package (its sources, package.json, the wasm
// builds; node_modules linked), npm runs the install script with CC pointing nowhere: it succeeds
// and says in one line that the native backend was not built; `rnnkit train` then runs on wasm, and
// `rnnkit build-native` fails with the compiler's absence named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** The command from the copy's sources (the package test runs the compiled one). */
const CLI = ['--import', import.meta.resolve('tsx'), 'src/cli/bin.ts'];

test('install without a C compiler: npm install succeeds with one line, rnnkit train runs on wasm', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rnnkit-install-'));
  try {
    for (const entry of ['package.json', 'src', 'build/wasm']) cpSync(join(ROOT, entry), join(dir, entry), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    const env = { ...process.env, CC: join(dir, 'no-such-compiler') };

    const install = spawnSync('npm', ['run', 'install', '--silent'], { cwd: dir, env, encoding: 'utf8' });
    assert.equal(install.status, 0, install.stderr);
    const lines = install.stdout.trim().split('\n');
    assert.equal(lines.length, 1, install.stdout);
    assert.match(lines[0], /^rnnkit: native backend not built \(no C compiler .*no-such-compiler not found\)\); the wasm backend will be used/);

    const train = spawnSync(process.execPath, [...CLI, 'train', '--data', 'names', '--steps', '1', '--hidden', '16', '--json', '--out', 'run'],
      { cwd: dir, env, encoding: 'utf8' });
    assert.equal(train.status, 0, train.stderr);
    const start = JSON.parse(train.stdout.split('\n')[0]);
    assert.equal(start.event, 'start');
    assert.equal(start.backend, 'wasm');

    const explicit = spawnSync(process.execPath, [...CLI, 'train', '--backend', 'native', '--steps', '1'], { cwd: dir, env, encoding: 'utf8' });
    assert.equal(explicit.status, 1);
    assert.match(explicit.stderr, /^rnnkit train: error: native backend unavailable: .*it is not built \(build it with `npx rnnkit build-native`\)\n$/);

    const build = spawnSync(process.execPath, [...CLI, 'build-native'], { cwd: dir, env, encoding: 'utf8' });
    assert.equal(build.status, 1);
    assert.match(build.stderr, /native backend not built: no C compiler/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
