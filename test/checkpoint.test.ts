/**
 * Checkpoints: the bytes round-trip by model kind; loading checks that every file is of one step,
 * that weights are F32 and that the training state is complete; a directory is published as one
 * unit and every state a killed save can leave resolves to a complete checkpoint; a run directory
 * recovers and drops temporaries.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Random } from '../src/tensor/random.ts';
import { tensor } from '../src/tensor/tensor.ts';
import { CharLM } from '../src/models/charlm.ts';
import { decodeCheckpoint, encodeCheckpoint, type CheckpointFiles } from '../src/io/checkpoint.ts';
import { decodeSafetensors, encodeSafetensors } from '../src/io/safetensors.ts';
import { CheckpointError } from '../src/errors.ts';
import { modelKind, registerModelKind } from '../src/models/kinds.ts';
import { RunDirectory, loadCheckpoint, resolveCheckpointDir, saveCheckpoint, writeCheckpointFiles } from '../src/node/checkpoint.ts';
import { Trainer } from '../src/train/trainer.ts';
import { LanguageModelTask, prepareLanguageModelData } from '../src/models/charlm-task.ts';

const dir = mkdtempSync(join(tmpdir(), 'rnnkit-checkpoint-'));
const text = 'the whale and the sea. '.repeat(40);

function trainedFiles(steps: number): { model: CharLM; files: CheckpointFiles } {
  const { vocab, data } = prepareLanguageModelData({ kind: 'text', source: 'test', text }, 0);
  const model = new CharLM(vocab, { cell: 'gru', embeddingSize: 4, hiddenSize: 8, numLayers: 1, dropout: 0, sequences: false }, { rng: new Random(1) });
  const trainer = new Trainer(new LanguageModelTask(model, data, { seqLen: 8, batchSize: 4 }), { steps });
  trainer.runSync();
  const files = encodeCheckpoint(model, { step: steps, task: { name: 'lm', data: 'test', options: { seqLen: 8 } } }, { options: trainer.options, state: trainer.state() });
  return { model, files };
}

const decode = (files: CheckpointFiles) => decodeCheckpoint((name) => files[name] ?? null, 'ckpt', modelKind);
const rejects = (files: CheckpointFiles, pattern: RegExp) =>
  assert.throws(() => decode(files), (e) => e instanceof CheckpointError && pattern.test(e.message) && !e.message.includes('\n'));

test('a checkpoint round-trips: model.json names kind, step, task; both safetensors files carry the step', () => {
  const { model, files } = trainedFiles(3);
  const json = JSON.parse(new TextDecoder().decode(files['model.json']));
  assert.equal(json.kind, 'charlm');
  assert.equal(json.step, 3);
  assert.equal(decodeSafetensors(files['model.safetensors']).metadata.step, '3');
  assert.equal(decodeSafetensors(files['training.safetensors']).metadata.step, '3');
  assert.deepEqual(Object.keys(decodeSafetensors(files['model.safetensors']).tensors), model.net.namedParameters().map(([n]) => n));
  const loaded = decode(files);
  assert.deepEqual((loaded.model as CharLM).net.parameters().map((p) => Array.from(p.f32)), model.net.parameters().map((p) => Array.from(p.f32)));
  assert.equal(loaded.info.task?.name, 'lm');
  assert.equal(loaded.training?.state.step, 3);
  assert.ok(loaded.training!.state.optimizer!.params[0]!.buffers.exp_avg instanceof Float32Array);
});

test('loading refuses files of different steps, I32 weights, an unknown kind and an incomplete training state', () => {
  const three = trainedFiles(3).files, four = trainedFiles(4).files;
  rejects({ ...three, 'model.safetensors': four['model.safetensors'] }, /model\.safetensors is of step 4 but model\.json of step 3/);
  rejects({ ...three, 'training.safetensors': four['training.safetensors'] }, /training\.safetensors is of step 4/);

  const { tensors, metadata } = decodeSafetensors(three['model.safetensors']);
  const asInt = Object.fromEntries(Object.entries(tensors).map(([k, t], i) => [k, i === 0 ? { shape: t.shape, data: Int32Array.from(t.data) } : t]));
  rejects({ ...three, 'model.safetensors': encodeSafetensors(asInt, metadata) }, /is I32; weights must be F32/);

  const json = JSON.parse(new TextDecoder().decode(three['model.json']));
  const withJson = (edit: (j: Record<string, unknown>) => void): CheckpointFiles => {
    const copy = structuredClone(json);
    edit(copy);
    return { ...three, 'model.json': new TextEncoder().encode(JSON.stringify(copy)) };
  };
  rejects(withJson((j) => { j.kind = 'transformer'; }), /kind "transformer"/);
  rejects(withJson((j) => { j.training = {}; }), /model\.json: training\.options: expected an object, got nothing/);
  rejects(withJson((j) => { (j.training as { state: { rng: unknown } }).state.rng = [1, 2]; }), /training\.state\.rng: expected four unsigned 32-bit integers/);
  rejects(withJson((j) => { (j.model as { config: { hiddenSize: unknown } }).config.hiddenSize = -5; }), /invalid model description \(config\.hiddenSize: expected a positive integer, got -5\)/);
  rejects(withJson((j) => { j.version = 1; }), /not an rnnkit checkpoint of format version 2/);
  const { 'training.safetensors': _, ...noTraining } = three;
  rejects(noTraining, /ckpt has no training\.safetensors/);
});

test('a program registers its own model kind; a kind is registered once', () => {
  assert.throws(() => registerModelKind(CharLM), /a model kind not yet registered/);
  registerModelKind({ kind: 'charlm-copy', fromDescription: (d, backend) => CharLM.fromDescription(d, backend) });
  const { files } = trainedFiles(1);
  const json = JSON.parse(new TextDecoder().decode(files['model.json']));
  json.kind = 'charlm-copy';
  assert.ok(decode({ ...files, 'model.json': new TextEncoder().encode(JSON.stringify(json)) }).model instanceof CharLM);
});

test('every state a killed save leaves resolves to one complete checkpoint, old or new', () => {
  const old = trainedFiles(1).files, fresh = trainedFiles(2).files;
  const base = join(dir, 'states');
  const write = (path: string, files: CheckpointFiles, skip: string[] = []) => {
    mkdirSync(path, { recursive: true });
    for (const [name, bytes] of Object.entries(files)) if (!skip.includes(name)) writeFileSync(join(path, name), bytes);
  };
  const stepAt = (path: string) => loadCheckpoint(path).info.step;
  const cases: [string, (d: string) => void, number | null][] = [
    ['first save killed before model.json', (d) => write(`${d}.new`, fresh, ['model.json']), null],
    ['first save killed after model.json', (d) => write(`${d}.new`, fresh), 2],
    ['killed while writing the new files', (d) => { write(d, old); write(`${d}.new`, fresh, ['model.json', 'training.safetensors']); }, 1],
    ['killed between the two renames', (d) => { write(`${d}.old`, old); write(`${d}.new`, fresh); }, 2],
    ['killed while removing the old one', (d) => { write(d, fresh); write(`${d}.old`, old, ['model.json']); }, 2],
  ];
  cases.forEach(([what, make, step], i) => {
    const d = join(base, String(i), 'last');
    make(d);
    if (step === null) assert.equal(resolveCheckpointDir(d), null, what);
    else assert.equal(stepAt(join(base, String(i))), step, what);
    const run = new RunDirectory(join(base, String(i)));
    run.recover();
    assert.deepEqual(readdirSync(join(base, String(i))), step === null ? [] : ['last'], `${what}: recovered`);
    if (step !== null) assert.equal(stepAt(d), step, `${what}: after recovery`);
  });
});

test('writeCheckpointFiles publishes by rename; a run directory loads best first; recover drops temporaries', () => {
  const run = new RunDirectory(join(dir, 'run'));
  const one = trainedFiles(1), two = trainedFiles(2);
  writeCheckpointFiles(run.path('last'), one.files);
  writeCheckpointFiles(run.path('last'), two.files);
  assert.deepEqual(readdirSync(run.dir).sort(), ['last']);
  assert.deepEqual(readdirSync(run.path('last')).sort(), ['model.json', 'model.safetensors', 'training.safetensors']);
  assert.equal(loadCheckpoint(run.dir).info.step, 2, 'no best/: last');
  saveCheckpoint(run.path('best'), one.model, { step: 1 });
  assert.equal(loadCheckpoint(run.dir).info.step, 1, 'best first');
  assert.equal(loadCheckpoint(run.dir, { which: 'last' }).info.step, 2);
  assert.equal(loadCheckpoint(run.path('last')).info.step, 2, 'a checkpoint directory itself');
  assert.equal(loadCheckpoint(join(run.path('last'), 'model.json')).info.step, 2, 'or its model.json');
  assert.throws(() => loadCheckpoint(join(dir, 'nowhere')), (e) => e instanceof CheckpointError && /no checkpoint at/.test(e.message));

  writeFileSync(join(run.dir, 'report.html.tmp-12345'), 'partial');
  mkdirSync(join(run.dir, 'best.new'));
  assert.ok(run.holdsRun());
  run.recover();
  assert.deepEqual(readdirSync(run.dir).sort(), ['best', 'last']);
  run.clear();
  assert.deepEqual(readdirSync(run.dir), []);
  assert.ok(!run.holdsRun());
  assert.throws(() => new RunDirectory('/proc/rnnkit').checkWritable(), /cannot write to \/proc\/rnnkit \(E[A-Z]+\)/);
});

test('a run directory is held by one training process; the lock of a killed one is taken over', () => {
  const run = new RunDirectory(join(dir, 'locked'));
  run.checkWritable();
  const release = run.lock();
  writeFileSync(join(run.dir, 'lock'), String(process.ppid)); // as if the parent (alive) held it
  assert.throws(() => run.lock(), /is in use by another training process \(pid \d+\)/);
  writeFileSync(join(run.dir, 'lock'), '2147483646'); // no such process
  const again = run.lock();
  assert.equal(readFileSync(join(run.dir, 'lock'), 'utf8'), String(process.pid));
  again();
  release();
  assert.deepEqual(readdirSync(run.dir), []);
});

test('model.safetensors is the plain safetensors layout PyTorch reads: 8-byte header length, JSON header, F32 data', () => {
  const { model, files } = trainedFiles(1);
  const bytes = files['model.safetensors'];
  const headerLength = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  assert.deepEqual(header.__metadata__, { format: 'rnnkit', kind: 'charlm', step: '1' });
  const [name, p] = model.net.namedParameters()[0];
  assert.equal(header[name].dtype, 'F32');
  assert.deepEqual(header[name].shape, p.shape);
  const [start, end] = header[name].data_offsets;
  const data = new Float32Array(bytes.slice(8 + headerLength + start, 8 + headerLength + end).buffer);
  assert.deepEqual(Array.from(data), Array.from(p.f32.subarray(0, p.size)));
});

const PYTHON = '/usr/bin/python3';
const hasTorch = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;

test('PyTorch loads model.safetensors as the state_dict of Embedding → LSTM → Linear and computes the same logits', { skip: hasTorch ? false : `${PYTHON} has no torch` }, () => {
  const { vocab, data } = prepareLanguageModelData({ kind: 'text', source: 'test', text }, 0);
  const model = new CharLM(vocab, { cell: 'lstm', embeddingSize: 5, hiddenSize: 7, numLayers: 2, dropout: 0, sequences: false }, { rng: new Random(4) });
  const path = join(dir, 'torch');
  saveCheckpoint(path, model, { step: 0 });
  const ids = Array.from((data.train as Int32Array).subarray(0, 6));
  // safetensors.torch.load_file's reading, spelt out (the safetensors package may be absent): header length, JSON header, raw data
  const script = `
import json, struct, sys, torch
raw = open(sys.argv[1], 'rb').read()
n = struct.unpack('<Q', raw[:8])[0]
header = json.loads(raw[8:8 + n])
state = {k: torch.frombuffer(bytearray(raw[8 + n + v['data_offsets'][0]:8 + n + v['data_offsets'][1]]), dtype=torch.float32).reshape(v['shape'])
         for k, v in header.items() if k != '__metadata__'}
class CharLM(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = torch.nn.Embedding(${vocab.size}, 5)
        self.rnn = torch.nn.LSTM(5, 7, num_layers=2)
        self.linear = torch.nn.Linear(7, ${vocab.size})
m = CharLM()
m.load_state_dict(state, strict=True)
with torch.no_grad():
    out, _ = m.rnn(m.embedding(torch.tensor(json.loads(sys.argv[2])).view(-1, 1)))
    print(json.dumps(m.linear(out).flatten().tolist()))
`;
  const r = spawnSync(PYTHON, ['-c', script, join(path, 'model.safetensors'), JSON.stringify(ids)], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const torchLogits = JSON.parse(r.stdout) as number[];
  const ours = model.net.forward(tensor(ids, [ids.length, 1], { dtype: 'int32' })).logits.toArray();
  const diff = Math.max(...ours.map((v, i) => Math.abs(v - torchLogits[i])));
  assert.ok(diff < 1e-5, `largest difference ${diff}`);
});
