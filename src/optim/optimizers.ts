/** SGD, Adam, AdamW, RMSprop and Adagrad with PyTorch 1.13 semantics, over the backend's update kernels. */
import type { F32 } from '../backend/backend.ts';
import { Tensor } from '../tensor/tensor.ts';
import { ValueError, nonNegative, unitInterval } from '../errors.ts';
import { Optimizer, type Slot } from './optimizer.ts';

export interface SGDOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  nesterov?: boolean;
  weightDecay?: number;
}

/** g' = g + wd·p;  buf = momentum·buf + (1 − dampening)·g';  p −= lr·(nesterov ? g' + momentum·buf : buf). */
export class SGD extends Optimizer {
  readonly momentum: number;
  readonly dampening: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;
  protected readonly bufferNames = ['momentum_buffer'];

  constructor(params: readonly Tensor[], options: SGDOptions) {
    super(params, options.lr);
    this.momentum = nonNegative('momentum', options.momentum ?? 0);
    this.dampening = nonNegative('dampening', options.dampening ?? 0);
    this.nesterov = options.nesterov ?? false;
    this.weightDecay = nonNegative('weightDecay', options.weightDecay ?? 0);
    if (this.nesterov && (this.momentum === 0 || this.dampening !== 0)) {
      throw new ValueError('nesterov', 'momentum > 0 and dampening = 0',
        `momentum ${this.momentum}, dampening ${this.dampening}`);
    }
  }

  protected update(p: Tensor, g: F32, slot: Slot): void {
    const firstStep = !slot.buffers.has('momentum_buffer');
    const buf = this.momentum !== 0 ? this.buffer(p, slot, 'momentum_buffer') : null;
    p.backend.sgdUpdate(p.f32, g, buf, p.size, this.lr, this.momentum, this.dampening, this.weightDecay, this.nesterov, firstStep);
  }
}

export interface AdamOptions {
  lr?: number;
  betas?: readonly [number, number];
  eps?: number;
  weightDecay?: number;
}

/** m = β1·m + (1−β1)·g;  v = β2·v + (1−β2)·g²;  p −= lr·m̂ / (√v̂ + eps); weight decay added to g. */
export class Adam extends Optimizer {
  readonly betas: readonly [number, number];
  readonly eps: number;
  readonly weightDecay: number;
  protected readonly bufferNames = ['exp_avg', 'exp_avg_sq'];
  /** AdamW: weight decay multiplies p by (1 − lr·wd) instead of entering the gradient. */
  protected readonly decoupled: boolean = false;

  constructor(params: readonly Tensor[], options: AdamOptions = {}) {
    super(params, options.lr ?? 1e-3);
    const [beta1, beta2] = options.betas ?? [0.9, 0.999];
    this.betas = [unitInterval('betas[0]', beta1), unitInterval('betas[1]', beta2)];
    this.eps = nonNegative('eps', options.eps ?? 1e-8);
    this.weightDecay = nonNegative('weightDecay', options.weightDecay ?? 0);
  }

  protected update(p: Tensor, g: F32, slot: Slot): void {
    const m = this.buffer(p, slot, 'exp_avg');
    const v = this.buffer(p, slot, 'exp_avg_sq');
    p.backend.adamUpdate(p.f32, g, m, v, p.size, this.lr, this.betas[0], this.betas[1], this.eps, this.weightDecay, this.decoupled, slot.step);
  }
}

/** Adam with decoupled weight decay (p ← p·(1 − lr·wd) before the Adam step); weightDecay defaults to 0.01. */
export class AdamW extends Adam {
  protected readonly decoupled = true;

  constructor(params: readonly Tensor[], options: AdamOptions = {}) {
    super(params, { ...options, weightDecay: options.weightDecay ?? 1e-2 });
  }
}

export interface RMSpropOptions {
  lr?: number;
  alpha?: number;
  eps?: number;
  weightDecay?: number;
}

/** sq = α·sq + (1−α)·g²;  p −= lr·g / (√sq + eps); weight decay added to g. */
export class RMSprop extends Optimizer {
  readonly alpha: number;
  readonly eps: number;
  readonly weightDecay: number;
  protected readonly bufferNames = ['square_avg'];

  constructor(params: readonly Tensor[], options: RMSpropOptions = {}) {
    super(params, options.lr ?? 1e-2);
    this.alpha = nonNegative('alpha', options.alpha ?? 0.99);
    this.eps = nonNegative('eps', options.eps ?? 1e-8);
    this.weightDecay = nonNegative('weightDecay', options.weightDecay ?? 0);
  }

  protected update(p: Tensor, g: F32, slot: Slot): void {
    const sq = this.buffer(p, slot, 'square_avg');
    p.backend.rmspropUpdate(p.f32, g, sq, p.size, this.lr, this.alpha, this.eps, this.weightDecay);
  }
}

export interface AdagradOptions {
  lr?: number;
  lrDecay?: number;
  eps?: number;
  weightDecay?: number;
}

/** sum += g²;  p −= clr·g / (√sum + eps) with clr = lr / (1 + (step − 1)·lrDecay); weight decay added to g. */
export class Adagrad extends Optimizer {
  readonly lrDecay: number;
  readonly eps: number;
  readonly weightDecay: number;
  protected readonly bufferNames = ['sum'];

  constructor(params: readonly Tensor[], options: AdagradOptions = {}) {
    super(params, options.lr ?? 1e-2);
    this.lrDecay = nonNegative('lrDecay', options.lrDecay ?? 0);
    this.eps = nonNegative('eps', options.eps ?? 1e-10);
    this.weightDecay = nonNegative('weightDecay', options.weightDecay ?? 0);
  }

  protected update(p: Tensor, g: F32, slot: Slot): void {
    const clr = this.lr / (1 + (slot.step - 1) * this.lrDecay);
    p.backend.adagradUpdate(p.f32, g, this.buffer(p, slot, 'sum'), p.size, clr, this.eps, this.weightDecay);
  }
}
