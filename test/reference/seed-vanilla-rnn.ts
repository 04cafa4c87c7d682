/** The `seed_vanilla_rnn` cases: the tutorial's vanilla RNN forward, loss and truncated-BPTT gradients. */
import assert from 'node:assert/strict';
import type { Backend } from '../../src/backend/backend.ts';
import { VanillaRNN } from '../../src/models/vanilla-rnn.ts';
import { TOLERANCE, assertClose, field, type Case, type RefTensor } from './cases.ts';

/** Checks o, s, loss, dU, dV, dW; returns the relative error of each. The tutorial class has no backend. */
export function checkSeedVanillaRnn(c: Case, _backend: Backend): Record<string, number> {
  const vocab = field<number>(c, 'vocab');
  const hidden = field<number>(c, 'hidden_size');
  const x = field<number[]>(c, 'x');
  const y = field<number[]>(c, 'y');
  const rnn = new VanillaRNN(vocab, hidden, { bpttTruncate: field<number>(c, 'bptt_truncate') });
  for (const name of ['U', 'W', 'V'] as const) {
    const ref = field<RefTensor>(c, name);
    assert.equal(ref.data.length, rnn[name].length, `${c.name}: ${name} size`);
    rnn[name].set(ref.data);
  }
  const { o, s } = rnn.forward(x);
  const grads = rnn.bptt(x, y);
  const loss = rnn.loss(x, y);
  const expectedLoss = field<number>(c, 'loss');
  const errors: Record<string, number> = {
    o: assertClose(`${c.name}: o`, flat(o), [x.length, vocab], field(c, 'o')),
    s: assertClose(`${c.name}: s`, flat(s), [x.length, hidden], field(c, 's')),
    loss: Math.abs(loss - expectedLoss) / Math.abs(expectedLoss),
    dU: assertClose(`${c.name}: dU`, grads.dU, [hidden, vocab], field(c, 'dU')),
    dV: assertClose(`${c.name}: dV`, grads.dV, [vocab, hidden], field(c, 'dV')),
    dW: assertClose(`${c.name}: dW`, grads.dW, [hidden, hidden], field(c, 'dW')),
  };
  assert.ok(errors.loss <= TOLERANCE, `${c.name}: loss ${loss} vs ${expectedLoss}`);
  return errors;
}

function flat(rows: Float64Array[]): number[] {
  return rows.flatMap((r) => Array.from(r));
}
