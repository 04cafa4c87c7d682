/**
 * A character language model in the playground's worker: its trace over a text (activations and
 * next-character distributions), the units that respond to a selection, and samples.
 */
import type { CharLM } from '../../models/charlm.ts';
import { TRACE_SIGNALS, traceCharLM, unitsFiringOn, type CharLMTrace } from '../../models/charlm-trace.ts';
import { ValueError } from '../../errors.ts';
import type { ModelSummary, TraceReply, TraceSignalReply, UnitsReply } from '../protocol.ts';
import { UnsupportedRequest, type HeldModel, type ModelRequest } from './held.ts';

/** The longest text traced at once (characters). */
export const MAX_TRACE = 10_000;

export function describeCharLM(model: CharLM): string {
  const { cell, numLayers, hiddenSize, embeddingSize } = model.config;
  return `${cell.toUpperCase()} ${numLayers}×${hiddenSize}, embedding ${embeddingSize}, ` +
    `${model.vocab.size} tokens, ${model.net.parameterCount().toLocaleString('en-US')} parameters`;
}

export function charLMSummary(model: CharLM, id: string, title: string, details: string): ModelSummary {
  return {
    id, kind: 'charlm', title, details,
    facts: { mode: model.net.rnn.mode, numLayers: model.config.numLayers, hiddenSize: model.config.hiddenSize, signals: [...TRACE_SIGNALS[model.net.rnn.mode]], sequences: model.config.sequences },
  };
}

export function holdCharLM(model: CharLM, summary: ModelSummary): HeldModel {
  let trace: CharLMTrace | null = null;
  const latest = (): CharLMTrace => {
    if (!trace) throw new Error('no trace yet: send "trace" with a text first');
    return trace;
  };
  return {
    summary,
    answer(request: ModelRequest) {
      switch (request.type) {
        case 'trace': {
          const length = [...request.text].length;
          if (length === 0) throw new ValueError('text', 'at least one character', 'an empty text');
          if (length > MAX_TRACE) throw new ValueError('text', `at most ${MAX_TRACE.toLocaleString('en-US')} characters`, length.toLocaleString('en-US'));
          trace = traceCharLM(model, request.text);
          const result: TraceReply = {
            chars: trace.chars, tokens: [...trace.tokens], probs: trace.probs,
            numLayers: trace.layers.length, hiddenSize: trace.hiddenSize, signals: Object.keys(trace.layers[0]),
          };
          return { result };
        }
        case 'trace-signal': {
          const values = latest().layers[request.layer]?.[request.signal];
          if (!values) throw new ValueError('signal', `a layer in [0, ${latest().layers.length}) and one of ${Object.keys(latest().layers[0]).join(', ')}`, `${request.layer}/${request.signal}`);
          const result: TraceSignalReply = { values: values.slice() };
          return { result, transfer: [result.values.buffer] };
        }
        case 'units': {
          const result: UnitsReply = { units: unitsFiringOn(latest(), request.layer, request.signal, request.start, request.end) };
          return { result };
        }
        case 'sample':
          return { result: model.sample({ prime: request.prime, length: request.length, temperature: request.temperature, seed: request.seed }) };
        default:
          throw new UnsupportedRequest('character', request.type);
      }
    },
  };
}
