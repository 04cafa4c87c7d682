/**
 * Optimizer base: a list of parameter tensors, a learning rate (optionally driven by a schedule),
 * and PyTorch-style per-parameter state (step count and named moment buffers) that can be saved to
 * and restored as float32 arrays for checkpoints.
 */
import type { F32 } from '../backend/backend.ts';
import { Tensor } from '../tensor/tensor.ts';
import { ShapeError, ValueError, nonNegative } from '../errors.ts';
import type { LRSchedule } from './schedule.ts';

/** One parameter's state, as PyTorch's `optimizer.state[p]`: its step count and its buffers. */
export interface ParamState {
  step: number;
  buffers: Record<string, Float32Array>;
}

/** An optimizer's state as plain data: steps taken, current lr, and one entry per parameter (null before its first step). */
export interface OptimizerState {
  step: number;
  lr: number;
  params: (ParamState | null)[];
}

/** A state to restore: as {@link OptimizerState}, the buffers as any arrays of numbers. */
export interface SavedOptimizerState {
  step: number;
  lr: number;
  params: ({ step: number; buffers: Record<string, ArrayLike<number>> } | null)[];
}

/** Live per-parameter state; buffers are owned by the parameter's backend, outside any tidy scope. */
export interface Slot {
  step: number;
  buffers: Map<string, F32>;
}

export abstract class Optimizer {
  /** Number of `step()` calls so far. */
  stepCount = 0;
  readonly params: readonly Tensor[];
  private currentLr: number;
  private schedule: LRSchedule | null = null;
  private slots: (Slot | null)[];
  /** The names of the buffers this optimizer keeps per parameter (PyTorch's state keys). */
  protected abstract readonly bufferNames: readonly string[];

  constructor(params: readonly Tensor[], lr: number) {
    if (params.length === 0) throw new ValueError('params', 'at least one parameter tensor', 'an empty list');
    params.forEach((p, i) => {
      if (p.dtype !== 'float32') throw new ValueError(`params[${i}]`, 'a float32 tensor', `a ${p.dtype} tensor`);
    });
    this.params = [...params];
    this.currentLr = nonNegative('lr', lr);
    this.slots = params.map(() => null);
  }

  /** Learning rate of the next step. */
  get lr(): number {
    return this.currentLr;
  }

  set lr(value: number) {
    this.currentLr = nonNegative('lr', value);
  }

  /** Drives lr from a schedule: before step k (0-based), lr = schedule(k). Null removes it. */
  setSchedule(schedule: LRSchedule | null): void {
    this.schedule = schedule;
    if (schedule) this.lr = schedule(this.stepCount);
  }

  /** Updates every parameter that has a gradient; parameters without one are skipped (and keep their step count). */
  step(): void {
    if (this.schedule) this.lr = this.schedule(this.stepCount);
    this.params.forEach((p, i) => {
      if (!p.grad) return;
      if (p.grad.size !== p.size) throw new ShapeError(`params[${i}].grad`, `${p.size} elements`, `${p.grad.size}`);
      const slot = (this.slots[i] ??= { step: 0, buffers: new Map() });
      slot.step++;
      this.update(p, p.grad.f32, slot);
    });
    this.stepCount++;
  }

  /** Sets every parameter's gradient to zero. */
  zeroGrad(): void {
    for (const p of this.params) if (p.grad) p.backend.fill(p.grad.f32, 0, p.size, 0);
  }

  /** Applies one update to parameter p with gradient g; slot.step is already incremented (1-based). */
  protected abstract update(p: Tensor, g: F32, slot: Slot): void;

  /** The buffer `name` of a parameter, zero-filled on first use. */
  protected buffer(p: Tensor, slot: Slot, name: string): F32 {
    let b = slot.buffers.get(name);
    if (!b) {
      b = p.backend.alloc(p.size, 'float32');
      slot.buffers.set(name, b);
    }
    return b;
  }

  /** The state as plain data (copies of the buffers). */
  state(): OptimizerState {
    return {
      step: this.stepCount,
      lr: this.lr,
      params: this.slots.map((slot) => slot && {
        step: slot.step,
        buffers: Object.fromEntries([...slot.buffers].map(([name, b]) => [name, Float32Array.from(b)])),
      }),
    };
  }

  /** Restores a state from `state()`; every size and buffer name is checked before anything changes. */
  loadState(state: SavedOptimizerState): void {
    if (state.params.length !== this.params.length) {
      throw new ValueError('state.params', `${this.params.length} entries (one per parameter)`, `${state.params.length}`);
    }
    state.params.forEach((ps, i) => {
      if (!ps) return;
      for (const [name, data] of Object.entries(ps.buffers)) {
        if (!this.bufferNames.includes(name)) {
          throw new ValueError(`state.params[${i}].buffers`, `only ${this.bufferNames.join(', ')}`, `"${name}"`);
        }
        if (data.length !== this.params[i].size) {
          throw new ShapeError(`state.params[${i}].buffers.${name}`, `${this.params[i].size} values`, `${data.length}`);
        }
      }
    });
    this.slots.forEach((slot, i) => slot?.buffers.forEach((b) => this.params[i].backend.free(b)));
    this.slots = state.params.map((ps, i) => {
      if (!ps) return null;
      const p = this.params[i];
      const slot: Slot = { step: ps.step, buffers: new Map() };
      for (const [name, data] of Object.entries(ps.buffers)) this.buffer(p, slot, name).set(data);
      return slot;
    });
    this.stepCount = state.step;
    this.lr = state.lr;
  }
}
