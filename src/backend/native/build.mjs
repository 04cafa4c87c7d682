#!/usr/bin/env node
// Builds the native backend's Node-API addon (build/native/rnnkit.node) from the C sources beside
// this file with the machine's C compiler ($CC, else cc), against the Node-API headers of the Node
// that runs this script (or the node-api-headers package): no download, no node-gyp.
// kernels.c is compiled once per instruction set (AVX-512, AVX2 + FMA on x86-64; the portable
// build everywhere); the addon picks one at run time from the CPU's features.
//
//   node src/backend/native/build.mjs             build; a failure prints the compiler's error, exit 1
//   node src/backend/native/build.mjs --optional  (npm install) a failure prints one line, exit 0
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..', '..');
export const ADDON_PATH = join(ROOT, 'build', 'native', 'rnnkit.node');
const optional = process.argv.includes('--optional');
const quiet = process.argv.includes('--quiet');

/** The kernel builds for this machine: [name, compiler flags]. */
function kernelBuilds() {
  const portable = ['portable', ['-DRNNKIT_PORTABLE']];
  if (process.arch !== 'x64') return [portable];
  return [['avx512', ['-DRNNKIT_AVX512', '-mavx512f', '-mfma']], ['avx2', ['-DRNNKIT_AVX2', '-mavx2', '-mfma']], portable];
}

/** A directory holding node_api.h: Node's own install, then the node-api-headers package. */
function nodeApiIncludeDir() {
  const candidates = [join(dirname(process.execPath), '..', 'include', 'node'), '/usr/include/node', '/usr/local/include/node'];
  try {
    candidates.push(join(dirname(createRequire(import.meta.url).resolve('node-api-headers/package.json')), 'include'));
  } catch {
    // not installed
  }
  const found = candidates.find((dir) => existsSync(join(dir, 'node_api.h')));
  if (!found) throw new Error(`no Node-API headers (node_api.h) in ${candidates.join(', ')} (install the node-api-headers package)`);
  return found;
}

/** Runs the compiler; resolves its stderr, rejects with a one-line reason and the full output. */
function compile(cc, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(cc, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', (e) => reject(Object.assign(new Error(e.code === 'ENOENT' ? `no C compiler (${cc} not found)` : e.message), { output })));
    child.on('close', (code) => {
      if (code === 0) resolve(output);
      else reject(Object.assign(new Error(`${cc} failed (exit ${code})${output ? `: ${output.trim().split('\n')[0]}` : ''}`), { output }));
    });
  });
}

async function build() {
  if (process.platform === 'win32') throw new Error('building the native addon on Windows is not supported yet');
  const cc = process.env.CC || 'cc';
  const include = nodeApiIncludeDir();
  const work = mkdtempSync(join(tmpdir(), 'rnnkit-native-'));
  try {
    const common = ['-O3', '-fPIC', '-std=gnu11', '-ffp-contract=off', '-fvisibility=hidden', '-Wall'];
    const compileKernels = (builds) => Promise.all(builds.map(([name, flags]) =>
      compile(cc, [...common, ...flags, '-c', join(HERE, 'kernels.c'), '-o', join(work, `kernels-${name}.o`)])));
    let builds = kernelBuilds();
    let portableOnly = builds.length === 1;
    try {
      await compileKernels(builds);
    } catch (e) {
      if (portableOnly) throw e;
      // A compiler without AVX-512 or AVX2 support: the portable build alone.
      builds = [builds.at(-1)];
      portableOnly = true;
      await compileKernels(builds);
    }
    const glue = ['team', 'addon'];
    await Promise.all(glue.map((name) => compile(cc, [...common, ...(portableOnly ? ['-DRNNKIT_PORTABLE_ONLY'] : []),
      `-I${include}`, '-c', join(HERE, `${name}.c`), '-o', join(work, `${name}.o`)])));
    const objects = [...builds.map(([name]) => join(work, `kernels-${name}.o`)), ...glue.map((name) => join(work, `${name}.o`))];
    const linkFlags = process.platform === 'darwin' ? ['-bundle', '-undefined', 'dynamic_lookup'] : ['-shared'];
    mkdirSync(dirname(ADDON_PATH), { recursive: true });
    const temporary = `${ADDON_PATH}.${process.pid}.tmp`;
    await compile(cc, [...linkFlags, '-o', temporary, ...objects, '-lpthread', '-lm']);
    renameSync(temporary, ADDON_PATH);
    return builds.map(([name]) => name);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

try {
  const isas = await build();
  if (!quiet) console.log(`rnnkit: native backend built (${isas.join(', ')} kernels): ${ADDON_PATH}`);
} catch (e) {
  if (optional) {
    console.log(`rnnkit: native backend not built (${e.message}); the wasm backend will be used. Retry with: npx rnnkit build-native`);
  } else {
    if (e.output) process.stderr.write(e.output);
    console.error(`rnnkit: native backend not built: ${e.message}`);
    process.exitCode = 1;
  }
}
