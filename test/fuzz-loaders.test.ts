/**
 * Property tests of every checkpoint loader with fast-check, 10,000 generated cases each: random and
 * mutated safetensors bytes, generated safetensors headers, mutated model.json and training.safetensors.
 * Every input loads or throws an RnnkitError — no other exception, no hang — and a load never makes
 * the backend allocate more than the files hold. RNNKIT_FUZZ_SEED replays a run (fast-check prints
 * the seed and the smallest failing input).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Random } from '../src/tensor/random.ts';
import { CharLM } from '../src/models/charlm.ts';
import { decodeCheckpoint, encodeCheckpoint, type CheckpointFiles, type LoadedCheckpoint } from '../src/io/checkpoint.ts';
import { decodeSafetensors } from '../src/io/safetensors.ts';
import { modelKind } from '../src/models/kinds.ts';
import { Trainer } from '../src/train/trainer.ts';
import { LanguageModelTask, prepareLanguageModelData } from '../src/models/charlm-task.ts';
import { ReferenceBackend } from '../src/backend/reference/index.ts';
import { RnnkitError } from '../src/errors.ts';
import type { Backend, DType } from '../src/backend/backend.ts';

const RUNS = 10_000;
const SEED = Number(process.env.RNNKIT_FUZZ_SEED ?? 20_261_123);
/** Wall-clock bound for one loader's 10,000 cases (they take about a second on CI's machine). */
const SECONDS_PER_LOADER = 30;

const { data: DATA, vocab: VOCAB } = prepareLanguageModelData({ kind: 'text', source: 'test', text: 'a whale, a sea. '.repeat(40) }, 0);
const TASK_OPTIONS = { seqLen: 6, batchSize: 2 };

function trainedFiles(): CheckpointFiles {
  const model = new CharLM(VOCAB, { cell: 'gru', embeddingSize: 3, hiddenSize: 4, numLayers: 1, dropout: 0, sequences: false }, { rng: new Random(3) });
  const trainer = new Trainer(new LanguageModelTask(model, DATA, TASK_OPTIONS), { steps: 2 });
  trainer.runSync();
  return encodeCheckpoint(model, { step: 2 }, { options: trainer.options, state: trainer.state() });
}

const GOOD = trainedFiles();

/** What `rnnkit train --resume` does with a loaded checkpoint: a trainer restored from its state. */
function resume({ model, training }: LoadedCheckpoint): void {
  if (!training) return;
  new Trainer(new LanguageModelTask(model as CharLM, DATA, TASK_OPTIONS), training.options).restore(training.state);
}

/** The reference backend, counting the bytes asked of it. */
const inner = new ReferenceBackend();
let requested = 0;
const counting: Backend = Object.assign(Object.create(inner) as Backend, {
  alloc: (n: number, dtype: DType) => {
    requested += 4 * n;
    return inner.alloc(n, dtype);
  },
});

/** Outcomes of the current property: how many inputs loaded, and the refusals by the start of their message. */
let loaded = 0;
const refusals = new Map<string, number>();

/** Runs load; passes when it returns or throws an RnnkitError. */
function loadsOrRefuses(load: () => unknown): void {
  try {
    load();
    loaded++;
  } catch (e) {
    if (!(e instanceof RnnkitError)) throw e;
    assert.ok(!e.message.includes('\n'), `a one-line message: ${e.message}`);
    const kind = e.message.replace(/[\d"[].*$/, '').slice(0, 60);
    refusals.set(kind, (refusals.get(kind) ?? 0) + 1);
  }
}

/**
 * decodeCheckpoint over the good files with some replaced, then resumed training from it; the
 * backend allocates at most what the files hold.
 */
function loadCheckpoint(replace: CheckpointFiles): void {
  const files = { ...GOOD, ...replace };
  requested = 0;
  loadsOrRefuses(() => resume(decodeCheckpoint((name) => files[name] ?? null, 'ckpt', modelKind, counting)));
  const fileBytes = Object.values(files).reduce((n, f) => n + f.length, 0);
  assert.ok(requested <= fileBytes, `allocated ${requested} bytes for files of ${fileBytes}`);
}

/** decodeSafetensors: returns or refuses, and what it returns fits in the file. */
function decodeBytes(bytes: Uint8Array): void {
  loadsOrRefuses(() => {
    const { tensors } = decodeSafetensors(bytes, 'fuzz.safetensors');
    const total = Object.values(tensors).reduce((n, t) => n + t.data.byteLength, 0);
    assert.ok(total <= bytes.length, `decoded ${total} bytes from a file of ${bytes.length}`);
  });
}

function property(name: string, arbitrary: fc.Arbitrary<unknown>, check: (value: never) => void): void {
  test(`${name}: ${RUNS} cases load or throw an RnnkitError`, () => {
    const started = performance.now();
    loaded = 0;
    refusals.clear();
    fc.assert(fc.property(arbitrary, (value) => check(value as never)), { numRuns: RUNS, seed: SEED });
    const seconds = (performance.now() - started) / 1000;
    // The generators reach both sides: inputs that load, and refusals of several kinds.
    assert.ok(loaded >= RUNS / 200, `${loaded} of ${RUNS} inputs loaded`);
    assert.ok(refusals.size >= 4, `refusals of only ${refusals.size} kinds: ${[...refusals.keys()].join(' | ')}`);
    assert.ok(seconds < SECONDS_PER_LOADER, `${RUNS} cases took ${seconds.toFixed(1)} s`);
  });
}

// ---- generators ---------------------------------------------------------------------------------

/** Byte edits of a file: overwrite a few bytes, cut it, or set its 8-byte header length. */
function mutatedBytes(file: Uint8Array): fc.Arbitrary<Uint8Array> {
  const overwrite = fc.array(fc.tuple(fc.nat(file.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 })
    .map((edits) => {
      const copy = new Uint8Array(file);
      for (const [at, value] of edits) copy[at] = value;
      return copy;
    });
  const cut = fc.nat(file.length).map((n) => file.slice(0, n));
  const headerLength = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((length) => {
    const copy = new Uint8Array(file);
    new DataView(copy.buffer).setBigUint64(0, length, true);
    return copy;
  });
  return fc.oneof(overwrite, cut, headerLength);
}

/** JSON text: safetensors file bytes with this header and `data` bytes after it. */
function withHeader(header: unknown, data: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header) ?? 'null');
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const json = fc.jsonValue({ maxDepth: 3 });
const smallInt = fc.integer({ min: -2, max: 40 });
/** Numbers a header field might hold: small integers, huge and fractional ones, or any JSON. */
const headerNumber = fc.oneof(smallInt, fc.constantFrom(2 ** 53, 2 ** 31, 1e300, -0, 0.5, 4.000001), json);
const headerEntry = fc.oneof(
  { weight: 4, arbitrary: fc.record({
    dtype: fc.oneof(fc.constantFrom('F32', 'I32', 'F64', 'BF16', 'toString', '__proto__'), json),
    shape: fc.oneof(fc.array(headerNumber, { maxLength: 3 }), json),
    data_offsets: fc.oneof(fc.tuple(headerNumber, headerNumber), fc.array(headerNumber, { maxLength: 3 }), json),
  }, { requiredKeys: [] }) },
  { weight: 1, arbitrary: json },
);
const headerName = fc.oneof(fc.constantFrom('__metadata__', '__proto__', 'constructor', 'a', 'b', ''), fc.string({ maxLength: 6 }));
const header = fc.oneof(
  { weight: 6, arbitrary: fc.dictionary(headerName, headerEntry, { maxKeys: 4 }) },
  { weight: 1, arbitrary: json },
);

/** A JSON value with one subtree replaced by a generated value, or one object key deleted. */
function mutatedJson(base: unknown): fc.Arbitrary<unknown> {
  const paths: (string | number)[][] = [];
  const walk = (v: unknown, path: (string | number)[]): void => {
    paths.push(path);
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]));
    else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
  };
  walk(base, []);
  const replacement = fc.oneof(json, headerNumber, fc.constantFrom(null, {}, [], '', 1e9, -1, 2 ** 31));
  return fc.tuple(fc.constantFrom(...paths), replacement, fc.boolean()).map(([path, value, remove]) => {
    if (path.length === 0) return value;
    const copy = structuredClone(base) as Record<string | number, unknown>;
    let parent = copy;
    for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
    const last = path[path.length - 1];
    if (remove && !Array.isArray(parent)) delete parent[last];
    else parent[last] = value;
    return copy;
  });
}

const modelJson = JSON.parse(new TextDecoder().decode(GOOD['model.json']));
const encodeJson = (v: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(v) ?? 'null');

// ---- properties ---------------------------------------------------------------------------------

property('safetensors bytes (random and mutated)',
  fc.oneof(fc.uint8Array({ maxLength: 64 }), mutatedBytes(GOOD['model.safetensors']), mutatedBytes(GOOD['training.safetensors'])),
  decodeBytes);

property('safetensors headers', fc.tuple(header, fc.uint8Array({ maxLength: 48 })), ([h, data]: [unknown, Uint8Array]) => decodeBytes(withHeader(h, data)));

property('model.json (mutated and arbitrary) in a checkpoint',
  fc.oneof({ weight: 9, arbitrary: mutatedJson(modelJson) }, { weight: 1, arbitrary: json }),
  (value: unknown) => loadCheckpoint({ 'model.json': encodeJson(value) }));

property('model.safetensors and training.safetensors in a checkpoint',
  fc.oneof(
    mutatedBytes(GOOD['model.safetensors']).map((bytes) => ({ 'model.safetensors': bytes })),
    mutatedBytes(GOOD['training.safetensors']).map((bytes) => ({ 'training.safetensors': bytes })),
  ),
  loadCheckpoint);
