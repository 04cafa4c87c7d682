/** Optimizer update kernels with PyTorch 1.13 semantics, one flat parameter buffer at a time. */
import type { F32 } from '../backend.ts';

// g' = g + wd·p;  buf = momentum·buf + (1 − dampening)·g' (buf = g' on the first step);
// p −= lr·(nesterov ? g' + momentum·buf : buf)
export function sgdUpdate(
  p: F32, g: F32, buf: F32 | null, n: number,
  lr: number, momentum: number, dampening: number, weightDecay: number, nesterov: boolean, firstStep: boolean,
): void {
  for (let i = 0; i < n; i++) {
    let d = g[i] + weightDecay * p[i];
    if (momentum !== 0 && buf) {
      buf[i] = firstStep ? d : momentum * buf[i] + (1 - dampening) * d;
      d = nesterov ? d + momentum * buf[i] : buf[i];
    }
    p[i] -= lr * d;
  }
}

// m = β1·m + (1−β1)·g;  v = β2·v + (1−β2)·g²;  p −= lr·(m/(1−β1ᵗ)) / (√(v/(1−β2ᵗ)) + eps)
// weight decay: Adam adds wd·p to g; AdamW (decoupled) multiplies p by (1 − lr·wd) first.
export function adamUpdate(
  p: F32, g: F32, m: F32, v: F32, n: number,
  lr: number, beta1: number, beta2: number, eps: number, weightDecay: number, decoupled: boolean, step: number,
): void {
  const bc1 = 1 - Math.pow(beta1, step);
  const bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, step));
  const stepSize = lr / bc1;
  for (let i = 0; i < n; i++) {
    let gi = g[i];
    if (weightDecay !== 0) {
      if (decoupled) p[i] *= 1 - lr * weightDecay;
      else gi += weightDecay * p[i];
    }
    m[i] = beta1 * m[i] + (1 - beta1) * gi;
    v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
    p[i] -= (stepSize * m[i]) / (Math.sqrt(v[i]) / bc2Sqrt + eps);
  }
}

// sq = α·sq + (1−α)·g²;  p −= lr·g / (√sq + eps)
export function rmspropUpdate(p: F32, g: F32, sq: F32, n: number, lr: number, alpha: number, eps: number, weightDecay: number): void {
  for (let i = 0; i < n; i++) {
    const gi = g[i] + weightDecay * p[i];
    sq[i] = alpha * sq[i] + (1 - alpha) * gi * gi;
    p[i] -= (lr * gi) / (Math.sqrt(sq[i]) + eps);
  }
}

// sum += g²;  p −= lr·g / (√sum + eps)
export function adagradUpdate(p: F32, g: F32, sum: F32, n: number, lr: number, eps: number, weightDecay: number): void {
  for (let i = 0; i < n; i++) {
    const gi = g[i] + weightDecay * p[i];
    sum[i] += gi * gi;
    p[i] -= (lr * gi) / (Math.sqrt(sum[i]) + eps);
  }
}
