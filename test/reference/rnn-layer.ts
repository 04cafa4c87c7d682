/** Checks one torch.nn.RNN/LSTM/GRU reference case: outputs, final states and every gradient. */
import assert from 'node:assert/strict';
import type { Backend } from '../../src/backend/backend.ts';
import { Tensor, tensor, tidy } from '../../src/tensor/tensor.ts';
import { backward } from '../../src/autograd/tape.ts';
import { add, mul, sum } from '../../src/ops/basic.ts';
import { GRU, LSTM, RNN, type RecurrentLayer } from '../../src/nn/rnn.ts';
import { assertClose, field, type Case, type RefTensor } from './cases.ts';

export function buildLayer(c: Case, backend: Backend): RecurrentLayer {
  const options = {
    inputSize: field<number>(c, 'input_size'),
    hiddenSize: field<number>(c, 'hidden_size'),
    numLayers: field<number>(c, 'num_layers'),
    bidirectional: field<boolean>(c, 'bidirectional'),
    bias: field<boolean>(c, 'bias'),
    batchFirst: field<boolean>(c, 'batch_first'),
    backend,
  };
  const module = field<string>(c, 'module');
  switch (module) {
    case 'RNN_TANH': return new RNN({ ...options, nonlinearity: 'tanh' });
    case 'RNN_RELU': return new RNN({ ...options, nonlinearity: 'relu' });
    case 'LSTM': return new LSTM(options);
    case 'GRU': return new GRU(options);
    default: throw new assert.AssertionError({ message: `${c.name}: unknown module "${module}"` });
  }
}

export function checkRnnLayer(c: Case, backend: Backend): void {
  tidy(() => {
    const layer = buildLayer(c, backend);
    layer.loadStateDict(field<Record<string, RefTensor>>(c, 'params'));
    const leaf = (r: RefTensor | null): Tensor | null => {
      if (!r) return null;
      const t = tensor(r.data, r.shape, { backend });
      t.requiresGrad = true;
      return t;
    };
    const x = leaf(field<RefTensor>(c, 'x'))!;
    const h0 = leaf(field<RefTensor | null>(c, 'h0'));
    const c0 = leaf(field<RefTensor | null>(c, 'c0'));
    const lengths = field<number[] | null>(c, 'seq_lengths');
    const { output, hN, cN } = layer.forward(x, { h0, c0, lengths });

    assertClose('out', output.f32, output.shape, field<RefTensor>(c, 'out'));
    assertClose('h_n', hN.f32, hN.shape, field<RefTensor>(c, 'h_n'));
    const expectedC = field<RefTensor | null>(c, 'c_n');
    assert.equal(cN !== null, expectedC !== null, 'c_n present exactly for LSTM');
    if (cN && expectedC) assertClose('c_n', cN.f32, cN.shape, expectedC);

    // loss = Σ out·w_out + Σ h_n·w_h [+ Σ c_n·w_c]
    const weights = field<Record<string, RefTensor | null>>(c, 'loss');
    const term = (t: Tensor, w: RefTensor): Tensor => sum(mul(t, tensor(w.data, w.shape, { backend })));
    let loss = add(term(output, weights.out!), term(hN, weights.h_n!));
    if (cN) loss = add(loss, term(cN, weights.c_n!));
    const lossValue = field<number>(c, 'loss_value');
    assert.ok(Math.abs(loss.item() - lossValue) <= 1e-4 * Math.max(1, Math.abs(lossValue)), `loss ${loss.item()} vs ${lossValue}`);
    backward(loss);

    const grads = field<Record<string, RefTensor>>(c, 'grads');
    const inputs: Record<string, Tensor | null> = { x, h0, c0, ...layer.stateDict() };
    for (const [name, expected] of Object.entries(grads)) {
      const t = inputs[name];
      assert.ok(t, `${c.name}: gradient for unknown tensor "${name}"`);
      assert.ok(t.grad, `${c.name}: no gradient reached "${name}"`);
      assertClose(`grad ${name}`, t.grad.f32, t.shape, expected);
    }
  });
}
