/** Embedding lookup: rows of a table selected by int32 token ids. */
import { Tensor } from '../tensor/tensor.ts';
import { record } from '../autograd/tape.ts';
import { emptyLike } from './basic.ts';
import { checkRank, checkTokenIds } from '../errors.ts';

/**
 * out[..., :] = weight[ids[...], :]; the gradient scatters back into the rows used, except the row
 * `paddingIdx` (when ≥ 0), which gets none (PyTorch's padding_idx).
 */
export function embedding(ids: Tensor, weight: Tensor, paddingIdx = -1): Tensor {
  checkRank(weight, 'embedding(weight)', [2], '[vocab, dim]');
  const [vocab, dim] = weight.shape;
  checkTokenIds(ids, 'embedding(ids)', vocab);
  const out = emptyLike(weight, [...ids.shape, dim]);
  const backend = weight.backend;
  backend.gather(weight.f32, dim, ids.i32, ids.size, out.f32);
  return record(out, 'embedding', [weight], (dOut, grad) => {
    const dw = grad(0);
    if (!dw) return;
    const padRow = paddingIdx >= 0 ? dw.slice(paddingIdx * dim, (paddingIdx + 1) * dim) : null;
    backend.scatterAdd(dOut, dim, ids.i32, ids.size, dw);
    if (padRow) dw.set(padRow, paddingIdx * dim);
  }, [ids]);
}
