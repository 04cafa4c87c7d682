/**
 * Damaged or hostile checkpoint files at the library level: safetensors headers that are null, hold
 * null entries, fractional, overlapping or out-of-range offsets; a model.json describing a bigger
 * model than its weights; a model too big for the backend. Each is a one-line CheckpointError naming
 * the file, thrown before the model is allocated; a load never allocates more than its weights.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Random } from '../src/tensor/random.ts';
import { CharLM } from '../src/models/charlm.ts';
import { CharLMNet } from '../src/models/charlm-net.ts';
import { RecurrentLayer, recurrentParameterCount } from '../src/nn/rnn.ts';
import { decodeCheckpoint, encodeCheckpoint, type CheckpointFiles } from '../src/io/checkpoint.ts';
import { decodeSafetensors, encodeSafetensors } from '../src/io/safetensors.ts';
import { modelKind } from '../src/models/kinds.ts';
import { Trainer } from '../src/train/trainer.ts';
import { LanguageModelTask, prepareLanguageModelData } from '../src/models/charlm-task.ts';
import { ReferenceBackend } from '../src/backend/reference/index.ts';
import { createWasmBackend } from '../src/backend/wasm/index.ts';
import { tensor } from '../src/tensor/tensor.ts';
import { CheckpointError, MemoryLimitError, ValueError } from '../src/errors.ts';
import type { Backend, DType } from '../src/backend/backend.ts';

function trainedFiles(): CheckpointFiles {
  const { vocab, data } = prepareLanguageModelData({ kind: 'text', source: 'test', text: 'the whale and the sea. '.repeat(40) }, 0);
  const model = new CharLM(vocab, { cell: 'lstm', embeddingSize: 4, hiddenSize: 8, numLayers: 1, dropout: 0, sequences: false }, { rng: new Random(1) });
  const trainer = new Trainer(new LanguageModelTask(model, data, { seqLen: 8, batchSize: 4 }), { steps: 2 });
  trainer.runSync();
  return encodeCheckpoint(model, { step: 2 }, { options: trainer.options, state: trainer.state() });
}

const GOOD = trainedFiles();
const WEIGHTS = 'model.safetensors';

/** A reference backend that counts the bytes it is asked for, optionally with a memory limit. */
function countingBackend(memoryLimit?: number): Backend & { requested: number } {
  const inner = new ReferenceBackend();
  const counting = Object.create(inner) as Backend & { requested: number };
  counting.requested = 0;
  Object.assign(counting, {
    memoryLimit,
    alloc: (n: number, dtype: DType) => {
      counting.requested += 4 * n;
      return inner.alloc(n, dtype);
    },
  });
  return counting;
}

const decode = (files: CheckpointFiles, backend: Backend = countingBackend()) =>
  decodeCheckpoint((name) => files[name] ?? null, '/ckpt', modelKind, backend);

/** Loading throws a one-line CheckpointError that names `file` and matches `pattern`. */
function refused(replace: CheckpointFiles, file: string, pattern: RegExp, backend?: Backend): void {
  assert.throws(() => decode({ ...GOOD, ...replace }, backend), (e: unknown) => {
    assert.ok(e instanceof CheckpointError, `expected a CheckpointError, got ${e}`);
    assert.ok(e.message.includes(`/ckpt/${file}`), `"${e.message}" does not name ${file}`);
    assert.ok(!e.message.includes('\n'), `"${e.message}" is not one line`);
    assert.match(e.message, pattern);
    return true;
  });
}

/** A safetensors file: this header as JSON, then `dataBytes` zero bytes. */
function safetensors(header: unknown, dataBytes: number): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + dataBytes);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  return out;
}

const entry = (begin: number, floats = 2, dtype = 'F32') => ({ dtype, shape: [floats], data_offsets: [begin, begin + 4 * floats] });

test('safetensors headers that are null, hold null entries or malformed fields', () => {
  refused({ [WEIGHTS]: safetensors(null, 0) }, WEIGHTS, /its header is null, not a JSON object/);
  refused({ [WEIGHTS]: safetensors([entry(0)], 8) }, WEIGHTS, /not a JSON object/);
  refused({ [WEIGHTS]: safetensors({ 'embedding.weight': null }, 0) }, WEIGHTS, /tensor "embedding.weight" is null, not an object with dtype, shape and data_offsets/);
  refused({ [WEIGHTS]: safetensors({ a: { ...entry(0), data_offsets: [0, 7.5] } }, 8) }, WEIGHTS, /data_offsets \[0,7.5\], not \[begin, end\] with integers/);
  refused({ [WEIGHTS]: safetensors({ a: { ...entry(0), data_offsets: ['0', '8'] } }, 8) }, WEIGHTS, /data_offsets \["0","8"\]/);
  refused({ [WEIGHTS]: safetensors({ a: { ...entry(0), data_offsets: [8, 0] } }, 8) }, WEIGHTS, /data_offsets \[8,0\]/);
  refused({ [WEIGHTS]: safetensors({ a: { ...entry(0), shape: [2.5] } }, 8) }, WEIGHTS, /shape \[2.5\], not a list of integers/);
  refused({ [WEIGHTS]: safetensors({ a: entry(0, 2, 'toString') }, 8) }, WEIGHTS, /dtype "toString"; only F32 and I32/);
  refused({ [WEIGHTS]: safetensors({ a: entry(0, 1, 'F64') }, 4) }, WEIGHTS, /dtype "F64"/);
  refused({ [WEIGHTS]: safetensors({ __metadata__: { step: 2 } }, 0) }, WEIGHTS, /__metadata__ is \{"step":2\}, not an object of strings/);
  refused({ [WEIGHTS]: new TextEncoder().encode('rnnkit') }, WEIGHTS, /6 bytes, less than the 8-byte header length/);
  const hostileLength = new Uint8Array(GOOD[WEIGHTS]);
  new DataView(hostileLength.buffer).setBigUint64(0, 2n ** 64n - 1n, true);
  refused({ [WEIGHTS]: hostileLength }, WEIGHTS, /a header of 18446744073709551615 bytes in a file of \d+/);
});

test('safetensors offsets that overlap, leave a gap or reach outside the data', () => {
  refused({ [WEIGHTS]: safetensors({ a: entry(0), b: entry(4) }, 12) }, WEIGHTS, /the bytes of tensors "a" and "b" overlap/);
  refused({ [WEIGHTS]: safetensors({ a: entry(0), b: entry(0) }, 8) }, WEIGHTS, /overlap/);
  refused({ [WEIGHTS]: safetensors({ a: entry(0), b: entry(12) }, 20) }, WEIGHTS, /bytes \[8, 12\) of the data section belong to no tensor/);
  refused({ [WEIGHTS]: safetensors({ a: entry(0) }, 12) }, WEIGHTS, /bytes \[8, 12\) of the data section belong to no tensor/);
  refused({ [WEIGHTS]: safetensors({ a: entry(8) }, 8) }, WEIGHTS, /needs bytes \[8,16\] of a data section of 8/);
  refused({ [WEIGHTS]: safetensors({ a: { ...entry(0), shape: [3] } }, 8) }, WEIGHTS, /of shape \[3\] needs 12 bytes, its data_offsets \[0,8\] hold 8/);
  refused({ [WEIGHTS]: GOOD[WEIGHTS].subarray(0, GOOD[WEIGHTS].length - 1) }, WEIGHTS, /corrupt or truncated/);
});

test('a model.json describing a bigger model than its weights is refused before that model is allocated', () => {
  const json = JSON.parse(new TextDecoder().decode(GOOD['model.json']));
  json.model.config.hiddenSize = 5_000; // 100 M parameters; the weights file holds about 2 KiB
  const backend = countingBackend();
  refused({ 'model.json': new TextEncoder().encode(JSON.stringify(json)) }, 'model.json',
    /describes a model of more than .* but model\.safetensors holds \d+\.\d+ KiB of weights/, backend);
  const fileBytes = Object.values(GOOD).reduce((n, f) => n + f.length, 0);
  assert.ok(backend.requested <= fileBytes, `allocated ${backend.requested} bytes for files of ${fileBytes}`);
});

test('a model too big for the backend is refused before allocating, with what it needs and the limit', async () => {
  const weightBytes = Object.values(decodeSafetensors(GOOD[WEIGHTS]).tensors).reduce((n, t) => n + t.data.byteLength, 0);
  const small = countingBackend(1000);
  refused({}, WEIGHTS, new RegExp(`holds ${(weightBytes / 1024).toPrecision(3)} KiB of weights; the reference backend holds at most 1000 bytes`), small);
  assert.equal(small.requested, 0);

  const wasm = await createWasmBackend({ threads: 1 });
  try {
    const json = JSON.parse(new TextDecoder().decode(GOOD['model.json']));
    json.model.config.hiddenSize = 20_000;
    json.model.config.numLayers = 2;
    const grownBefore = wasm.alloc(1, 'float32').buffer.byteLength;
    refused({ 'model.json': new TextEncoder().encode(JSON.stringify(json)) }, 'model.json',
      /\(the model \([\d,]+ float32 parameters\) needs 1\d\.\d GiB; the wasm backend holds at most 2\.00 GiB\)/, wasm);
    assert.equal(wasm.alloc(1, 'float32').buffer.byteLength, grownBefore, 'the wasm memory did not grow');
    assert.throws(() => new CharLMNet({ cell: 'gru', vocabSize: 80, embeddingSize: 64, hiddenSize: 20_000, numLayers: 2, backend: wasm }),
      (e: unknown) => e instanceof MemoryLimitError && e.limitBytes === 2 ** 31 && e.neededBytes > 2 ** 31);
    assert.throws(() => wasm.alloc(2 ** 30, 'float32'), (e: unknown) => e instanceof MemoryLimitError && /wasm backend holds at most 2\.00 GiB/.test(e.message));
  } finally {
    wasm.close();
  }
});

test('loadStateDict refuses integer values for float parameters', () => {
  const net = new CharLMNet({ cell: 'rnn', vocabSize: 3, embeddingSize: 2, hiddenSize: 2, numLayers: 1 });
  const state = Object.fromEntries(net.namedParameters().map(([name, p]) => [name, { shape: p.shape, data: Int32Array.from(p.f32) }]));
  assert.throws(() => net.loadStateDict(state), (e: unknown) => e instanceof ValueError && /int32 values/.test(e.message));
  const ints = Object.fromEntries(net.namedParameters().map(([name, p]) => [name, tensor(new Array(p.size).fill(1), p.shape, { dtype: 'int32' })]));
  assert.throws(() => net.loadStateDict(ints), ValueError);
  assert.throws(() => encodeSafetensors({ a: { shape: [2, 2], data: new Float32Array(3) } }), /expected shape 3 elements/);
});

test('the parameter counts known without allocating are those of the built layers and nets', () => {
  for (const cell of ['lstm', 'gru', 'rnn'] as const) {
    for (const numLayers of [1, 3]) {
      const config = { cell, vocabSize: 7, embeddingSize: 3, hiddenSize: 5, numLayers };
      assert.equal(CharLMNet.parameterCount(config), new CharLMNet(config).parameterCount());
    }
  }
  for (const mode of ['LSTM', 'GRU', 'RNN_TANH'] as const) {
    for (const options of [{ bias: false, bidirectional: true, numLayers: 3 }, { bias: true, bidirectional: false, numLayers: 2 }]) {
      const layer = new RecurrentLayer(mode, { inputSize: 3, hiddenSize: 4, ...options });
      assert.equal(recurrentParameterCount(mode, { inputSize: 3, hiddenSize: 4, ...options }), layer.parameterCount());
    }
  }
});
