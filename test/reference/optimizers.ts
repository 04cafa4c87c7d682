/** The `optimizers` case: every run's parameters after each of five steps, on the given backend. */
import assert from 'node:assert/strict';
import type { Backend } from '../../src/backend/backend.ts';
import { zeros, type Tensor } from '../../src/tensor/tensor.ts';
import { SGD, Adam, AdamW, RMSprop, Adagrad, type Optimizer } from '../../src/optim/index.ts';
import { assertClose, field, type Case, type RefTensor } from './cases.ts';

interface Run {
  options: Record<string, unknown>;
  params_after_each_step: RefTensor[];
}

/** PyTorch option names → ours; an option not listed here fails the case instead of being ignored. */
const OPTION_NAMES: Record<string, string> = {
  lr: 'lr', momentum: 'momentum', dampening: 'dampening', nesterov: 'nesterov', weight_decay: 'weightDecay',
  betas: 'betas', eps: 'eps', alpha: 'alpha', lr_decay: 'lrDecay',
};

const OPTIMIZERS: Record<string, (params: Tensor[], options: any) => Optimizer> = {
  sgd: (p, o) => new SGD(p, o),
  adam: (p, o) => new Adam(p, o),
  adamw: (p, o) => new AdamW(p, o),
  rmsprop: (p, o) => new RMSprop(p, o),
  adagrad: (p, o) => new Adagrad(p, o),
};

/** Runs every optimizer of the case; returns the largest relative error per run. */
export function checkOptimizers(c: Case, backend: Backend): Record<string, number> {
  const p0 = field<RefTensor>(c, 'p0');
  const grads = field<RefTensor[]>(c, 'grads');
  const runs = field<Record<string, Run>>(c, 'runs');
  const worst: Record<string, number> = {};
  for (const [name, run] of Object.entries(runs)) {
    const make = OPTIMIZERS[name.split('_')[0]];
    assert.ok(make, `${c.name}: unknown optimizer in run "${name}"`);
    const options = Object.fromEntries(Object.entries(run.options).map(([k, v]) => {
      assert.ok(k in OPTION_NAMES, `${c.name}.${name}: unsupported option "${k}"`);
      return [OPTION_NAMES[k], v];
    }));
    const p = zeros(p0.shape, { backend });
    p.f32.set(p0.data);
    p.grad = zeros(p0.shape, { backend });
    const optimizer = make([p], options);
    assert.equal(run.params_after_each_step.length, grads.length, `${c.name}.${name}: one expectation per gradient`);
    worst[name] = 0;
    grads.forEach((g, step) => {
      p.grad!.f32.set(g.data);
      optimizer.step();
      const err = assertClose(`${c.name}.${name} step ${step + 1}`, p.f32, p.shape, run.params_after_each_step[step]);
      worst[name] = Math.max(worst[name], err);
    });
  }
  return worst;
}
