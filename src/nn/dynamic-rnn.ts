/**
 * dynamicRNN: runs any cell step by step over a batch of sequences, like TensorFlow's
 * `tf.nn.dynamic_rnn`, with per-row lengths (packed-sequence semantics).
 */
import { Tensor } from '../tensor/tensor.ts';
import { ShapeError, ValueError, formatShape, checkLengths, checkRank, checkShape } from '../errors.ts';
import { emptyLike, reshape } from '../ops/basic.ts';
import { slice, stack } from '../ops/shape.ts';
import { where } from '../ops/select.ts';
import { describe, type Cell, type CellState } from './cells.ts';

export interface DynamicRNNOptions<S extends CellState> {
  /** The state before the first step (the cell's state structure, each tensor [B, ·]); zeroState(B) when omitted. */
  initialState?: S | null;
  /**
   * Per-row lengths in [1, T]: past its length a row's outputs are zero and its state stays as it
   * was, so the final state of each row is its state after its own last step.
   */
  lengths?: Int32Array | readonly number[] | null;
  /** x and outputs are [T, B, ·] instead of [B, T, ·]. */
  timeMajor?: boolean;
}

export interface DynamicRNNResult<S extends CellState> {
  /** The cell's outputs at every step: [B, T, outputSize] (or [T, B, outputSize] when timeMajor). */
  outputs: Tensor;
  /** The final state (per row, after its last step). */
  state: S;
}

/** Runs `cell` over x [B, T, inputSize] (or [T, B, inputSize] when timeMajor). */
export function dynamicRNN<S extends CellState>(cell: Cell<S>, x: Tensor, options: DynamicRNNOptions<S> = {}): DynamicRNNResult<S> {
  const timeMajor = options.timeMajor ?? false;
  const timeAxis = timeMajor ? 0 : 1;
  checkRank(x, 'x', [3], timeMajor ? '[T, B, features]' : '[B, T, features]');
  const T = x.shape[timeAxis];
  const B = x.shape[1 - timeAxis];
  if (x.shape[2] !== cell.inputSize || T < 1 || B < 1) {
    throw new ShapeError('x', timeMajor ? `[T ≥ 1, B ≥ 1, ${cell.inputSize}]` : `[B ≥ 1, T ≥ 1, ${cell.inputSize}]`, formatShape(x.shape));
  }
  if (options.lengths) checkLengths(options.lengths, 'lengths', B, T);
  const lengths = options.lengths ? Array.from(options.lengths) : null;

  let state = cell.zeroState(B);
  if (options.initialState) {
    state = zipStates(state, options.initialState, 'initialState', (expected, given, argument) => {
      checkShape(given, argument, expected.shape);
      return given;
    });
  }

  const outputs: Tensor[] = [];
  for (let t = 0; t < T; t++) {
    const active = lengths?.map((n) => t < n) ?? null;
    if (active && !active.includes(true)) {
      outputs.push(emptyLike(outputs[0]));
      continue;
    }
    const partial = active !== null && active.includes(false);
    const xt = reshape(slice(x, timeAxis, t, t + 1), [B, cell.inputSize]);
    // Finished rows step on zeros, so whatever pads x (even NaN) reaches no output or gradient.
    const step = cell.forward(partial ? where(active, xt, emptyLike(xt)) : xt, state);
    if (step.output.rank !== 2 || step.output.shape[0] !== B) {
      throw new ShapeError('cell output', `[${B}, outputSize]`, formatShape(step.output.shape));
    }
    if (partial) {
      outputs.push(where(active, step.output, emptyLike(step.output)));
      state = zipStates(step.state, state, 'cell state', (next, previous) => where(active, next, previous));
    } else {
      outputs.push(step.output);
      state = step.state;
    }
  }
  return { outputs: stack(outputs, timeAxis), state };
}

/**
 * Walks two states of the same structure (a tensor, an array or a plain object of tensors), the
 * first one's structure leading, and builds the state of fn's results; a mismatch is a ValueError.
 */
function zipStates<S extends CellState>(
  lead: S, other: S, argument: string, fn: (lead: Tensor, other: Tensor, argument: string) => Tensor,
): S {
  const pair = (a: Tensor, b: unknown, arg: string): Tensor => {
    if (!(b instanceof Tensor)) throw new ValueError(arg, `a tensor ${formatShape(a.shape)}`, describe(b));
    return fn(a, b, arg);
  };
  if (lead instanceof Tensor) return pair(lead, other, argument) as S;
  if (Array.isArray(lead)) {
    if (!Array.isArray(other) || other.length !== lead.length) throw new ValueError(argument, `an array of ${lead.length} tensors`, describe(other));
    return lead.map((t: Tensor, i) => pair(t, other[i], `${argument}[${i}]`)) as unknown as S;
  }
  const entries = Object.entries(lead as Record<string, Tensor>);
  const keys = entries.map(([k]) => k).join(', ');
  if (other === null || typeof other !== 'object' || Array.isArray(other) || other instanceof Tensor) {
    throw new ValueError(argument, `an object {${keys}} of tensors`, describe(other));
  }
  const given = other as Record<string, unknown>;
  return Object.fromEntries(entries.map(([k, t]) => [k, pair(t, given[k], `${argument}.${k}`)])) as S;
}
