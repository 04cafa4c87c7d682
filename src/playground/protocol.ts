/**
 * What the playground page and its compute worker say to each other. The page sends a Request
 * with an id and gets one Reply with the same id; training also sends TrainEvents as it goes.
 * Every model lives in the worker (on the wasm backend, with threads where the page is
 * cross-origin isolated); the page holds only what it draws.
 */
import type { CellKind } from '../models/charlm-net.ts';
import type { UnitScore } from '../models/charlm-trace.ts';
import type { LossPoint } from '../train/loss-curve.ts';
import type { ZipEntry } from './zip.ts';

export interface TrainSettings {
  cell: CellKind;
  hiddenSize: number;
  numLayers: number;
  embeddingSize: number;
  seqLen: number;
  batchSize: number;
  lr: number;
  seed: number;
}

/** A model the worker holds, as the page lists it. */
export interface ModelSummary {
  id: string;
  /** charlm, classifier, tagger, seq2seq, generator, vectors. */
  kind: string;
  /** For people: where it came from and its shape. */
  title: string;
  details: string;
  /** Kind-specific facts the views need (signals of a char model, class names, …). */
  facts: Record<string, unknown>;
}

export type Request =
  | { type: 'train'; text: string; settings: TrainSettings }
  | { type: 'stop' }
  | { type: 'resume' }
  | { type: 'download'; model: string }
  | { type: 'open'; source: string; files: ZipEntry[] }
  | { type: 'trace'; model: string; text: string }
  | { type: 'trace-signal'; model: string; layer: number; signal: string }
  | { type: 'units'; model: string; layer: number; signal: string; start: number; end: number }
  | { type: 'sample'; model: string; prime: string; length: number; temperature: number; seed: number; label?: string }
  | { type: 'classify'; model: string; text: string }
  | { type: 'tag'; model: string; text: string }
  | { type: 'translate'; model: string; text: string }
  /** The `count` most frequent words and the `extra` ones (those known) projected to 2-D. */
  | { type: 'vectors-map'; model: string; count: number; method: 'pca' | 'tsne'; extra: string[] }
  | { type: 'vectors-similar'; model: string; word: string; count: number }
  | { type: 'vectors-analogy'; model: string; a: string; b: string; c: string; count: number };

/**
 * A character model's trace over a text (see traceCharLM) without its activations, which the
 * page fetches one signal at a time (TraceSignalReply).
 */
export interface TraceReply {
  chars: string[];
  tokens: string[];
  /** Next-token probabilities [T, V]. */
  probs: Float32Array;
  numLayers: number;
  hiddenSize: number;
  signals: string[];
}

/** One signal of one layer of the latest trace: [T, H]. */
export interface TraceSignalReply {
  values: Float32Array;
}

export interface UnitsReply {
  units: UnitScore[];
}

/** Probabilities per token [tokens, labels]: a classifier's after each prefix of the input. */
export interface ReadingReply {
  tokens: string[];
  labels: string[];
  probs: Float32Array;
}

/** A tagger's tags (Viterbi with a CRF) and each token's tag probabilities [tokens, tags] from its emissions. */
export interface TagReply extends ReadingReply {
  predicted: string[];
}

export interface TranslateReply {
  source: string[];
  output: string[];
  /** [output, source]. */
  attention: Float32Array;
}

export interface MapReply {
  words: string[];
  /** [n, 2]. */
  points: Float64Array;
}

export interface SimilarReply {
  words: { word: string; similarity: number }[];
}

export interface ReplyOk<T = unknown> {
  id: number;
  ok: true;
  result: T;
}

export interface ReplyError {
  id: number;
  ok: false;
  error: string;
}

export type Reply = ReplyOk | ReplyError;

/** Progress of the training session. */
export type TrainEvent =
  /** A session began (or was opened from a checkpoint: then `losses` and `evaluations` hold its past). */
  | { type: 'train-started'; model: ModelSummary; totalChars: number; losses: LossPoint[]; evaluations: { step: number; bpc: number }[] }
  | { type: 'train-losses'; points: LossPoint[]; itemsPerSecond: number }
  | { type: 'train-evaluation'; step: number; bpc: number }
  | { type: 'train-sample'; step: number; text: string }
  | { type: 'train-stopped'; step: number; reason: string }
  | { type: 'train-error'; error: string };

export type WorkerMessage = Reply | TrainEvent | { type: 'ready'; backend: string; threads: number };
