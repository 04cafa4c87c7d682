/**
 * rnnkit as a user gets it: `npm pack` (which builds dist/ and the kernel modules), the tarball
 * installed into a fresh project in a temporary folder (from the npm cache where it can), then
 * (a) a plain Node ESM script imports `rnnkit` and `rnnkit/node` and trains on the fastest backend,
 * (b) TypeScript using the public API compiles strictly with the library's .d.ts checked,
 * (c) `npx rnnkit` trains and samples, and (d) a page bundled by esbuild from the installed package
 * trains in headless Chromium, on one thread and with a team of threads, to Node's numbers;
 * (e) `rnnkit playground` serves the bundled playground.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { NODE_BACKENDS } from '../src/node/backends.ts';
import { HTML, JAVASCRIPT, WASM, startTestServer, type ServedFile } from './browser/server.ts';
import { withChromium } from './browser/chromium.ts';

const ROOT = join(import.meta.dirname, '..');
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
const work = mkdtempSync(join(tmpdir(), 'rnnkit-package-'));
const app = join(work, 'app');
const installed = join(app, 'node_modules/rnnkit');

/** What `npm pack --json` says about the tarball. */
interface Packed {
  filename: string;
  size: number;
  unpackedSize: number;
  entryCount: number;
  files: { path: string }[];
}
let packed: Packed;

/** Every step that reaches the registry prefers the npm cache; none waits long for a slow answer. */
const NPM_FLAGS = ['--prefer-offline', '--no-audit', '--no-fund', '--fetch-retries=1'];

interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], cwd = app, env: NodeJS.ProcessEnv = process.env): Ran {
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 240_000, env });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `run` without blocking, for commands side by side. */
function runAsync(command: string, args: string[]): Promise<Ran> {
  return new Promise((resolve, reject) => execFile(command, args, { cwd: app, timeout: 240_000 }, (error, stdout, stderr) => {
    if (error && typeof error.code !== 'number') reject(error);
    else resolve({ status: error ? (error.code as number) : 0, stdout, stderr });
  }));
}

// ---- the project the tests use: its files are plain JavaScript and TypeScript, as a user writes them

/** A tiny character LM trained for a few steps on the default backend: one computation, run in Node and in the browser. */
const TINY = `import { getBackend, ready, trainCharLM } from 'rnnkit';

export async function trainTiny(options) {
  await ready(options);
  const text = 'the whale and the sea, the ship and the white captain. '.repeat(30);
  const { model, trainer } = trainCharLM(text, {
    hiddenSize: 64, numLayers: 1, embeddingSize: 16, batchSize: 8, seqLen: 32, steps: 4, evalEvery: 1000, seed: 3,
  });
  const backend = getBackend();
  return {
    backend: backend.name, threads: backend.threads, fused: backend.fusedMultiplyAdd ?? null,
    losses: trainer.losses.points().map((p) => p.loss), sample: model.sample({ length: 40, seed: 5 }),
  };
}
`;

/** (a): a plain Node script. */
const NODE_SCRIPT = `import { getBackend } from 'rnnkit';
import { loadCorpus } from 'rnnkit/node';
import { trainTiny } from './tiny.mjs';

console.log(getBackend().name);
const names = await loadCorpus('names');
console.log(JSON.stringify({ ...await trainTiny(), names: names.kind === 'sequences' ? names.sequences.length : 0 }));
`;

/** (b): TypeScript over the public API, both entry points. */
const TYPESCRIPT = `import {
  tensor, LSTM, Linear, crossEntropy, backward, Adam, tidy, reshape, getBackend, ready, trainCharLM, RnnkitError,
  type Backend, type Tensor, type WasmBackend,
} from 'rnnkit';
import { loadCorpus, saveCheckpoint, loadCheckpoint } from 'rnnkit/node';

const backend: Backend = await ready();
const lstm = new LSTM({ inputSize: 3, hiddenSize: 8, batchFirst: true });
const head = new Linear(8, 5);
const optimizer = new Adam([...lstm.parameters(), ...head.parameters()], { lr: 0.01 });
const x = tensor(new Float32Array(2 * 4 * 3).map((_, i) => Math.sin(i)), [2, 4, 3]);
const y = tensor([0, 1, 2, 3, 4, 0, 1, 2], [8], { dtype: 'int32' });
const losses: number[] = [];
for (let step = 0; step < 3; step++) {
  losses.push(tidy(() => {
    optimizer.zeroGrad();
    const logits: Tensor = reshape(head.forward(lstm.forward(x).output), [8, 5]);
    const loss = crossEntropy(logits, y);
    backward(loss);
    optimizer.step();
    return loss.item();
  }));
}
const corpus = await loadCorpus('names');
const names = corpus.kind === 'sequences' ? corpus.sequences.slice(0, 200) : [];
const { model } = trainCharLM(names.join('\\n'), { hiddenSize: 8, numLayers: 1, batchSize: 4, seqLen: 8, steps: 2 });
saveCheckpoint('ts-checkpoint', model);
const again = loadCheckpoint('ts-checkpoint').model as typeof model;
let typed = false;
try {
  tensor([1, 2, 3], [2, 2]);
} catch (e) {
  typed = e instanceof RnnkitError;
}
const fused = backend.name === 'wasm' ? (backend as WasmBackend).fusedMultiplyAdd : null;
console.log(JSON.stringify({ backend: getBackend().name, fused, losses, vocab: again.vocab.size, typed }));
`;

/** (d): the page trains on its main thread; cross-origin isolated, it trains in a Web Worker with 2 threads. */
const PAGE_SCRIPT = `import { trainTiny } from './tiny.mjs';

const result = crossOriginIsolated
  ? new Promise((resolve, reject) => {
    const worker = new Worker('./worker.js', { type: 'module' });
    worker.onmessage = (e) => resolve(e.data);
    worker.onerror = (e) => reject(new Error('worker: ' + e.message));
    worker.postMessage(null);
  })
  : trainTiny({ wasmDirUrl: '/wasm/' });
result.then((r) => { window.rnnkitResult = { ...r, isolated: crossOriginIsolated }; },
  (e) => { window.rnnkitResult = { error: String(e?.stack ?? e) }; });
`;
const WORKER_SCRIPT = `import { trainTiny } from './tiny.mjs';

self.onmessage = () => trainTiny({ threads: 2, wasmDirUrl: '/wasm/', workerUrl: './gemm-worker.js' })
  .then((r) => postMessage(r), (e) => postMessage({ error: String(e?.stack ?? e) }));
`;
const PAGE = '<!doctype html>\n<meta charset="utf-8">\n<title>rnnkit</title>\n<script type="module" src="./page.js"></script>\n';

before(() => {
  const pack = run('npm', ['pack', '--json', '--pack-destination', work, ...NPM_FLAGS], ROOT);
  assert.equal(pack.status, 0, `npm pack failed:\n${pack.stderr}`);
  packed = (JSON.parse(pack.stdout) as Packed[])[0];
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  const install = run('npm', ['install', join(work, packed.filename), ...NPM_FLAGS]);
  assert.equal(install.status, 0, `npm install of the tarball failed:\n${install.stderr}`);
  for (const [file, text] of Object.entries({
    'tiny.mjs': TINY, 'node-script.mjs': NODE_SCRIPT, 'app.ts': TYPESCRIPT, 'page.mjs': PAGE_SCRIPT, 'worker.mjs': WORKER_SCRIPT,
  })) writeFileSync(join(app, file), text);
}, { timeout: 480_000 });

test('the tarball holds the compiled build, types, source maps and the kernel modules, and no tests, benchmarks or fixtures', (t) => {
  const paths = packed.files.map((f) => f.path);
  t.diagnostic(`${packed.filename}: ${(packed.size / 1024).toFixed(0)} KiB, ${packed.entryCount} files, ${(packed.unpackedSize / 1024).toFixed(0)} KiB unpacked`);
  for (const file of [
    'dist/platform/node.js', 'dist/platform/browser.js', 'dist/index.d.ts', 'dist/index.js.map', 'dist/node/index.js', 'dist/node/index.d.ts',
    'dist/cli/bin.js', 'dist/backend/wasm/node-worker.mjs', 'dist/backend/wasm/browser-worker.mjs', 'dist/backend/wasm/team-protocol.mjs',
    'build/wasm/rnnkit.wasm', 'build/wasm/rnnkit-relaxed.wasm', 'build/wasm/rnnkit-single.wasm', 'build/wasm/rnnkit-relaxed-single.wasm',
    'build/playground/index.html', 'build/playground/page.js', 'build/playground/worker.js', 'build/playground/gemm-worker.js',
    'build/playground/texts/moby-dick.txt',
  ]) assert.ok(paths.includes(file), `${file} is in the tarball`);
  const unwanted = paths.filter((p) => /^(test|bench|examples|scripts|\.ci)\/|fixtures|\.test\./.test(p));
  assert.deepEqual(unwanted, []);
  const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
  for (const tool of ['tsx', 'typescript', 'assemblyscript']) assert.ok(!(tool in (manifest.dependencies ?? {})), `${tool} is not a dependency`);
});

test('(a) a plain Node script imports rnnkit and rnnkit/node and trains on the fastest backend, with no warning', () => {
  // The fastest backend that loads here, from the sources: the package must find it just the same.
  const expected = NODE_BACKENDS.find((provider) => {
    try {
      (provider.load({ threads: 1 }) as { close?(): void }).close?.();
      return true;
    } catch {
      return false;
    }
  })!.name;
  const r = run(process.execPath, ['node-script.mjs']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  const [name, json] = r.stdout.trim().split('\n');
  assert.equal(name, expected);
  const result = JSON.parse(json);
  assert.equal(result.backend, expected);
  assert.equal(result.losses.length, 4);
  assert.ok(result.losses.every((l: number) => Number.isFinite(l) && l > 0), String(result.losses));
  assert.ok(result.names > 1000, `${result.names} names`);
});

test('(b) TypeScript using the public API compiles with tsc --strict under `tsc --init` with skipLibCheck: false, and under a Node-only lib', async () => {
  assert.equal(run(process.execPath, [TSC, '--init']).status, 0);
  const config = join(app, 'tsconfig.json');
  writeFileSync(config, readFileSync(config, 'utf8').replace(/"skipLibCheck": true/, '"skipLibCheck": false'));
  assert.match(readFileSync(config, 'utf8'), /"skipLibCheck": false/);
  // A Node project's usual configuration too: no DOM library, Node's types (from this checkout).
  symlinkSync(join(ROOT, 'node_modules/@types'), join(app, 'node_modules/@types'));
  writeFileSync(join(app, 'tsconfig.node.json'), JSON.stringify({
    extends: './tsconfig.json', compilerOptions: { lib: ['es2022'], types: ['node'], noEmit: true },
  }));
  const [initConfig, nodeOnly] = await Promise.all([
    runAsync(process.execPath, [TSC, '-p', '.', '--strict']),
    runAsync(process.execPath, [TSC, '-p', 'tsconfig.node.json', '--strict']),
  ]);
  assert.equal(initConfig.status, 0, `tsc reported errors:\n${initConfig.stdout}`);
  assert.equal(nodeOnly.status, 0, `tsc (lib es2022, Node types) reported errors:\n${nodeOnly.stdout}`);
  const r = run(process.execPath, ['app.js']);
  assert.equal(r.status, 0, r.stderr);
  const result = JSON.parse(r.stdout);
  assert.equal(result.losses.length, 3);
  assert.ok(result.typed, 'a bad shape throws an RnnkitError');
});

test('(c) npx rnnkit trains and samples from the installed package', () => {
  const words = ['the', 'whale', 'sea', 'ship', 'captain', 'white', 'harpoon'];
  writeFileSync(join(app, 'corpus.txt'), Array.from({ length: 600 }, (_, i) => words[(i * 5) % words.length]).join(' '));
  const train = run('npx', ['--no', 'rnnkit', 'train', '--data', 'corpus.txt', '--steps', '5', '--hidden', '16', '--layers', '1',
    '--embedding', '8', '--batch', '4', '--seq-len', '16', '--json', '--out', 'cli-run']);
  assert.equal(train.status, 0, train.stderr);
  const events = train.stdout.trim().split('\n').map((line) => JSON.parse(line));
  assert.equal(events.at(-1).steps, 5);
  assert.notEqual(events[0].backend, 'reference');
  const sample = run('npx', ['--no', 'rnnkit', 'sample', 'cli-run', '--length', '40', '--seed', '1']);
  assert.equal(sample.status, 0, sample.stderr);
  assert.ok(sample.stdout.trim().length >= 10, sample.stdout);
});

test('(e) rnnkit playground serves the bundled page and kernels from the installed package until interrupted', { timeout: 60_000 }, async () => {
  // the command npx runs (npm exec itself dies of the SIGINT a terminal sends to both)
  const child = spawn(join(app, 'node_modules/.bin/rnnkit'), ['playground', '--port', '0'], { cwd: app });
  let stdout = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const found = /http:\/\/127\.0\.0\.1:\d+\//.exec(stdout)?.[0];
      if (found) resolve(found);
    });
    child.on('exit', (code) => reject(new Error(`rnnkit playground exited (${code}) before serving: ${stdout}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  try {
    for (const [path, type] of [['', 'text/html'], ['worker.js', 'text/javascript'], ['wasm/rnnkit.wasm', 'application/wasm']]) {
      const response = await fetch(url + path);
      assert.equal(response.status, 200, path);
      assert.match(response.headers.get('content-type') ?? '', new RegExp(`^${type}`), path);
    }
  } finally {
    child.kill('SIGINT');
  }
  assert.equal(await exited, 0);
});

test('(c) the sequence tasks train, predict (or sample), eval and resume from the installed package', () => {
  const rnnkit = (...args: string[]) => {
    const r = run('npx', ['--no', 'rnnkit', ...args]);
    assert.equal(r.status, 0, `rnnkit ${args.join(' ')}:\n${r.stderr}`);
    return r.stdout;
  };
  writeFileSync(join(app, 'pairs.tsv'), Array.from({ length: 40 }, (_, i) => `w${i % 7}x${i}\tx${i}w${i % 7}`).join('\n'));
  const small = ['--steps', '3', '--eval-every', '3', '--hidden', '8', '--embedding', '8', '--quiet'];
  const tasks = [
    ['classify', 'names-gender', ['predict', 'pkg-classify', 'Anna', '--json']],
    ['tag', 'brown-pos', ['predict', 'pkg-tag', 'The whale swims .', '--json']],
    ['seq2seq', 'pairs.tsv', ['predict', 'pkg-seq2seq', 'w1x3', '--json']],
    ['generate', 'surnames', ['sample', 'pkg-generate', '--class', 'Italian', '--count', '2']],
  ] as const;
  for (const [task, data, use] of tasks) {
    rnnkit('train', '--task', task, '--data', data, ...small, '--out', `pkg-${task}`, ...(task === 'seq2seq' ? ['--decoder-hidden', '8'] : []));
    assert.ok(rnnkit(...use).trim().length > 0, `${task}: ${use[0]} printed nothing`);
    const metrics = JSON.parse(rnnkit('eval', `pkg-${task}`, '--json'));
    assert.ok(Number.isFinite(metrics[{ classify: 'accuracy', tag: 'accuracy', seq2seq: 'wer', generate: 'loss' }[task]]), JSON.stringify(metrics));
    rnnkit('train', '--resume', `pkg-${task}`, '--steps', '4', '--quiet');
    assert.equal(JSON.parse(readFileSync(join(app, `pkg-${task}`, 'last', 'model.json'), 'utf8')).step, 4);
  }
});

test('(d) a page bundled by esbuild from the installed package trains in Chromium to Node\'s numbers, on one thread and on two', { timeout: 120_000 }, async (t) => {
  const { outputFiles } = await build({
    absWorkingDir: app, entryPoints: { page: 'page.mjs', worker: 'worker.mjs', 'gemm-worker': 'rnnkit/browser-worker' },
    bundle: true, format: 'esm', platform: 'browser', target: 'es2022', outdir: '/', write: false, logLevel: 'error',
  });
  const bundles = new Map(outputFiles.map((f) => [f.path.slice(1), f.text]));
  for (const [name, text] of bundles) assert.doesNotMatch(text, /worker_threads|node:fs/, `${name} holds Node-only code`);
  const serve = (path: string): ServedFile | undefined => {
    const wasm = /^\/wasm\/([\w-]+\.wasm)$/.exec(path)?.[1];
    if (wasm) return { type: WASM, body: readFileSync(join(installed, 'build/wasm', wasm)) };
    const file = /^\/(?:plain|isolated)\/(.*)$/.exec(path)?.[1];
    if (file === 'index.html') return { type: HTML, body: PAGE };
    const bundle = file && bundles.get(file);
    return bundle ? { type: JAVASCRIPT, body: bundle } : undefined;
  };
  const server = await startTestServer(serve, (path) => path.startsWith('/isolated/'));
  type Result = { backend: string; threads: number; fused: boolean; losses: number[]; sample: string; isolated: boolean };
  let plain: Result, isolated: Result;
  try {
    [plain, isolated] = await withChromium(async (resultOf) =>
      [await resultOf(`${server.url}plain/index.html`), await resultOf(`${server.url}isolated/index.html`)] as Result[]);
  } finally {
    await server.close();
  }
  // The browser's backend is wasm; Node's default may be native, so Node is asked for wasm too.
  const node = run(process.execPath, ['-e', "import('./tiny.mjs').then(async (m) => console.log(JSON.stringify(await m.trainTiny())))"],
    app, { ...process.env, RNNKIT_BACKEND: 'wasm' });
  assert.equal(node.status, 0, node.stderr);
  const inNode = JSON.parse(node.stdout) as Result;
  t.diagnostic(`Node: ${inNode.backend}, ${inNode.threads} thread(s), losses ${inNode.losses.join(', ')}`);
  assert.deepEqual([plain.backend, plain.threads, plain.isolated], ['wasm', 1, false]);
  assert.deepEqual([isolated.backend, isolated.threads, isolated.isolated], ['wasm', 2, true]);
  for (const [label, page] of [['main thread, not isolated', plain], ['worker, 2 threads, isolated', isolated]] as const) {
    // Bit-for-bit equality holds between runs of the same kind of build (MODULE_BUILDS).
    assert.equal(page.fused, inNode.fused, `${label}: fused multiply-add build in the browser and in Node`);
    assert.deepEqual(page.losses, inNode.losses, `${label}: losses`);
    assert.equal(page.sample, inNode.sample, `${label}: sample`);
  }
});

after(() => rmSync(work, { recursive: true, force: true }));
