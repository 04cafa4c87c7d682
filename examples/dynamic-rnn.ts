/**
 * The course's dynamicRNN demo: a basic RNN cell with hidden size 2 run over one-hot characters of
 * the vocabulary {h, e, l, o}. One word "hello" gives outputs [1, 5, 2] (batch, time, hidden); a
 * batch of three words gives [3, 5, 2].
 *
 * Run: npx tsx examples/dynamic-rnn.ts
 */
import { RNNCell, Random, dynamicRNN, noGrad, tensor, type Tensor } from '../src/index.ts';

const chars = ['h', 'e', 'l', 'o'];
const oneHot = (word: string): number[][] => [...word].map((ch) => chars.map((c) => (c === ch ? 1 : 0)));

const cell = new RNNCell({ inputSize: chars.length, hiddenSize: 2, rng: new Random(0) });

/** Rows of the last dimension, 4 decimals, one line per sequence. */
function show(t: Tensor): string {
  const [batch, time, hidden] = t.shape;
  const v = t.toArray();
  const rows = Array.from({ length: batch }, (_, b) => {
    const steps = Array.from({ length: time }, (_, s) => {
      const o = (b * time + s) * hidden;
      return `[${v.slice(o, o + hidden).map((x) => x.toFixed(4)).join(', ')}]`;
    });
    return `  [${steps.join(', ')}]`;
  });
  return `[\n${rows.join(',\n')}\n]`;
}

for (const words of [['hello'], ['hello', 'eolll', 'lleel']]) {
  const x = tensor(words.map(oneHot)); // [batch, 5, 4]
  const { outputs, state } = noGrad(() => dynamicRNN(cell, x));
  console.log(`words ${JSON.stringify(words)}: x [${x.shape.join(', ')}] → outputs [${outputs.shape.join(', ')}], state [${state.shape.join(', ')}]`);
  console.log(show(outputs));
}
