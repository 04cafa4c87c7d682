/** `rnnkit sample RUN`: streams text from a language model, or prints N new sequences (names) of a sequence model. */
import { CharLM } from '../../models/charlm.ts';
import { TextGenerator } from '../../models/text-generator.ts';
import { loadCorpus } from '../../node/corpora.ts';
import { CheckpointError } from '../../errors.ts';
import { ValueError } from '../../errors.ts';
import { nextTurn } from '../../event-loop.ts';
import type { Command } from '../command.ts';
import type { Output } from '../output.ts';
import { OPEN_OPTIONS, openCheckpoint } from './open.ts';

/** Output is flushed at least this often while generating (and the event loop runs). */
const FLUSH_MS = 20;
/** Draws per requested name before --count gives up finding new ones. */
const ATTEMPTS_PER_NAME = 50;

export const sampleCommand: Command = {
  name: 'sample',
  summary: 'generate text from a language model (or N new names with --count), or texts of a class from a generator (--class C)',
  usage: 'rnnkit sample RUN [options]',
  optionGroups: [{
    title: 'options',
    options: [
      { name: 'prime', type: 'string', default: '', value: 'TEXT', description: 'text to start from (only characters of the training data)' },
      { name: 'length', type: 'integer', min: 1, default: 500, description: 'characters to generate' },
      { name: 'temperature', type: 'number', above: 0, default: 0.8, description: 'below 1 sharpens, above 1 flattens the distribution' },
      { name: 'top-k', type: 'integer', min: 1, description: 'draw only from the k most probable characters' },
      { name: 'top-p', type: 'number', above: 0, max: 1, description: 'draw only from the most probable characters holding probability p' },
      { name: 'seed', type: 'integer', min: 0, max: 2 ** 32 - 1, description: 'seed of the draws (default: from the clock)' },
      { name: 'count', type: 'integer', min: 1, description: 'print N distinct new sequences, one per line (a model trained on a list, e.g. names; a generator: default 10)' },
      { name: 'class', type: 'string', value: 'C', description: 'a generator (--task generate): the class to draw texts of' },
      ...OPEN_OPTIONS,
    ],
  }],

  async run(args, out) {
    const { values } = args;
    const { model, info } = await openCheckpoint(args, 'sample');
    if (model instanceof TextGenerator) return sampleClass(model, values, out);
    if (values.class !== undefined) throw new ValueError('--class', 'a model trained with --task generate', `a ${model.kind} model`);
    if (!(model instanceof CharLM)) throw new CheckpointError(`rnnkit sample needs a language model; this checkpoint holds a ${model.kind} model`);
    const prime = values.prime as string;
    const unknown = model.vocab.unknownCharacters(prime);
    if (unknown.length > 0) {
      throw new ValueError('--prime', 'characters of the training data (change the prime text)', `${unknown.map((u) => JSON.stringify(u.char)).join(', ')}, never seen in training`);
    }
    const options = {
      prime,
      length: values.length as number,
      temperature: values.temperature as number,
      topK: values['top-k'] as number | undefined,
      topP: values['top-p'] as number | undefined,
      seed: (values.seed as number | undefined) ?? Date.now() % 2 ** 32,
    };
    const count = values.count as number | undefined;
    if (count === undefined) {
      await stream(out, prime, model.generate(options));
      return 0;
    }
    if (!model.config.sequences) throw new ValueError('--count', 'a model trained on a list of sequences (e.g. --data names)', 'a model of continuous text');
    const data = info.task?.data;
    const corpus = data ? await loadCorpus(data, { format: 'lines' }) : null;
    const known = new Set(corpus?.kind === 'sequences' ? corpus.sequences : []);
    const seen = new Set<string>();
    for (let attempt = 0; seen.size < count && attempt < count * ATTEMPTS_PER_NAME && !out.closed; attempt++) {
      const name = prime + model.sample({ ...options, seed: options.seed + attempt });
      if (name.length === 0 || seen.has(name)) continue;
      seen.add(name);
      out.line(known.has(name) ? `${name}  (in the training list)` : name);
      await nextTurn();
    }
    return 0;
  },
};

/** N texts of one class from a generator, one per line. */
async function sampleClass(model: TextGenerator, values: Record<string, unknown>, out: Output): Promise<number> {
  const name = values.class as string | undefined;
  if (name === undefined) throw new ValueError('--class', `the class to sample (one of ${model.classes.tokens.join(', ')})`, 'none');
  const texts = model.sample(name, {
    count: (values.count as number | undefined) ?? 10,
    temperature: values.temperature as number,
    topK: values['top-k'] as number | undefined,
    topP: values['top-p'] as number | undefined,
    seed: (values.seed as number | undefined) ?? Date.now() % 2 ** 32,
  });
  for (const t of texts) out.line(t);
  await nextTurn();
  return 0;
}

/** Writes the prime, then the generated characters in chunks of at most FLUSH_MS, until done or the reader leaves. */
async function stream(out: Output, prime: string, chars: Iterable<string>): Promise<void> {
  let chunk = prime;
  let flushed = performance.now();
  for (const ch of chars) {
    chunk += ch;
    if (performance.now() - flushed >= FLUSH_MS) {
      out.write(chunk);
      chunk = '';
      await nextTurn();
      if (out.closed) return;
      flushed = performance.now();
    }
  }
  out.write(chunk + '\n');
}
