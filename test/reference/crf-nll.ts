/** Checks the CRF negative log-likelihood and its gradients against PyTorch's enumeration of every tag sequence. */
import assert from 'node:assert/strict';
import type { Backend } from '../../src/backend/backend.ts';
import { Tensor, tensor, tidy } from '../../src/tensor/tensor.ts';
import { backward } from '../../src/autograd/tape.ts';
import { crfNegLogLikelihood } from '../../src/ops/crf.ts';
import { assertClose, field, relativeError, TOLERANCE, type Case, type RefTensor } from './cases.ts';

export function checkCrfNll(c: Case, backend: Backend): void {
  const leaf = (name: string): Tensor => {
    const r = field<RefTensor>(c, name);
    return tensor(r.data, r.shape, { backend, requiresGrad: true });
  };
  const emissions = leaf('emissions'), transitions = leaf('transitions'), start = leaf('start_transitions'), end = leaf('end_transitions');
  const tags = Int32Array.from(field<RefTensor>(c, 'tags').data);
  const lengths = Int32Array.from(field<number[]>(c, 'lengths'));
  tidy(() => {
    const nll = crfNegLogLikelihood(emissions, tags, lengths, { transitions, start, end });
    assert.ok(relativeError([nll.item()], [field<number>(c, 'nll')]) <= TOLERANCE, `nll ${nll.item()} vs ${field<number>(c, 'nll')}`);
    backward(nll);
  });
  const grads = field<Record<string, RefTensor>>(c, 'grads');
  const named: Record<string, Tensor> = { emissions, transitions, start_transitions: start, end_transitions: end };
  for (const [name, t] of Object.entries(named)) assertClose(`grad ${name}`, t.grad!.f32, t.shape, grads[name]);
}
