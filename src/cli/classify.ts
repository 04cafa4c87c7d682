/**
 * `rnnkit train --task classify --data sentiment [--vectors wink-100d|PATH] [--freeze]`: a
 * bidirectional recurrent sentence classifier on the built-in sentiment sentences (seeded split:
 * 80 % train, 10 % dev, 10 % test), its embedding optionally initialised from pretrained word
 * vectors (frozen or fine-tuned); the epoch with the best dev accuracy is scored on test, beside
 * the AFINN lexicon on the same test sentences.
 */
import { Adam } from '../optim/index.ts';
import { Random } from '../tensor/random.ts';
import { ValueError } from '../errors.ts';
import { SequenceClassifier, classify, trainClassifierEpoch, type SequenceClassifierConfig } from '../models/classifier.ts';
import { encodeWords, wordIndex, wordTokens } from '../data/word-tokens.ts';
import { afinnPredictions, loadSentimentSentences } from '../node/sentiment.ts';
import { openVectorsWithProgress } from './embed.ts';
import { useBackend } from '../node/backends.ts';
import { choiceOption, numberOption } from './args.ts';

/** Sentences longer than this many tokens are cut. */
const MAX_TOKENS = 50;
const DEFAULT_EPOCHS = 6;

export async function classifyCommand(values: Record<string, unknown>): Promise<number> {
  if (values.data !== 'sentiment') {
    throw new ValueError('--data', '"sentiment" (the built-in classification set) with --task classify', JSON.stringify(values.data));
  }
  if (values.freeze && !values.vectors) throw new ValueError('--freeze', 'pretrained vectors to freeze (--vectors)', 'no --vectors');
  const json = values.json === true, quiet = values.quiet === true;
  const say = (line: string) => !json && !quiet && console.log(line);
  const event = (e: Record<string, unknown>) => json && console.log(JSON.stringify(e));
  const backend = await useBackend(values.backend as string | undefined, numberOption(values, 'threads', 'positive-int'));
  const seed = numberOption(values, 'seed', 'non-negative')!;
  const epochs = numberOption(values, 'epochs', 'positive-int') ?? DEFAULT_EPOCHS;
  const sentences = await loadSentimentSentences();
  const order = new Random(seed).shuffle(sentences.map((_, i) => i));
  const [dev, test, train] = [order.slice(0, order.length / 10 | 0), order.slice(order.length / 10 | 0, 2 * (order.length / 10 | 0)), order.slice(2 * (order.length / 10 | 0))];
  const vectors = values.vectors ? await openVectorsWithProgress(values.vectors as string) : null;

  // vocabulary: the training words, and the other words the pretrained vectors know
  const tokens = sentences.map((s) => wordTokens(s.text, MAX_TOKENS));
  const trainWords = new Set(train.flatMap((r) => tokens[r]));
  const index = wordIndex([...trainWords, ...tokens.flat().filter((w) => vectors?.has(w))]);
  const encoded = tokens.map((t) => encodeWords(t, index));
  const labels = sentences.map((s) => s.label);

  const rng = new Random(seed);
  const config: SequenceClassifierConfig = {
    vocabSize: index.size, numClasses: 2, cell: choiceOption(values, 'cell', ['lstm', 'gru', 'rnn'] as const)!,
    embeddingSize: vectors?.dim ?? numberOption(values, 'embedding', 'positive-int')!, hiddenSize: numberOption(values, 'hidden', 'positive-int')!,
    numLayers: numberOption(values, 'layers', 'positive-int')!, bidirectional: true, pooling: 'last', dropout: numberOption(values, 'dropout', 'non-negative')!,
  };
  const model = new SequenceClassifier(config, { backend, rng });
  const coverage = vectors ? model.embedding.usePretrained(vectors, [...index.keys()], { freeze: values.freeze === true, rng }) : 0;
  const embeddingKind = vectors ? `${values.vectors} (${coverage} of ${index.size - 2} words, ${values.freeze ? 'frozen' : 'fine-tuned'})` : 'random';
  say(`rnnkit: sentiment classifier, bidirectional ${config.cell.toUpperCase()} ${config.hiddenSize}, embedding ${config.embeddingSize}-d ${embeddingKind}; ` +
    `${train.length} train / ${dev.length} dev / ${test.length} test sentences, ${epochs} epochs on ${backend.name} × ${backend.threads}`);

  const accuracy = (rows: number[]) => {
    const predicted = classify(model, encoded, rows);
    return rows.filter((r, k) => predicted[k] === labels[r]).length / rows.length;
  };
  const optimizer = new Adam(model.parameters().filter((p) => p.requiresGrad), { lr: numberOption(values, 'lr', 'positive')! });
  const batch = numberOption(values, 'batch', 'positive-int')!;
  let best = { dev: -1, epoch: 0, weights: {} as Record<string, Float32Array> };
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const loss = trainClassifierEpoch(model, optimizer, encoded, labels, train, batch, rng);
    const devAccuracy = accuracy(dev);
    if (devAccuracy > best.dev) {
      best = { dev: devAccuracy, epoch, weights: Object.fromEntries(Object.entries(model.stateDict()).map(([k, t]) => [k, Float32Array.from(t.f32)])) };
    }
    say(`epoch ${epoch}/${epochs}  loss ${loss.toFixed(4)}  dev accuracy ${(100 * devAccuracy).toFixed(1)} %`);
    event({ event: 'epoch', epoch, loss, dev_accuracy: devAccuracy });
  }
  model.loadStateDict(Object.fromEntries(Object.entries(best.weights).map(([k, data]) => [k, { data, shape: model.stateDict()[k].shape }])));
  const testAccuracy = accuracy(test);
  const afinn = afinnPredictions(test.map((r) => sentences[r]));
  const afinnAccuracy = test.filter((r, k) => afinn[k] === labels[r]).length / test.length;
  say(`test accuracy ${(100 * testAccuracy).toFixed(1)} % (epoch ${best.epoch}, best dev ${(100 * best.dev).toFixed(1)} %); AFINN lexicon on the same sentences ${(100 * afinnAccuracy).toFixed(1)} %`);
  event({
    event: 'done', task: 'classify', data: 'sentiment', vectors: values.vectors ?? null, freeze: values.freeze === true, coverage,
    best_epoch: best.epoch, dev_accuracy: best.dev, test_accuracy: testAccuracy, afinn_test_accuracy: afinnAccuracy,
  });
  return 0;
}
