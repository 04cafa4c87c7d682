/** The view of each model kind the worker can hold: a panel, and what to do when its tab is shown. */
import type { ModelSummary } from '../protocol.ts';
import type { WorkerClient } from './client.ts';
import { charLMView } from './charlm-view.ts';
import { vectorsView } from './vectors-view.ts';
import { sequenceView } from './sequence-view.ts';

export interface ModelView {
  panel: HTMLElement;
  onShow(): void;
}

/** What a view may need besides its model: the training text (the inspector's default text). */
export interface ViewContext {
  client: WorkerClient;
  trainingText(): string;
}

export function modelView(summary: ModelSummary, context: ViewContext): ModelView {
  switch (summary.kind) {
    case 'charlm': return charLMView(context.client, summary, () => (summary.id === 'trained' ? heldOutSlice(context.trainingText()) : ''));
    case 'vectors': return vectorsView(context.client, summary);
    case 'classifier':
    case 'tagger':
    case 'seq2seq': return sequenceView(context.client, summary);
    default: throw new Error(`the playground has no view of ${summary.kind} models`);
  }
}

/** Up to 1,000 characters from the start of the held-out last 10 % of a text. */
function heldOutSlice(text: string): string {
  const chars = [...text];
  return chars.slice(Math.floor(chars.length * 0.9), Math.floor(chars.length * 0.9) + 1000).join('');
}
