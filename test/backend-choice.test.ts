/**
 * The default backend: in Node the fastest that loads, with no call; RNNKIT_BACKEND forces one;
 * falling back to the reference backend says why, once, on stderr; useBackend reuses a loaded
 * backend or replaces (and closes) it; in a browser build, a tensor made before `await ready()`
 * is a typed error. Each case runs in its own process, since the choice is made once per process.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const SRC = join(import.meta.dirname, '..', 'src');

/** Runs an ES module (which may import `${SRC}/…ts`) in a fresh Node process. */
function runModule(code: string, env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), '--input-type=module', '-e', code], {
    encoding: 'utf8', timeout: 60_000, env: { ...process.env, RNNKIT_BACKEND: '', ...env },
  });
  return { status: r.status, stdout: r.stdout.trim(), stderr: r.stderr.trim() };
}

const LAYER = `import { LSTM, getBackend, tensor } from '${SRC}/platform/node.ts';
const lstm = new LSTM({ inputSize: 3, hiddenSize: 4 });
const { output } = lstm.forward(tensor(new Float32Array(2 * 1 * 3).fill(0.5), [2, 1, 3]));
console.log(getBackend().name, lstm.parameters()[0].backend.name, output.backend.name);`;

test('in Node, a layer built with no backend call is on the native backend (the addon is built here), quietly; wasm without it', () => {
  const r = runModule(LAYER);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'native native native');
  assert.equal(r.stderr, '');
});

test('RNNKIT_BACKEND forces a backend; an unknown name is a typed error naming the variable', () => {
  const forced = runModule(LAYER, { RNNKIT_BACKEND: 'reference' });
  assert.equal(forced.status, 0, forced.stderr);
  assert.equal(forced.stdout, 'reference reference reference');
  assert.equal(forced.stderr, '');
  const unknown = runModule(`import { getBackend, ValueError } from '${SRC}/platform/node.ts';
try { getBackend(); } catch (e) { console.log(e instanceof ValueError, e.message); }`, { RNNKIT_BACKEND: 'gpu' });
  assert.equal(unknown.stdout, 'true RNNKIT_BACKEND: expected one of native, wasm, reference, got "gpu"');
});

test('falling back to the reference backend says why, once, on stderr; a forced backend that cannot load is an error', () => {
  const providers = `import { setBackendProviders, REFERENCE_PROVIDER, getBackend, tensor, zeros, BackendUnavailableError } from '${SRC}/index.ts';
setBackendProviders([{ name: 'fast', load() { throw new Error('no fast kernels on this machine'); } }, REFERENCE_PROVIDER]);`;
  const fallback = runModule(`${providers}
tensor([1, 2]); zeros([3]);
console.log(getBackend().name);`);
  assert.equal(fallback.status, 0, fallback.stderr);
  assert.equal(fallback.stdout, 'reference');
  assert.equal(fallback.stderr, 'rnnkit: using the slow reference backend: the fast backend cannot load here: no fast kernels on this machine '
    + '(set RNNKIT_BACKEND=reference to choose it quietly)');
  const forced = runModule(`${providers}
try { tensor([1]); } catch (e) { console.log(e instanceof BackendUnavailableError, e.message); }`, { RNNKIT_BACKEND: 'fast' });
  assert.equal(forced.stdout, 'true RNNKIT_BACKEND=fast: the fast backend cannot load here: no fast kernels on this machine');
});

test('useBackend reuses a loaded backend, and closes one it replaces with another thread count', () => {
  const r = runModule(`import { useBackend, getBackend, ready, tensor } from '${SRC}/platform/node.ts';
const first = useBackend('wasm', 1);
let closed = false;
const close = first.close.bind(first);
first.close = () => { closed = true; close(); };
const same = useBackend('wasm') === first && useBackend('wasm', 1) === first && (await ready()) === first;
const second = useBackend('wasm', 2);
console.log(same, closed, second !== first, second.threads, getBackend() === second, tensor([1]).backend === second);
useBackend('reference');
console.log(getBackend().name, useBackend() === second);
try { useBackend('reference', 2); } catch (e) { console.log(e.constructor.name, e.message); }`, { RNNKIT_BACKEND: 'wasm' }); // wasm the default, as native would be
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout.split('\n'), [
    'true true true 2 true true',
    'reference true',
    'ValueError threads: expected 1 for the reference backend, which computes on one thread, got 2',
  ]);
});

test('the browser entry point: a tensor made before `await ready()` is a typed error that says what to do', () => {
  const r = runModule(`import { tensor, BackendNotReadyError } from '${SRC}/platform/browser.ts';
try { tensor([1]); } catch (e) { console.log(e instanceof BackendNotReadyError, e.message); }`);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^true .*`await ready\(\)` once before creating tensors or layers/);
});
