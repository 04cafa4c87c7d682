/** `rnnkit sample` (streaming generation, or N novel names) and `rnnkit eval` (bits per character). */
import type { ParseArgsConfig } from 'node:util';
import { loadCheckpoint, type LoadedCheckpoint } from '../node/checkpoint.ts';
import { loadCorpus } from '../node/corpora.ts';
import { useBackend } from '../node/backends.ts';
import { ValueError } from '../errors.ts';
import { numberOption } from './args.ts';
import { UsageError } from './main.ts';
import { prepareData } from './train.ts';

export const SAMPLE_OPTIONS: NonNullable<ParseArgsConfig['options']> = {
  prime: { type: 'string', default: '' },
  length: { type: 'string', default: '500' },
  temperature: { type: 'string', default: '0.8' },
  'top-k': { type: 'string' },
  'top-p': { type: 'string' },
  seed: { type: 'string' },
  count: { type: 'string' },
  backend: { type: 'string' },
};

export const EVAL_OPTIONS: NonNullable<ParseArgsConfig['options']> = {
  data: { type: 'string' },
  backend: { type: 'string' },
  json: { type: 'boolean', default: false },
};

async function openModel(positionals: string[], command: string, backendName: unknown): Promise<LoadedCheckpoint> {
  if (positionals.length !== 1) throw new UsageError(`rnnkit ${command} takes one CHECKPOINT directory (what "rnnkit train" wrote), got ${positionals.length}`);
  const backend = await useBackend(backendName as string | undefined);
  return loadCheckpoint(positionals[0], backend);
}

export async function sampleCommand(values: Record<string, unknown>, positionals: string[]): Promise<number> {
  const { model, data } = await openModel(positionals, 'sample', values.backend);
  const prime = values.prime as string;
  for (const ch of prime) {
    if (!model.vocab.has(ch)) {
      throw new ValueError('--prime', `characters the model was trained on (${JSON.stringify(ch)} never appeared in its data); change the prime text`, JSON.stringify(prime));
    }
  }
  const options = {
    prime,
    length: numberOption(values, 'length', 'positive-int')!,
    temperature: numberOption(values, 'temperature', 'positive')!,
    topK: numberOption(values, 'top-k', 'positive-int'),
    topP: numberOption(values, 'top-p', 'positive'),
    seed: numberOption(values, 'seed', 'non-negative') ?? Date.now(),
  };
  const count = numberOption(values, 'count', 'positive-int');
  if (count !== undefined) {
    if (!model.config.sequences) throw new ValueError('--count', 'a model trained on a list of sequences (e.g. --data names)', 'a model of continuous text');
    const known = new Set(data ? await knownSequences(data) : []);
    const seen = new Set<string>();
    for (let attempt = 0; seen.size < count && attempt < count * 50; attempt++) {
      const name = prime + model.sample({ ...options, seed: options.seed + attempt });
      if (name.length === 0 || seen.has(name)) continue;
      seen.add(name);
      process.stdout.write(known.has(name) ? `${name}  (in the training list)\n` : `${name}\n`);
    }
    return 0;
  }
  process.stdout.write(prime);
  for await (const ch of model.stream(options)) process.stdout.write(ch);
  process.stdout.write('\n');
  return 0;
}

async function knownSequences(data: string): Promise<string[]> {
  const corpus = await loadCorpus(data);
  return corpus.kind === 'sequences' ? corpus.sequences : [];
}

export async function evalCommand(values: Record<string, unknown>, positionals: string[]): Promise<number> {
  const { model, data, training } = await openModel(positionals, 'eval', values.backend);
  const spec = (values.data as string | undefined) ?? data;
  if (!spec) throw new UsageError('the checkpoint does not name its data: pass --data moby-dick|names|PATH');
  const corpus = await loadCorpus(spec);
  const prepared = prepareData(corpus, training?.options.seed ?? 0, model.vocab);
  const evaluation = prepared.data.kind === 'text'
    ? model.evaluate(prepared.data.validation, training?.options.seqLen)
    : model.evaluateSequences(prepared.data.validation);
  if (values.json) console.log(JSON.stringify({ data: spec, bits_per_char: evaluation.bitsPerChar, perplexity: evaluation.perplexity, characters: evaluation.characters }));
  else console.log(`${spec} (held-out 10 %, ${evaluation.characters.toLocaleString('en-US')} characters): ${evaluation.bitsPerChar.toFixed(4)} bits/char, perplexity ${evaluation.perplexity.toFixed(3)}`);
  return 0;
}
