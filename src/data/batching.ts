/**
 * Batches of token ids for training and evaluation, all time-major: element (t, b) of a `[T, B]`
 * batch is at index `t * B + b`. Targets are the inputs shifted by one token.
 */
import { BatchingError, positiveInteger } from '../errors.ts';

/** Input and target ids of `batch` windows of `steps` tokens, each `[steps, batch]` time-major. */
export interface Windows {
  inputs: Int32Array;
  targets: Int32Array;
  steps: number;
  batch: number;
}

/** A caller-supplied integer source, e.g. the seeded `Random` of src/tensor. */
export interface IntegerRng {
  /** A uniform integer in [0, n). */
  nextInt(n: number): number;
}

/** Windows starting at `starts[b]` in `tokens`: inputs `tokens[s … s+steps)`, targets one further. */
function gatherWindows(tokens: Int32Array, starts: ArrayLike<number>, steps: number): Windows {
  const batch = starts.length;
  const inputs = new Int32Array(steps * batch);
  const targets = new Int32Array(steps * batch);
  for (let b = 0; b < batch; b++) {
    const start = starts[b];
    for (let t = 0; t < steps; t++) {
      inputs[t * batch + b] = tokens[start + t];
      targets[t * batch + b] = tokens[start + t + 1];
    }
  }
  return { inputs, targets, steps, batch };
}

/** A window of the stream batcher; `resetState` marks the first window of an epoch, where carried state must be dropped. */
export interface StreamWindow extends Windows {
  epoch: number;
  window: number;
  resetState: boolean;
}

/** Where a {@link StreamBatcher} stands, plus the configuration it belongs to (checked on restore). */
export interface StreamBatcherState {
  epoch: number;
  window: number;
  tokenCount: number;
  batch: number;
  seqLen: number;
}

/**
 * Truncated BPTT in the stream sense: the tokens are cut into `batch` contiguous streams
 * (row b covers tokens [b·L, (b+1)·L), L = ⌊n / batch⌋) and each call to {@link next} yields the
 * next `seqLen` tokens of every stream, so a hidden state carried from one window to the next
 * continues the same text. After the last full window of an epoch it starts over at the beginning.
 */
export class StreamBatcher {
  readonly streamLength: number;
  readonly windowsPerEpoch: number;
  private epoch = 0;
  private window = 0;

  constructor(
    private readonly tokens: Int32Array,
    readonly batch: number,
    readonly seqLen: number,
  ) {
    positiveInteger('batch', batch);
    positiveInteger('seqLen', seqLen);
    const needed = batch * (seqLen + 1);
    if (tokens.length < needed) {
      throw new BatchingError(
        `a text of ${tokens.length} tokens is too short for batch ${batch} × seqLen ${seqLen} ` +
          `(each stream needs seqLen + 1 tokens, so ${needed} in all): use a longer text or a smaller batch or seqLen`,
      );
    }
    this.streamLength = Math.floor(tokens.length / batch);
    this.windowsPerEpoch = Math.floor((this.streamLength - 1) / seqLen);
  }

  /** The next window of every stream. */
  next(): StreamWindow {
    const offset = this.window * this.seqLen;
    const starts = Array.from({ length: this.batch }, (_, b) => b * this.streamLength + offset);
    const result: StreamWindow = {
      ...gatherWindows(this.tokens, starts, this.seqLen),
      epoch: this.epoch,
      window: this.window,
      resetState: this.window === 0,
    };
    this.window++;
    if (this.window === this.windowsPerEpoch) {
      this.window = 0;
      this.epoch++;
    }
    return result;
  }

  /** The position of the next window, serialisable as JSON. */
  state(): StreamBatcherState {
    return { epoch: this.epoch, window: this.window, tokenCount: this.tokens.length, batch: this.batch, seqLen: this.seqLen };
  }

  /** Continues from a saved {@link state}; the batcher must have been built with the same tokens, batch and seqLen. */
  restore(state: StreamBatcherState): void {
    const expected = this.state();
    for (const key of ['tokenCount', 'batch', 'seqLen'] as const) {
      if (state[key] !== expected[key]) {
        throw new BatchingError(
          `saved batcher state has ${key} ${state[key]} but this batcher has ${expected[key]}: ` +
            'restore into a batcher built with the same tokens, batch and seqLen',
        );
      }
    }
    if (!Number.isInteger(state.epoch) || state.epoch < 0 || !Number.isInteger(state.window) || state.window < 0 || state.window >= this.windowsPerEpoch) {
      throw new BatchingError(
        `saved batcher state has epoch ${state.epoch}, window ${state.window}; expected an epoch ≥ 0 and a window in [0, ${this.windowsPerEpoch})`,
      );
    }
    this.epoch = state.epoch;
    this.window = state.window;
  }
}

/**
 * `batch` windows at random starts, drawn in order b = 0…B−1 from [0, n − seqLen − 1) as
 * `torch.randint(0, len(train) - T - 1, (B,))` does.
 */
export function randomWindows(tokens: Int32Array, batch: number, seqLen: number, rng: IntegerRng): Windows {
  positiveInteger('batch', batch);
  positiveInteger('seqLen', seqLen);
  const startCount = tokens.length - seqLen - 1;
  if (startCount < 1) {
    throw new BatchingError(
      `a text of ${tokens.length} tokens is too short for windows of seqLen ${seqLen} (needs at least ${seqLen + 2}): ` +
        'use a longer text or a smaller seqLen',
    );
  }
  const starts = Array.from({ length: batch }, () => rng.nextInt(startCount));
  return gatherWindows(tokens, starts, seqLen);
}

/**
 * All ⌊(n − 1) / seqLen⌋ non-overlapping windows in order, for stateless validation as in the
 * PyTorch anchor (`val[:nw*T].view(nw, T).t()`), split into chunks of at most `windowsPerChunk` windows.
 */
export function consecutiveWindows(tokens: Int32Array, seqLen: number, windowsPerChunk = 256): Windows[] {
  positiveInteger('seqLen', seqLen);
  positiveInteger('windowsPerChunk', windowsPerChunk);
  const windowCount = Math.floor((tokens.length - 1) / seqLen);
  if (windowCount < 1) {
    throw new BatchingError(
      `a text of ${tokens.length} tokens is too short for one window of seqLen ${seqLen} (needs ${seqLen + 1}): ` +
        'use a longer text or a smaller seqLen',
    );
  }
  const chunks: Windows[] = [];
  for (let first = 0; first < windowCount; first += windowsPerChunk) {
    const count = Math.min(windowsPerChunk, windowCount - first);
    const starts = Array.from({ length: count }, (_, w) => (first + w) * seqLen);
    chunks.push(gatherWindows(tokens, starts, seqLen));
  }
  return chunks;
}

/** Variable-length sequences padded to the longest: `tokens` is `[T, B]` time-major, `lengths[b]` the true lengths. */
export interface PaddedBatch {
  tokens: Int32Array;
  lengths: Int32Array;
  T: number;
  batch: number;
}

/** Pads `seqs` with `padId` to a common length T = the longest sequence. */
export function paddedBatch(seqs: readonly Int32Array[], padId: number): PaddedBatch {
  if (seqs.length === 0) throw new BatchingError('paddedBatch needs at least one sequence, got none');
  if (!Number.isInteger(padId)) throw new BatchingError(`padId must be an integer token id, got ${padId}`);
  const batch = seqs.length;
  const lengths = Int32Array.from(seqs, (seq) => seq.length);
  const T = Math.max(...lengths);
  const tokens = new Int32Array(T * batch).fill(padId);
  for (const [b, seq] of seqs.entries()) {
    for (let t = 0; t < seq.length; t++) tokens[t * batch + b] = seq[t];
  }
  return { tokens, lengths, T, batch };
}

/**
 * Holds out the last `fraction` of the tokens: train = the first ⌊n·(1 − fraction)⌋, as the anchor's
 * `n = int(len(data) * 0.9)`. Both parts are views of `tokens`.
 */
export function trainValidationSplit(tokens: Int32Array, fraction = 0.1): { train: Int32Array; validation: Int32Array } {
  if (!(fraction > 0 && fraction < 1)) {
    throw new BatchingError(`fraction must be between 0 and 1 (exclusive), got ${fraction}`);
  }
  const trainLength = Math.floor(tokens.length * (1 - fraction));
  if (trainLength === 0 || trainLength === tokens.length) {
    throw new BatchingError(
      `splitting ${tokens.length} tokens with fraction ${fraction} leaves an empty part: use a longer text or another fraction`,
    );
  }
  return { train: tokens.subarray(0, trainLength), validation: tokens.subarray(trainLength) };
}

/**
 * Batches of sequence indices grouped by length, so that a batch pads little. Without `rng` (for
 * evaluation): indices sorted by length, cut into consecutive batches. With `rng` (training): the
 * indices are shuffled, sorted by length within pools of `poolBatches` batches, cut, and the batch
 * order is shuffled — a new grouping every epoch, still of similar lengths.
 */
export function bucketBatches(
  lengths: ArrayLike<number>, batchSize: number, rng: { nextInt(n: number): number; shuffle<T>(items: T[]): T[] } | null = null,
  poolBatches = 32,
): number[][] {
  positiveInteger('batchSize', batchSize);
  positiveInteger('poolBatches', poolBatches);
  const order = Array.from({ length: lengths.length }, (_, i) => i);
  const byLength = (a: number, b: number): number => lengths[a] - lengths[b] || a - b;
  if (!rng) order.sort(byLength);
  else {
    rng.shuffle(order);
    const pool = batchSize * poolBatches;
    for (let p = 0; p < order.length; p += pool) {
      const sorted = order.slice(p, p + pool).sort((a, b) => lengths[a] - lengths[b]);
      order.splice(p, sorted.length, ...sorted);
    }
  }
  const batches: number[][] = [];
  for (let i = 0; i < order.length; i += batchSize) batches.push(order.slice(i, i + batchSize));
  return rng ? rng.shuffle(batches) : batches;
}
