/**
 * Module: a tree of named parameters and submodules with PyTorch's naming ("rnn.weight_ih_l0"),
 * train/eval mode, and state dicts.
 */
import type { Backend } from '../backend/backend.ts';
import { getBackend } from '../backend/registry.ts';
import { Tensor, keep, zeros } from '../tensor/tensor.ts';
import { Random, globalRandom } from '../tensor/random.ts';
import { MemoryLimitError, ShapeError, ValueError, formatShape } from '../errors.ts';
import { noGrad } from '../autograd/tape.ts';

/** Plain data of a tensor, as stored in reference files and checkpoints. */
export interface TensorData {
  shape: readonly number[];
  data: ArrayLike<number>;
}

export abstract class Module {
  training = true;
  private readonly ownParameters = new Map<string, Tensor>();
  private readonly children = new Map<string, Module>();

  /** Creates a trainable parameter of this module, owned outside any tidy scope. */
  protected parameter(name: string, shape: readonly number[], backend: Backend = getBackend()): Tensor {
    const t = keep(zeros(shape, { backend }));
    t.requiresGrad = true;
    this.ownParameters.set(name, t);
    return t;
  }

  protected submodule<M extends Module>(name: string, module: M): M {
    this.children.set(name, module);
    return module;
  }

  /** (name, parameter) pairs in registration order, submodules' names prefixed "child.". */
  namedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [name, p] of this.ownParameters) out.push([prefix + name, p]);
    for (const [name, child] of this.children) out.push(...child.namedParameters(`${prefix}${name}.`));
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Total number of scalar parameters. */
  parameterCount(): number {
    return this.parameters().reduce((n, p) => n + p.size, 0);
  }

  train(on = true): this {
    this.training = on;
    for (const child of this.children.values()) child.train(on);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Runs fn in eval mode without autograd, then restores the previous mode. */
  inference<T>(fn: () => T): T {
    const wasTraining = this.training;
    this.eval();
    try {
      return noGrad(fn);
    } finally {
      this.train(wasTraining);
    }
  }

  zeroGrad(): void {
    for (const p of this.parameters()) if (p.grad) p.grad.f32.fill(0);
  }

  /** Parameter name → tensor (the live parameters, not copies). */
  stateDict(): Record<string, Tensor> {
    return Object.fromEntries(this.namedParameters());
  }

  /**
   * Copies values into the parameters. Every name must be present with the same shape; with
   * strict (the default) no unknown name may appear either.
   */
  loadStateDict(state: Record<string, TensorData | Tensor>, strict = true): void {
    const own = this.stateDict();
    for (const [name, p] of Object.entries(own)) {
      const src = state[name];
      if (!src) throw new ValueError('stateDict', `an entry "${name}"`, 'none');
      if (src.shape.length !== p.rank || src.shape.some((d, i) => d !== p.shape[i])) {
        throw new ShapeError(`stateDict["${name}"]`, formatShape(p.shape), formatShape(src.shape));
      }
      if (src instanceof Tensor ? src.dtype !== 'float32' : src.data instanceof Int32Array) {
        throw new ValueError(`stateDict["${name}"]`, 'float32 values', 'int32 values');
      }
      p.f32.set(src instanceof Tensor ? src.f32.subarray(0, p.size) : src.data);
    }
    if (strict) {
      const unknown = Object.keys(state).filter((k) => !(k in own));
      if (unknown.length > 0) throw new ValueError('stateDict', 'only this model\'s parameter names', `unknown ${unknown.join(', ')}`);
    }
  }
}

/** Throws MemoryLimitError, before anything is allocated, when `count` float32 parameters exceed the backend's memory limit. */
export function checkParametersFit(backend: Backend, count: number, what: string): void {
  const limit = backend.memoryLimit ?? Infinity;
  if (4 * count > limit) {
    throw new MemoryLimitError(backend.name, 4 * count, limit, `${what} (${count.toLocaleString('en-US')} float32 parameters)`);
  }
}

/** Fills a tensor with U(−bound, bound) draws. */
export function uniformInit(t: Tensor, bound: number, rng: Random = globalRandom): void {
  const d = t.f32;
  for (let i = 0; i < t.size; i++) d[i] = rng.uniform(-bound, bound);
}

/** Fills a tensor with N(0, 1) draws (PyTorch's Embedding init). */
export function normalInit(t: Tensor, rng: Random = globalRandom): void {
  const d = t.f32;
  for (let i = 0; i < t.size; i++) d[i] = rng.normal();
}
