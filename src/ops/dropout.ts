/** Inverted dropout: zero each element with probability p, scale the rest by 1/(1−p). */
import { Tensor } from '../tensor/tensor.ts';
import { Random, globalRandom } from '../tensor/random.ts';
import { record } from '../autograd/tape.ts';
import { unitInterval } from '../errors.ts';
import { emptyLike } from './basic.ts';

export function dropout(x: Tensor, p: number, training: boolean, rng: Random = globalRandom): Tensor {
  unitInterval('dropout(p)', p);
  if (!training || p === 0) return x;
  const mask = emptyLike(x);
  const keepScale = 1 / (1 - p);
  const m = mask.f32;
  for (let i = 0; i < x.size; i++) m[i] = rng.next() < p ? 0 : keepScale;
  const out = emptyLike(x);
  x.backend.binary('mul', x.f32, m, out.f32, x.size, x.size);
  return record(out, 'dropout', [x], (dOut, grad) => {
    const dx = grad(0);
    if (!dx) return;
    const tmp = emptyLike(x).f32;
    x.backend.binary('mul', dOut, m, tmp, x.size, x.size);
    x.backend.axpy(1, tmp, 0, dx, 0, x.size);
  }, [mask]);
}
