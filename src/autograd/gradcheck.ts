/**
 * Finite-difference gradient check for any differentiable function of tensors.
 *
 * The output (any shape) is projected on fixed random weights r, f = Σ out·r (in float64), so one
 * backward pass `backward(out, r)` gives the analytic ∂f/∂input for every input at once. Each
 * checked element is compared with the central difference (f(x + h⁺) − f(x − h⁻)) / (h⁺ + h⁻),
 * where h± are the steps actually taken after rounding x ± eps to float32.
 */
import { Tensor, tensor, tidy } from '../tensor/tensor.ts';
import { Random } from '../tensor/random.ts';
import { ShapeError, ValueError, formatShape } from '../errors.ts';
import { backward, noGrad } from './tape.ts';

export interface GradcheckOptions {
  /** Finite-difference step (default 3e-3: smaller steps drown in float32 rounding, larger ones in curvature). */
  eps?: number;
  /** Largest accepted error (default 1e-2). */
  tolerance?: number;
  /** Error denominators are at least this, so gradients near 0 are compared absolutely (default 1e-2). */
  minScale?: number;
  /** Inputs larger than this are checked on this many random elements (default 64). */
  maxPerInput?: number;
  /** Seed of the projection weights and of the element sample (default 0). */
  seed?: number;
}

export interface GradcheckResult {
  ok: boolean;
  /** Largest |analytic − numeric| / max(|analytic|, |numeric|, minScale) over the checked elements. */
  maxError: number;
  /** Elements compared. */
  checked: number;
  /** Where maxError occurred: input position in `inputs`, flat element index, and both gradients. */
  worst: { input: number; index: number; analytic: number; numeric: number };
}

/** Compares autograd gradients of fn with central finite differences for every input that requires grad. */
export function gradcheck(fn: (inputs: Tensor[]) => Tensor, inputs: Tensor[], options: GradcheckOptions = {}): GradcheckResult {
  const { eps = 3e-3, tolerance = 1e-2, minScale = 1e-2, maxPerInput = 64, seed = 0 } = options;
  if (!(eps > 0)) throw new ValueError('eps', 'a number > 0', String(eps));
  if (!(Number.isInteger(maxPerInput) && maxPerInput >= 1)) throw new ValueError('maxPerInput', 'an integer ≥ 1', String(maxPerInput));
  const checkedInputs = inputs.flatMap((t, i) => (t.requiresGrad ? [i] : []));
  if (checkedInputs.length === 0) throw new ValueError('inputs', 'at least one tensor with requiresGrad', 'none');
  const rng = new Random(seed);

  const { analytic, r, shape } = analyticGradients(fn, inputs, checkedInputs, rng);
  const project = (): number => tidy(() => noGrad(() => {
    const out = fn(inputs);
    if (out.size !== r.length) throw new ShapeError('gradcheck fn output', formatShape(shape), formatShape(out.shape));
    let f = 0;
    for (let i = 0; i < r.length; i++) f += out.data[i] * r[i];
    return f;
  }));

  const result: GradcheckResult = { ok: true, maxError: 0, checked: 0, worst: { input: -1, index: -1, analytic: 0, numeric: 0 } };
  checkedInputs.forEach((input, k) => {
    const x = inputs[input].f32;
    for (const index of sampleIndices(inputs[input].size, maxPerInput, rng)) {
      const saved = x[index];
      x[index] = saved + eps;
      const hPlus = x[index] - saved;
      const fPlus = project();
      x[index] = saved - eps;
      const hMinus = saved - x[index];
      const fMinus = project();
      x[index] = saved;
      const numeric = (fPlus - fMinus) / (hPlus + hMinus);
      const a = analytic[k][index];
      const error = Math.abs(a - numeric) / Math.max(Math.abs(a), Math.abs(numeric), minScale);
      result.checked++;
      if (!(error <= result.maxError)) {
        result.maxError = error;
        result.worst = { input, index, analytic: a, numeric };
      }
    }
  });
  result.ok = result.maxError <= tolerance;
  return result;
}

/** ∂(Σ out·r)/∂input for the checked inputs, leaving their `.grad` as it was. */
function analyticGradients(fn: (inputs: Tensor[]) => Tensor, inputs: Tensor[], checkedInputs: number[], rng: Random) {
  const savedGrads = checkedInputs.map((i) => inputs[i].grad);
  for (const i of checkedInputs) inputs[i].grad = null;
  try {
    return tidy(() => {
      const out = fn(inputs);
      // Weights exactly representable in float32, so the backward seed and the projection agree.
      const r = Float64Array.from({ length: out.size }, () => Math.fround(rng.uniform(-1, 1)));
      if (out.requiresGrad) backward(out, tensor(r, out.shape, { backend: out.backend }));
      const analytic = checkedInputs.map((i) => {
        const g = inputs[i].grad;
        return g ? Float64Array.from(g.f32.subarray(0, g.size)) : new Float64Array(inputs[i].size);
      });
      return { analytic, r, shape: out.shape };
    });
  } finally {
    for (const g of new Set(checkedInputs.map((i) => inputs[i].grad))) g?.dispose();
    checkedInputs.forEach((i, k) => (inputs[i].grad = savedGrads[k]));
  }
}

/** All of 0..n−1, or `max` distinct ones drawn at random, ascending. */
function sampleIndices(n: number, max: number, rng: Random): number[] {
  const all = Array.from({ length: n }, (_, i) => i);
  return n <= max ? all : rng.shuffle(all).slice(0, max).sort((a, b) => a - b);
}
