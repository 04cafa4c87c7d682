/** Checks one torch.nn.RNN/LSTM/GRU reference case: outputs, final states and every gradient. */
import assert from 'node:assert/strict';
import type { Backend } from '../../src/backend/backend.ts';
import { assertClose, field, type Case, type RefTensor } from './cases.ts';
import { runRnnLayer, type RnnLayerRun } from './run-rnn-layer.ts';

export function checkRnnLayer(c: Case, backend: Backend): void {
  assertRnnLayerRun(c, runRnnLayer(c, backend));
}

/** Asserts that a run of case `c` (on any backend, in any runtime) matches PyTorch; returns the largest relative error. */
export function assertRnnLayerRun(c: Case, { outputs, loss, grads }: RnnLayerRun): number {
  let worst = 0;
  const expectedC = field<RefTensor | null>(c, 'c_n');
  assert.equal('c_n' in outputs, expectedC !== null, 'c_n present exactly for LSTM');
  for (const [name, actual] of Object.entries(outputs)) {
    worst = Math.max(worst, assertClose(name, actual.data, actual.shape, field<RefTensor>(c, name)));
  }

  const lossValue = field<number>(c, 'loss_value');
  assert.ok(Math.abs(loss - lossValue) <= 1e-4 * Math.max(1, Math.abs(lossValue)), `loss ${loss} vs ${lossValue}`);

  for (const [name, expected] of Object.entries(field<Record<string, RefTensor>>(c, 'grads'))) {
    worst = Math.max(worst, assertClose(`grad ${name}`, grads[name].data, grads[name].shape, expected));
  }
  return worst;
}
