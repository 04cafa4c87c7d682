/**
 * `rnnkit predict RUN [TEXT…]`: the model's output for each input — the texts given, or one per
 * line of standard input. Classifier: the label; tagger: each token with its tag (tokens split at
 * white space); seq2seq: the translation by beam search. `--json`: one object per input.
 * An input longer than the model's maximum length is cut to it, with a warning.
 */
import { createInterface } from 'node:readline';
import { CheckpointError } from '../../errors.ts';
import { TextClassifier } from '../../models/text-classifier.ts';
import { TextTagger } from '../../models/text-tagger.ts';
import { Translator } from '../../models/translator.ts';
import type { Command } from '../command.ts';
import { warn } from '../output.ts';
import { OPEN_OPTIONS, openCheckpoint } from './open.ts';

/** Inputs decoded together. */
const CHUNK = 256;

export const predictCommand: Command = {
  name: 'predict',
  summary: 'the output of a classifier, tagger or seq2seq model for each input (arguments, or lines of stdin)',
  usage: 'rnnkit predict RUN [TEXT…] [options]',
  optionGroups: [{
    title: 'options',
    options: [
      { name: 'beam', type: 'integer', min: 1, description: 'seq2seq: beam width (default: the run\'s --beam)' },
      ...OPEN_OPTIONS,
      { name: 'json', type: 'flag', description: 'one JSON object per input' },
    ],
  }],

  async run(args, out) {
    const [run, ...texts] = args.positionals;
    const { model, info } = await openCheckpoint({ ...args, positionals: run === undefined ? [] : [run] }, 'predict');
    const json = Boolean(args.values.json);
    const emit = (input: string, plain: string, object: object, truncated: boolean): void => {
      if (truncated) warn('predict', `input cut to the model's maximum length: ${JSON.stringify(input.slice(0, 40))}…`);
      out.line(json ? JSON.stringify({ input, ...object, truncated }) : plain);
    };
    let handle: (inputs: string[]) => void;
    if (model instanceof TextClassifier) {
      handle = (inputs) => model.predict(inputs).forEach((p, i) => emit(inputs[i], `${p.label}\t${inputs[i]}`, { label: p.label, probabilities: p.probabilities }, p.truncated));
    } else if (model instanceof TextTagger) {
      handle = (inputs) => {
        const tokens = inputs.map((s) => s.trim().split(/\s+/).filter((t) => t.length > 0));
        model.predict(tokens).forEach((tags, i) => emit(inputs[i], tokens[i].map((t, k) => `${t}/${tags[k]}`).join(' '), { tokens: tokens[i], tags },
          tokens[i].length > model.config.maxLength));
      };
    } else if (model instanceof Translator) {
      const beam = (args.values.beam as number | undefined) ?? ((info.task?.options as { beam?: number } | undefined)?.beam ?? 5);
      handle = (inputs) => model.translate(inputs, { beam }).forEach((t, i) => emit(inputs[i], t.text, { output: t.text, logProb: t.logProb }, t.truncated));
    } else {
      throw new CheckpointError(`rnnkit predict needs a classifier, tagger or seq2seq model; this checkpoint holds a ${model.kind} model` +
        (model.kind === 'generator' ? ' (use rnnkit sample RUN --class C)' : model.kind === 'charlm' ? ' (use rnnkit sample RUN)' : ''));
    }
    if (texts.length > 0) {
      for (let i = 0; i < texts.length; i += CHUNK) handle(texts.slice(i, i + CHUNK));
      return 0;
    }
    let pending: string[] = [];
    for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
      if (line.trim().length === 0) continue;
      pending.push(line);
      if (pending.length === CHUNK) {
        handle(pending);
        pending = [];
      }
      if (out.closed) return 0;
    }
    if (pending.length > 0) handle(pending);
    return 0;
  },
};
