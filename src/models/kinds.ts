/**
 * The model kinds checkpoints can hold: model.json's `kind` → the class that rebuilds the model.
 * A new model adds its class here (a class with static `kind` and `fromDescription` is a ModelKind);
 * programs can register their own with `registerModelKind`.
 */
import type { ModelKind } from '../io/checkpoint.ts';
import { ValueError } from '../errors.ts';
import { CharLM } from './charlm.ts';
import { WordClassifier } from './word-classifier.ts';
import { TextClassifier } from './text-classifier.ts';
import { TextTagger } from './text-tagger.ts';
import { Translator } from './translator.ts';
import { TextGenerator } from './text-generator.ts';

const kinds = new Map<string, ModelKind>([CharLM, WordClassifier, TextClassifier, TextTagger, Translator, TextGenerator].map((k) => [k.kind, k]));

/** The loader of `kind`, or undefined. */
export function modelKind(kind: string): ModelKind | undefined {
  return kinds.get(kind);
}

/** Makes checkpoints of `kind.kind` loadable (a kind already known is refused). */
export function registerModelKind(kind: ModelKind): void {
  if (kinds.has(kind.kind)) throw new ValueError('kind', 'a model kind not yet registered', JSON.stringify(kind.kind));
  kinds.set(kind.kind, kind);
}

export function modelKindNames(): string[] {
  return [...kinds.keys()];
}
