/**
 * Transfer learning with pretrained word vectors: 10-fold cross-validation of a small recurrent
 * sentiment classifier on the 3,000 labelled sentences of the `sentiment` package, with its
 * embedding initialised at random, from pretrained vectors and frozen, or from pretrained vectors
 * and fine-tuned; beside the AFINN lexicon's accuracy on the same test folds.
 *
 *   npx tsx examples/sentiment-transfer.ts [--vectors wink-100d|PATH] [--folds 10] [--epochs 6]
 *
 * Model: Embedding(V, dim) → bidirectional GRU(dim → 64) → [h_forward, h_backward] → Linear(128 → 2),
 * cross-entropy, Adam (lr 2e-3), batches of 32. Tokens: the runs of a–z of the lower-cased sentence
 * (at most 50); the vocabulary is every token of the 3,000 sentences (index 0 pads).
 */
import { parseArgs } from 'node:util';
import {
  Adam, Embedding, GRU, Linear, Module, Random, backward, concat, crossEntropy, noGrad, reshape, slice, tensor, tidy,
  type Tensor, type WordVectors,
} from '../src/index.ts';
import { afinnPredictions, loadSentimentSentences, openVectors, useBackend } from '../src/node/index.ts';

const { values } = parseArgs({
  options: {
    vectors: { type: 'string', default: 'wink-100d' },
    folds: { type: 'string', default: '10' },
    epochs: { type: 'string', default: '6' },
    limit: { type: 'string' },
    threads: { type: 'string' },
  },
});
const FOLDS = Number(values.folds), EPOCHS = Number(values.epochs), HIDDEN = 64, BATCH = 32, MAX_TOKENS = 50;

class SentenceClassifier extends Module {
  readonly gru: GRU;
  readonly linear: Linear;

  constructor(readonly embedding: Embedding, rng: Random) {
    super();
    this.submodule('embedding', embedding);
    this.gru = this.submodule('gru', new GRU({ inputSize: embedding.embeddingDim, hiddenSize: HIDDEN, bidirectional: true, rng }));
    this.linear = this.submodule('linear', new Linear(2 * HIDDEN, 2, { rng }));
  }

  /** ids [T, B] (lengths per row) → logits [B, 2]. */
  forward(ids: Tensor, lengths: Int32Array): Tensor {
    const { hN } = this.gru.forward(this.embedding.forward(ids), { lengths });
    const B = ids.shape[1];
    const final = (direction: number) => reshape(slice(hN, 0, direction, direction + 1), [B, HIDDEN]);
    return this.linear.forward(concat([final(0), final(1)], 1));
  }
}

/** Time-major padded ids and lengths of some sentences. */
function batchOf(encoded: readonly Int32Array[], rows: readonly number[]): { ids: Tensor; lengths: Int32Array } {
  const lengths = Int32Array.from(rows, (r) => encoded[r].length);
  const T = Math.max(...lengths), ids = new Int32Array(T * rows.length);
  rows.forEach((r, b) => encoded[r].forEach((id, t) => (ids[t * rows.length + b] = id)));
  return { ids: tensor(ids, [T, rows.length], { dtype: 'int32' }), lengths };
}

function accuracy(model: SentenceClassifier, encoded: readonly Int32Array[], labels: readonly number[], rows: readonly number[]): number {
  let right = 0;
  model.eval();
  for (let start = 0; start < rows.length; start += 256) {
    const part = rows.slice(start, start + 256);
    tidy(() => noGrad(() => {
      const { ids, lengths } = batchOf(encoded, part);
      const logits = model.forward(ids, lengths).f32;
      part.forEach((r, b) => (right += +((logits[2 * b + 1] > logits[2 * b] ? 1 : 0) === labels[r])));
    }));
  }
  return right / rows.length;
}

function train(model: SentenceClassifier, encoded: readonly Int32Array[], labels: readonly number[], rows: number[], rng: Random): void {
  const optimizer = new Adam(model.parameters().filter((p) => p.requiresGrad), { lr: 2e-3 });
  const targetsOf = (part: number[]) => tensor(Int32Array.from(part, (r) => labels[r]), [part.length], { dtype: 'int32' });
  model.train();
  for (let epoch = 0; epoch < EPOCHS; epoch++) {
    const order = rng.shuffle([...rows]);
    for (let start = 0; start < order.length; start += BATCH) {
      const part = order.slice(start, start + BATCH);
      tidy(() => {
        optimizer.zeroGrad();
        const { ids, lengths } = batchOf(encoded, part);
        backward(crossEntropy(model.forward(ids, lengths), targetsOf(part)));
        optimizer.step();
      });
    }
  }
}

const stats = (xs: number[]) => {
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / Math.max(1, xs.length - 1));
  return { mean, sd, min: Math.min(...xs), max: Math.max(...xs) };
};

await useBackend(undefined, values.threads === undefined ? undefined : Number(values.threads));
let sentences = await loadSentimentSentences();
const shuffled = new Random(0).shuffle(sentences.map((_, i) => i));
if (values.limit) sentences = shuffled.slice(0, Number(values.limit)).map((i) => sentences[i]);
const tokens = sentences.map((s) => (s.text.toLowerCase().match(/[a-z]+/g) ?? []).slice(0, MAX_TOKENS));
const vocab = ['<pad>', ...new Set(tokens.flat())];
const id = new Map(vocab.map((w, i) => [w, i]));
const encoded = tokens.map((ts) => Int32Array.from(ts.length > 0 ? ts : ['<pad>'], (t) => id.get(t)!));
const labels = sentences.map((s) => s.label);
const vectors: WordVectors = await openVectors(values.vectors!);
const afinn = afinnPredictions(sentences);

const order = new Random(1).shuffle(sentences.map((_, i) => i));
const results: Record<string, number[]> = { AFINN: [], random: [], 'pretrained, frozen': [], 'pretrained, fine-tuned': [] };
let coverage = 0;
for (let fold = 0; fold < FOLDS; fold++) {
  const test = order.filter((_, k) => k % FOLDS === fold), trainRows = order.filter((_, k) => k % FOLDS !== fold);
  results.AFINN.push(test.filter((r) => afinn[r] === labels[r]).length / test.length);
  for (const config of ['random', 'pretrained, frozen', 'pretrained, fine-tuned']) {
    const rng = new Random(100 + fold);
    const embedding = config === 'random'
      ? new Embedding(vocab.length, vectors.dim, { rng })
      : Embedding.fromPretrained(vectors, vocab, { rng, freeze: config === 'pretrained, frozen' });
    if ('coverage' in embedding) coverage = embedding.coverage as number;
    const model = new SentenceClassifier(embedding, rng);
    train(model, encoded, labels, trainRows, rng);
    results[config].push(accuracy(model, encoded, labels, test));
    console.error(`fold ${fold + 1}/${FOLDS} ${config}: ${results[config].at(-1)!.toFixed(4)}`);
  }
}

console.log(`${sentences.length} sentences, ${FOLDS}-fold cross-validation, ${EPOCHS} epochs; vocabulary ${vocab.length - 1} words, ` +
  `${coverage} of them in ${values.vectors} (${vectors.dim}-d)\n`);
console.log('| embedding | mean accuracy | sd | min–max |');
console.log('| --- | ---: | ---: | ---: |');
for (const [name, accs] of Object.entries(results)) {
  const s = stats(accs);
  console.log(`| ${name} | ${(100 * s.mean).toFixed(1)} % | ${(100 * s.sd).toFixed(1)} | ${(100 * s.min).toFixed(1)}–${(100 * s.max).toFixed(1)} |`);
}
