/** Checks a char-LM Adam trajectory: losses, pre-clip gradient norms and final parameters. */
import assert from 'node:assert/strict';
import type { Backend } from '../../src/backend/backend.ts';
import { tensor, tidy } from '../../src/tensor/tensor.ts';
import { backward } from '../../src/autograd/tape.ts';
import { CharLMNet } from '../../src/models/charlm-net.ts';
import { Adam, clipGradNorm } from '../../src/optim/index.ts';
import { assertClose, field, relativeError, TOLERANCE, type Case, type RefTensor } from './cases.ts';

export function checkCharLmAdam(c: Case, backend: Backend): void {
  const module = field<string>(c, 'module');
  assert.ok(module === 'LSTM' || module === 'GRU', `${c.name}: unknown module "${module}"`);
  const net = new CharLMNet({
    cell: module === 'LSTM' ? 'lstm' : 'gru',
    vocabSize: field<number>(c, 'vocab'),
    embeddingSize: field<number>(c, 'embed'),
    hiddenSize: field<number>(c, 'hidden_size'),
    numLayers: field<number>(c, 'num_layers'),
    backend,
  });
  net.loadStateDict(field<Record<string, RefTensor>>(c, 'params_initial'));
  const opt = field<{ name: string; lr: number; betas: [number, number]; eps: number; clip_grad_norm: number }>(c, 'optimizer');
  assert.equal(opt.name, 'adam');
  const adam = new Adam(net.parameters(), { lr: opt.lr, betas: opt.betas, eps: opt.eps });
  const inputs = field<RefTensor[]>(c, 'inputs');
  const targets = field<RefTensor[]>(c, 'targets');
  const losses = field<number[]>(c, 'losses');
  const norms = field<number[]>(c, 'grad_norms_before_clip');
  assert.equal(field<number>(c, 'steps'), losses.length);
  const seenLosses: number[] = [];
  const seenNorms: number[] = [];
  for (let step = 0; step < losses.length; step++) {
    tidy(() => {
      adam.zeroGrad();
      const x = tensor(inputs[step].data, inputs[step].shape, { dtype: 'int32', backend });
      const y = tensor(targets[step].data, targets[step].shape, { dtype: 'int32', backend });
      const loss = net.loss(x, y);
      seenLosses.push(loss.item());
      backward(loss);
      seenNorms.push(clipGradNorm(net.parameters(), opt.clip_grad_norm));
      adam.step();
    });
  }
  assert.ok(relativeError(seenLosses, losses) <= TOLERANCE, `losses ${seenLosses} vs ${losses}`);
  assert.ok(relativeError(seenNorms, norms) <= TOLERANCE, `grad norms ${seenNorms} vs ${norms}`);
  for (const [name, expected] of Object.entries(field<Record<string, RefTensor>>(c, 'params_final'))) {
    const p = net.stateDict()[name];
    assert.ok(p, `${c.name}: unknown parameter "${name}"`);
    assertClose(name, p.f32, p.shape, expected);
  }
}
