/**
 * The classic first RNN: learn "hello" → "ello". One-hot inputs over the vocabulary {h, e, l, o},
 * a vanilla tanh RNN (hidden size 8), a linear read-out and softmax cross-entropy, trained with
 * Adam through full backpropagation through time. The two "l"s need different next characters
 * (l → l, then l → o), so only the recurrent state can get all four right.
 *
 * Run: npx tsx examples/hello.ts
 */
import { tensor, tidy } from '../src/tensor/tensor.ts';
import { Random } from '../src/tensor/random.ts';
import { backward, noGrad } from '../src/autograd/tape.ts';
import { reshape } from '../src/ops/basic.ts';
import { crossEntropy } from '../src/ops/softmax.ts';
import { RNN } from '../src/nn/rnn.ts';
import { Linear } from '../src/nn/layers.ts';
import { Adam } from '../src/optim/index.ts';

const chars = ['h', 'e', 'l', 'o'];
const input = 'hell';
const target = 'ello';
const V = chars.length, H = 8, T = input.length;

// x: [T, B = 1, V] one-hot rows; y: the index of the next character at each step.
const oneHot = input.split('').flatMap((c) => chars.map((d) => (c === d ? 1 : 0)));
const x = tensor(oneHot, [T, 1, V]);
const y = tensor(target.split('').map((c) => chars.indexOf(c)), [T], { dtype: 'int32' });

const rng = new Random(42);
const rnn = new RNN({ inputSize: V, hiddenSize: H, rng });
const readout = new Linear(H, V, { rng });
const optimizer = new Adam([...rnn.parameters(), ...readout.parameters()], { lr: 0.05 });

function logits() {
  return reshape(readout.forward(rnn.forward(x).output), [T, V]);
}

function predict(): string {
  return noGrad(() => tidy(() => {
    const l = logits().f32;
    return Array.from({ length: T }, (_, t) => {
      const row = Array.from(l.subarray(t * V, (t + 1) * V));
      return chars[row.indexOf(Math.max(...row))];
    }).join('');
  }));
}

for (let step = 1; step <= 200; step++) {
  const loss = tidy(() => {
    optimizer.zeroGrad();
    const l = crossEntropy(logits(), y);
    backward(l);
    optimizer.step();
    return l.item();
  });
  if (step % 50 === 0) console.log(`step ${step}: loss ${loss.toFixed(4)}, "${input}" → "${predict()}"`);
}

const predicted = predict();
const correct = predicted.split('').filter((c, i) => c === target[i]).length;
console.log(`prediction: "${predicted}" (${(100 * correct / T).toFixed(0)} % next-character accuracy)`);
