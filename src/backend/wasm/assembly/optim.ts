// Optimizer updates over n parameters (PyTorch semantics, equations as in the reference backend).
// Scalars derived from the step (bias corrections) are computed by the caller in float64.
import { lanesAt, ld, st, splat } from './simd';

// d = g + wd·p;  with momentum: buf = first ? d : momentum·buf + (1 − dampening)·d,
// d = nesterov ? d + momentum·buf : buf;  p −= lr·d
export function sgdUpdate(
  p: usize, g: usize, buf: usize, n: i32, lr: f32, momentum: f32, dampening: f32, weightDecay: f32, nesterov: bool, firstStep: bool,
): void {
  const useMomentum = momentum != 0 && buf != 0;
  for (let i = 0, lanes = 0; i < n; i += lanes) {
    lanes = lanesAt(i, n);
    const o = <usize>i * 4;
    const pv = ld(p + o, lanes);
    let d = f32x4.add(ld(g + o, lanes), f32x4.mul(splat(weightDecay), pv));
    if (useMomentum) {
      const bv = firstStep ? d : f32x4.add(f32x4.mul(splat(momentum), ld(buf + o, lanes)), f32x4.mul(splat(1 - dampening), d));
      st(buf + o, bv, lanes);
      d = nesterov ? f32x4.add(d, f32x4.mul(splat(momentum), bv)) : bv;
    }
    st(p + o, f32x4.sub(pv, f32x4.mul(splat(lr), d)), lanes);
  }
}

// g' = g (+ wd·p unless decoupled; decoupled: p *= 1 − lr·wd);  m = β1·m + (1−β1)·g';
// v = β2·v + (1−β2)·g'²;  p −= stepSize·m / (√v / bc2Sqrt + eps)
export function adamUpdate(
  p: usize, g: usize, m: usize, v: usize, n: i32, lr: f32, beta1: f32, beta2: f32, eps: f32, weightDecay: f32,
  decoupled: bool, stepSize: f32, bc2Sqrt: f32,
): void {
  const decay = splat(decoupled ? 1 - lr * weightDecay : 1);
  const coupled = splat(decoupled ? 0 : weightDecay);
  for (let i = 0, lanes = 0; i < n; i += lanes) {
    lanes = lanesAt(i, n);
    const o = <usize>i * 4;
    const pv = f32x4.mul(ld(p + o, lanes), decay);
    const gv = f32x4.add(ld(g + o, lanes), f32x4.mul(coupled, pv));
    const mv = f32x4.add(f32x4.mul(splat(beta1), ld(m + o, lanes)), f32x4.mul(splat(1 - beta1), gv));
    const vv = f32x4.add(f32x4.mul(splat(beta2), ld(v + o, lanes)), f32x4.mul(f32x4.mul(splat(1 - beta2), gv), gv));
    st(m + o, mv, lanes);
    st(v + o, vv, lanes);
    const denom = f32x4.add(f32x4.div(f32x4.sqrt(vv), splat(bc2Sqrt)), splat(eps));
    st(p + o, f32x4.sub(pv, f32x4.div(f32x4.mul(splat(stepSize), mv), denom)), lanes);
  }
}

// g' = g + wd·p;  acc = decay·acc + gain·g'²;  p −= lr·g' / (√acc + eps)
// (RMSprop: decay = α, gain = 1 − α; Adagrad: decay = gain = 1)
export function adaptiveUpdate(p: usize, g: usize, acc: usize, n: i32, lr: f32, decay: f32, gain: f32, eps: f32, weightDecay: f32): void {
  for (let i = 0, lanes = 0; i < n; i += lanes) {
    lanes = lanesAt(i, n);
    const o = <usize>i * 4;
    const pv = ld(p + o, lanes);
    const gv = f32x4.add(ld(g + o, lanes), f32x4.mul(splat(weightDecay), pv));
    const av = f32x4.add(f32x4.mul(splat(decay), ld(acc + o, lanes)), f32x4.mul(f32x4.mul(splat(gain), gv), gv));
    st(acc + o, av, lanes);
    st(p + o, f32x4.sub(pv, f32x4.div(f32x4.mul(splat(lr), gv), f32x4.add(f32x4.sqrt(av), splat(eps)))), lanes);
  }
}
