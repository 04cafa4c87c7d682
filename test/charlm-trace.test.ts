/**
 * traceCharLM: the last layer's h equals the full forward pass's output, the probabilities its
 * softmax, and the recorded gates satisfy each cell's equations (LSTM c = f⊙c' + i⊙g,
 * h = o⊙tanh c; GRU h = (1 − z)⊙n + z⊙h'); unitsFiringOn finds a unit planted to fire on a span.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor } from '../src/tensor/tensor.ts';
import { Random } from '../src/tensor/random.ts';
import { noGrad } from '../src/autograd/tape.ts';
import { CharLM, END, START } from '../src/models/charlm.ts';
import { CharVocab } from '../src/data/vocab.ts';
import type { CellKind } from '../src/models/charlm-net.ts';
import { traceCharLM, unitsFiringOn, type CharLMTrace } from '../src/models/charlm-trace.ts';
import { relativeError } from './reference/cases.ts';

const TEXT = 'a "quoted" word, then (a bracket)\nand more';
const vocab = CharVocab.fromText(TEXT);
const H = 6;

function model(cell: CellKind, sequences = false): CharLM {
  const v = sequences ? CharVocab.fromText(TEXT, { specials: [START, END] }) : vocab;
  return new CharLM(v, { cell, embeddingSize: 5, hiddenSize: H, numLayers: 2, dropout: 0, sequences }, { rng: new Random(7) });
}

/** Output rows of the full forward pass: the top layer's h and the logits' softmax. */
function forward(m: CharLM, text: string): { h: Float32Array; probs: Float32Array } {
  const ids = m.vocab.encode(text);
  return noGrad(() => {
    const x = tensor(ids, [ids.length, 1], { dtype: 'int32', backend: m.backend });
    const { output } = m.net.rnn.forward(m.net.embedding.forward(x));
    const logits = m.net.linear.forward(output).f32;
    const V = m.vocab.size, probs = new Float32Array(logits.length);
    for (let t = 0; t < ids.length; t++) {
      const row = logits.subarray(t * V, (t + 1) * V), max = Math.max(...row);
      let total = 0;
      for (let k = 0; k < V; k++) total += (probs[t * V + k] = Math.exp(row[k] - max));
      for (let k = 0; k < V; k++) probs[t * V + k] /= total;
    }
    return { h: output.f32.slice(), probs };
  });
}

const at = (a: Float32Array, t: number, u: number): number => a[t * H + u];

for (const cell of ['lstm', 'gru', 'rnn'] as CellKind[]) {
  test(`traceCharLM (${cell}): the top layer's h and the next-character probabilities equal the forward pass`, () => {
    const m = model(cell);
    const trace = traceCharLM(m, TEXT);
    const full = forward(m, TEXT);
    assert.deepEqual(trace.chars, [...TEXT]);
    assert.ok(relativeError(Array.from(trace.layers[1].h), Array.from(full.h)) < 1e-5, 'h of the top layer');
    assert.ok(relativeError(Array.from(trace.probs), Array.from(full.probs)) < 1e-5, 'probabilities');
    assert.deepEqual(Object.keys(trace.layers[0]), { lstm: ['h', 'c', 'i', 'f', 'g', 'o'], gru: ['h', 'r', 'z', 'n'], rnn: ['h'] }[cell]);
    assert.equal(trace.firstProbs, null);
    if (cell !== 'rnn') checkCellEquations(trace, cell);
  });
}

function checkCellEquations(trace: CharLMTrace, cell: CellKind): void {
  for (const layer of trace.layers) {
    let worst = 0;
    for (let t = 0; t < trace.chars.length; t++) {
      for (let u = 0; u < H; u++) {
        const hPrev = t > 0 ? at(layer.h, t - 1, u) : 0;
        if (cell === 'lstm') {
          const cPrev = t > 0 ? at(layer.c, t - 1, u) : 0;
          const c = at(layer.f, t, u) * cPrev + at(layer.i, t, u) * at(layer.g, t, u);
          worst = Math.max(worst, Math.abs(c - at(layer.c, t, u)), Math.abs(at(layer.o, t, u) * Math.tanh(c) - at(layer.h, t, u)));
        } else {
          const z = at(layer.z, t, u);
          worst = Math.max(worst, Math.abs((1 - z) * at(layer.n, t, u) + z * hPrev - at(layer.h, t, u)));
        }
      }
    }
    assert.ok(worst < 1e-5, `${cell} gate equations: largest deviation ${worst}`);
  }
}

test('traceCharLM of a sequence model reads its start marker first; unknown characters are named', () => {
  const m = model('gru', true);
  const trace = traceCharLM(m, 'word');
  assert.equal(trace.firstProbs?.length, m.vocab.size);
  assert.ok(Math.abs(trace.firstProbs!.reduce((a, b) => a + b, 0) - 1) < 1e-5);
  assert.throws(() => traceCharLM(m, 'wordZ'), /not in the vocabulary.*"Z"/);
});

test('unitsFiringOn ranks a unit that is high exactly inside the selection first', () => {
  const T = 20, units = 4;
  const h = new Float32Array(T * units);
  for (let t = 0; t < T; t++) {
    h[t * units + 0] = Math.sin(t);
    h[t * units + 2] = t >= 5 && t < 9 ? 0.9 : -0.1 + 0.01 * t;
    h[t * units + 3] = t >= 5 && t < 9 ? -0.5 : 0.2;
  }
  const trace: CharLMTrace = { chars: Array(T).fill('x'), hiddenSize: units, layers: [{ h }], tokens: ['x'], probs: new Float32Array(T), firstProbs: null };
  const ranked = unitsFiringOn(trace, 0, 'h', 5, 9, 3);
  assert.deepEqual(ranked.map((u) => u.unit).slice(0, 2).sort(), [2, 3]);
  assert.ok(ranked.find((u) => u.unit === 2)!.score > 0 && ranked.find((u) => u.unit === 3)!.score < 0);
  assert.equal(ranked.find((u) => u.unit === 1), undefined, 'a silent unit scores 0');
  assert.throws(() => unitsFiringOn(trace, 0, 'h', 0, T), /leave part of the text outside/);
  assert.throws(() => unitsFiringOn(trace, 0, 'c', 5, 9), /one of h/);
});
