/**
 * A model the playground's worker holds: its summary for the page, and the answers to the
 * requests of its views. One module per kind makes these (charlm.ts, …); worker.ts keeps them by id.
 */
import type { ModelSummary, Request } from '../protocol.ts';

/** The requests a view sends about one model. */
export type ModelRequest = Extract<Request, { model: string }>;

export interface HeldModel {
  summary: ModelSummary;
  /** The answer to one of the view's requests, with the buffers to transfer. */
  answer(request: ModelRequest): { result: unknown; transfer?: Transferable[] };
}

/** The model of a request, or an error naming what it expected. */
export class UnsupportedRequest extends Error {
  constructor(kind: string, type: string) {
    super(`a ${kind} model does not answer "${type}"`);
  }
}
