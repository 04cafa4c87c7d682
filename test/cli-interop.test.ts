/**
 * The interop commands end to end: `rnnkit export` writes a run's model as ONNX files that ONNX
 * Runtime runs with rnnkit's results; `rnnkit onnx test` prints one JSON line per backend-test
 * directory and fails when one fails; bad usage is one line and a non-zero exit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { loadCheckpoint } from '../src/node/checkpoint.ts';
import { CharLM } from '../src/models/charlm.ts';
import { tensor } from '../src/tensor/tensor.ts';
import { noGrad } from '../src/autograd/tape.ts';
import { encodeTensorFile } from '../src/io/onnx/proto.ts';
import { onnxTensor } from '../src/io/onnx/tensor.ts';
import { run } from './cli-helpers.ts';
import { relativeError } from './reference/cases.ts';

ort.env.logLevel = 'error';
const dir = mkdtempSync(join(tmpdir(), 'rnnkit-interop-'));
const NODE_TESTS = new URL('./fixtures/onnx/node', import.meta.url).pathname;

test('export writes the sequence and step graphs of a trained run, and ONNX Runtime gives rnnkit\'s logits', async () => {
  const corpus = join(dir, 'corpus.txt');
  writeFileSync(corpus, 'the sea and the ship and the whale. '.repeat(60));
  const runDir = join(dir, 'run');
  const trained = run(['train', '--data', corpus, '--backend', 'reference', '--cell', 'gru', '--hidden', '12', '--layers', '2', '--embedding', '6',
    '--seq-len', '8', '--batch', '2', '--steps', '4', '--eval-every', '4', '--quiet', '--out', runDir]);
  assert.equal(trained.status, 0, trained.stderr);
  const { model } = loadCheckpoint(runDir);
  assert.ok(model instanceof CharLM);
  const ids = model.vocab.encode('the whale');
  const expected = noGrad(() => model.net.forward(tensor(ids, [ids.length, 1], { dtype: 'int32' })).logits);
  for (const graph of ['sequence', 'step']) {
    const file = join(dir, `${graph}.onnx`);
    const r = run(['export', runDir, '--format', 'onnx', '--out', file, ...(graph === 'step' ? ['--graph', 'step'] : [])]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`charlm model from .*, ${graph} graph, opset 17`));
    const session = await ort.InferenceSession.create(file);
    if (graph === 'sequence') {
      const out = await session.run({ ids: new ort.Tensor('int64', BigInt64Array.from(Array.from(ids, BigInt)), [ids.length, 1]) });
      assert.ok(relativeError(out.logits.data as Float32Array, expected.f32) <= 1e-5);
    } else {
      assert.deepEqual([...session.inputNames].sort(), ['h', 'ids']);
      assert.deepEqual([...session.outputNames].sort(), ['h_next', 'logits']);
    }
  }
});

test('onnx test prints one passing JSON line per directory; a wrong expected output fails with exit status 1', () => {
  const r = run(['onnx', 'test', NODE_TESTS, '--backend', 'reference']);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, 12);
  assert.ok(lines.every((l) => l.passed === true && typeof l.name === 'string'));
  const broken = join(dir, 'test_gru_defaults');
  cpSync(join(NODE_TESTS, 'test_gru_defaults'), broken, { recursive: true });
  writeFileSync(join(broken, 'test_data_set_0', 'output_0.pb'), encodeTensorFile('Y_h', onnxTensor('float32', [1, 3, 5])));
  const failed = run(['onnx', 'test', broken]);
  assert.equal(failed.status, 1);
  const line = JSON.parse(failed.stdout);
  assert.equal(line.name, 'test_gru_defaults');
  assert.equal(line.passed, false);
  assert.match(line.error, /output 'Y_h'\[0\] = .*, expected 0/);
});

test('bad usage: one line and a non-zero exit', () => {
  const cases: [string[], number, RegExp][] = [
    [['export', join(dir, 'run')], 2, /--out FILE.onnx is required/],
    [['export', join(dir, 'nowhere'), '--out', join(dir, 'x.onnx')], 1, /nowhere/],
    [['onnx', 'test', dir + '/missing'], 2, /is not a directory/],
  ];
  for (const [args, status, pattern] of cases) {
    const r = run(args);
    assert.equal(r.status, status, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, pattern);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
});
