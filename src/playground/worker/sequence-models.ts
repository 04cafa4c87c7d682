/**
 * The sequence-task models in the playground's worker: a classifier reading a text (its label
 * probabilities after each token), a tagger (each token's tag and tag probabilities), a seq2seq
 * model (its output and attention over the source).
 */
import { ValueError } from '../../errors.ts';
import { TextClassifier } from '../../models/text-classifier.ts';
import { TextTagger } from '../../models/text-tagger.ts';
import { Translator } from '../../models/translator.ts';
import type { ModelSummary, ReadingReply, TagReply, TranslateReply } from '../protocol.ts';
import { UnsupportedRequest, type HeldModel, type ModelRequest } from './held.ts';

/** The sequence-task models the playground has a view of. */
export type SequenceModel = TextClassifier | TextTagger | Translator;

export function isSequenceModel(model: unknown): model is SequenceModel {
  return model instanceof TextClassifier || model instanceof TextTagger || model instanceof Translator;
}

/** The longest input a view sends (characters). */
const MAX_INPUT = 2000;

function checkText(text: string): string {
  const trimmed = text.trim();
  if (trimmed.length === 0) throw new ValueError('text', 'some text', 'an empty text');
  if (trimmed.length > MAX_INPUT) throw new ValueError('text', `at most ${MAX_INPUT.toLocaleString('en-US')} characters`, trimmed.length.toLocaleString('en-US'));
  return trimmed;
}

export function sequenceSummary(model: SequenceModel, title: string, details: string): Omit<ModelSummary, 'id'> {
  if (model instanceof TextClassifier) return { kind: 'classifier', title, details, facts: { labels: [...model.labels.tokens] } };
  if (model instanceof TextTagger) return { kind: 'tagger', title, details, facts: { tags: [...model.tags.tokens] } };
  return { kind: 'seq2seq', title, details, facts: { attention: model.module.config.attention } };
}

export function holdSequenceModel(model: SequenceModel, summary: ModelSummary): HeldModel {
  return {
    summary,
    answer(request: ModelRequest) {
      if (request.type === 'classify' && model instanceof TextClassifier) {
        const { tokens, probs } = model.readAlong(checkText(request.text));
        const result: ReadingReply = { tokens, labels: [...model.labels.tokens], probs };
        return { result, transfer: [probs.buffer] };
      }
      if (request.type === 'tag' && model instanceof TextTagger) {
        const tokens = checkText(request.text).split(/\s+/);
        const { tags, probs } = model.tagScores(tokens);
        const result: TagReply = { tokens: tokens.slice(0, tags.length), labels: [...model.tags.tokens], probs, predicted: tags };
        return { result, transfer: [probs.buffer] };
      }
      if (request.type === 'translate' && model instanceof Translator) {
        const [translation] = model.translate([checkText(request.text)], { beam: 5 });
        const output = [...translation.tokens, '</s>'].slice(0, translation.attention.length);
        const S = translation.sourceTokens.length;
        const attention = new Float32Array(output.length * S);
        output.forEach((_, t) => attention.set(translation.attention[t].subarray(0, S), t * S));
        const result: TranslateReply = { source: translation.sourceTokens, output, attention };
        return { result, transfer: [attention.buffer] };
      }
      throw new UnsupportedRequest(summary.kind, request.type);
    },
  };
}
