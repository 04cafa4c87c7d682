/** Gradient clipping by total norm. */
import { Tensor } from '../tensor/tensor.ts';
import { nonNegative } from '../errors.ts';

/**
 * PyTorch's `clip_grad_norm_`: total = √(Σ over all grads of Σ g²) in float64; when
 * c = maxNorm / (total + 1e-6) < 1 every gradient is scaled by c. Returns total (before clipping).
 * Parameters without a gradient are ignored.
 */
export function clipGradNorm(params: readonly Tensor[], maxNorm: number): number {
  nonNegative('maxNorm', maxNorm);
  const grads = params.flatMap((p) => (p.grad ? [p.grad] : []));
  let sumSquares = 0;
  for (const g of grads) sumSquares += g.backend.sumSquares(g.f32, g.size);
  const total = Math.sqrt(sumSquares);
  const coef = maxNorm / (total + 1e-6);
  if (coef < 1) for (const g of grads) g.backend.scale(g.f32, coef, g.size);
  return total;
}
