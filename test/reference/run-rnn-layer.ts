/**
 * Runs one torch.nn.RNN/LSTM/GRU reference case forward and backward and copies the results out:
 * no Node modules and no assertions, so a browser page runs it too (checks: rnn-layer.ts).
 */
import type { Backend } from '../../src/backend/backend.ts';
import { Tensor, tensor, tidy } from '../../src/tensor/tensor.ts';
import { backward } from '../../src/autograd/tape.ts';
import { add, mul, sum } from '../../src/ops/basic.ts';
import { GRU, LSTM, RNN, type RecurrentLayer } from '../../src/nn/rnn.ts';
import { field, type Case, type RefTensor } from './case-fields.ts';

/** A tensor copied out of its backend (a structured-cloneable value). */
export interface RunTensor {
  shape: number[];
  data: Float32Array;
}

export interface RnnLayerRun {
  /** `out`, `h_n` and, for LSTM only, `c_n`. */
  outputs: Record<string, RunTensor>;
  /** Σ out·w_out + Σ h_n·w_h [+ Σ c_n·w_c] with the case's weights. */
  loss: number;
  /** The gradient of the loss for every tensor named in the case's `grads`. */
  grads: Record<string, RunTensor>;
}

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
    default: throw new Error(`${c.name}: unknown module "${module}"`);
  }
}

/** Copies a tensor's shape and values out of its backend. */
export const copyOut = (t: Tensor): RunTensor => ({ shape: [...t.shape], data: t.f32.slice() });

export function runRnnLayer(c: Case, backend: Backend): RnnLayerRun {
  return tidy(() => {
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

    const weights = field<Record<string, RefTensor | null>>(c, 'loss');
    const term = (t: Tensor, w: RefTensor): Tensor => sum(mul(t, tensor(w.data, w.shape, { backend })));
    let loss = add(term(output, weights.out!), term(hN, weights.h_n!));
    if (cN) loss = add(loss, term(cN, weights.c_n!));
    backward(loss);

    const outputs: Record<string, RunTensor> = { out: copyOut(output), h_n: copyOut(hN) };
    if (cN) outputs.c_n = copyOut(cN);
    const inputs: Record<string, Tensor | null> = { x, h0, c0, ...layer.stateDict() };
    const grads: Record<string, RunTensor> = {};
    for (const name of Object.keys(field<Record<string, RefTensor>>(c, 'grads'))) {
      const t = inputs[name];
      if (!t) throw new Error(`${c.name}: gradient for unknown tensor "${name}"`);
      if (!t.grad) throw new Error(`${c.name}: no gradient reached "${name}"`);
      grads[name] = copyOut(t.grad);
    }
    return { outputs, loss: loss.item(), grads };
  });
}
