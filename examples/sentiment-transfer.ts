/**
 * Transfer learning with pretrained word vectors: k-fold cross-validation of a small recurrent
 * sentiment classifier on the 3,003 labelled sentences of the `sentiment` package, with its
 * embedding initialised at random, from pretrained vectors and frozen, or from pretrained vectors
 * and fine-tuned; beside the AFINN lexicon's accuracy on the same test folds.
 *
 *   npx tsx examples/sentiment-transfer.ts [--vectors wink-100d|PATH] [--folds 10] [--epochs 6] [--limit N]
 *
 * Model: WordClassifier, Embedding(V, dim of the vectors) → bidirectional GRU(→ 64) → final
 * states → Linear(128 → 2), trained by the Trainer: Adam (lr 2e-3, no clipping), batches of 32, a
 * fixed number of epochs. Tokens: wordTokens (at most 50); the vocabulary is every token of the
 * sentences, so that words met only in a test fold have their pretrained vector (labels are never
 * looked at).
 */
import { parseArgs } from 'node:util';
import { ClassificationTask, Random, Trainer, WordClassifier, wordIndex, wordTokens } from '../src/index.ts';
import { afinnPredictions, loadSentimentSentences, openVectors, useBackend } from '../src/node/index.ts';

const { values } = parseArgs({
  options: {
    vectors: { type: 'string', default: 'wink-100d' },
    folds: { type: 'string', default: '10' },
    epochs: { type: 'string', default: '6' },
    limit: { type: 'string' },
  },
});
const FOLDS = Number(values.folds), EPOCHS = Number(values.epochs);

await useBackend();
let sentences = await loadSentimentSentences();
if (values.limit) sentences = new Random(0).shuffle(sentences).slice(0, Number(values.limit));
const words = [...wordIndex(sentences.flatMap((s) => wordTokens(s.text, 50))).keys()];
const labels = sentences.map((s) => s.label);
const vectors = await openVectors(values.vectors!);
const afinn = afinnPredictions(sentences);
const CONFIGS = ['random', 'pretrained, frozen', 'pretrained, fine-tuned'] as const;

const order = new Random(1).shuffle(sentences.map((_, i) => i));
const results: Record<string, number[]> = { AFINN: [], ...Object.fromEntries(CONFIGS.map((c) => [c, []])) };
let coverage = 0;
for (let fold = 0; fold < FOLDS; fold++) {
  const test = order.filter((_, k) => k % FOLDS === fold), train = order.filter((_, k) => k % FOLDS !== fold);
  results.AFINN.push(test.filter((r) => afinn[r] === labels[r]).length / test.length);
  for (const config of CONFIGS) {
    const rng = new Random(100 + fold);
    const model = new WordClassifier(words, {
      numClasses: 2, cell: 'gru', embeddingSize: vectors.dim, hiddenSize: 64, numLayers: 1, bidirectional: true, pooling: 'last', dropout: 0,
    }, config === 'pretrained, frozen', { rng });
    if (config !== 'random') coverage = model.usePretrained(vectors, rng);
    // no model selection: the test fold stands in for the dev rows the task wants, and the last epoch is scored
    const task = new ClassificationTask(model, { sequences: sentences.map((s) => model.encode(s.text)), labels, train, dev: test, test }, 32);
    const trainer = new Trainer(task, { epochs: EPOCHS, lr: 2e-3, clip: 0, seed: 100 + fold, evalEvery: EPOCHS * task.stepsPerEpoch });
    await trainer.run();
    results[config].push(trainer.evaluations.at(-1)!.metrics.test_accuracy);
    console.error(`fold ${fold + 1}/${FOLDS} ${config}: ${results[config].at(-1)!.toFixed(4)}`);
  }
}

const stats = (xs: number[]) => {
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  return { mean, sd: Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / Math.max(1, xs.length - 1)), min: Math.min(...xs), max: Math.max(...xs) };
};
console.log(`${sentences.length} sentences, ${FOLDS}-fold cross-validation, ${EPOCHS} epochs; vocabulary ${words.length - 2} words, ` +
  `${coverage} of them in ${values.vectors} (${vectors.dim}-d)\n`);
console.log('| embedding | mean accuracy | sd | min–max |');
console.log('| --- | ---: | ---: | ---: |');
for (const [name, accs] of Object.entries(results)) {
  const s = stats(accs);
  console.log(`| ${name} | ${(100 * s.mean).toFixed(1)} % | ${(100 * s.sd).toFixed(1)} | ${(100 * s.min).toFixed(1)}–${(100 * s.max).toFixed(1)} |`);
}
