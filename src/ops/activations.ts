/**
 * Named activation functions, as Keras and ONNX's recurrent operators name them, each composed
 * exactly from differentiable ops (so each has its gradient):
 *
 *   linear x · sigmoid · tanh · relu · relu6 min(max(x, 0), 6) · swish x·σ(x)
 *   hardSigmoid min(max(αx + β, 0), 1)  (α = 0.2, β = 0.5)
 *   leakyRelu x ≥ 0 ? x : αx  (α = 0.01)      elu x ≥ 0 ? x : α(eˣ − 1)  (α = 1)
 *   selu λ·elu(x, α)  (TensorFlow's λ = 1.0507…, α = 1.6733…)
 *   softsign x / (1 + |x|) · softplus log(1 + eˣ) · affine αx + β · scaledTanh α·tanh(βx)
 */
import { Tensor, full } from '../tensor/tensor.ts';
import { ValueError } from '../errors.ts';
import { add, clamp, div, exp, log, mul, neg, relu, scale, sigmoid, sub, tanh } from './basic.ts';

export type ActivationName =
  | 'linear' | 'sigmoid' | 'tanh' | 'relu' | 'relu6' | 'swish' | 'hardSigmoid' | 'leakyRelu' | 'elu' | 'selu'
  | 'softsign' | 'softplus' | 'affine' | 'scaledTanh';

export interface Activation {
  name: ActivationName;
  /** The α of hardSigmoid, leakyRelu, elu, affine, scaledTanh (defaults above; affine 1, scaledTanh 1). */
  alpha?: number;
  /** The β of hardSigmoid, affine, scaledTanh (defaults above; affine 0, scaledTanh 1). */
  beta?: number;
}

export const ACTIVATION_NAMES: readonly ActivationName[] = [
  'linear', 'sigmoid', 'tanh', 'relu', 'relu6', 'swish', 'hardSigmoid', 'leakyRelu', 'elu', 'selu', 'softsign', 'softplus', 'affine', 'scaledTanh',
];

const SELU_ALPHA = 1.6732632423543772848170429916717;
const SELU_SCALE = 1.0507009873554804934193349852946;

/** x + c, c broadcast over x. */
function addScalar(x: Tensor, c: number): Tensor {
  return add(x, full([x.shape[x.rank - 1]], c, { backend: x.backend }));
}

/** |x| = relu(x) + relu(−x) (one of the two is 0, so the sum is exact). */
function abs(x: Tensor): Tensor {
  return add(relu(x), relu(neg(x)));
}

/** α(e^min(x, 0) − 1): the negative branch of elu, 0 for x ≥ 0. */
function expMinusOne(x: Tensor, alpha: number): Tensor {
  return scale(addScalar(exp(neg(relu(neg(x)))), -1), alpha);
}

/** The activation applied elementwise. */
export function activate(x: Tensor, a: Activation): Tensor {
  const { alpha, beta } = a;
  switch (a.name) {
    case 'linear': return x;
    case 'sigmoid': return sigmoid(x);
    case 'tanh': return tanh(x);
    case 'relu': return relu(x);
    case 'relu6': return clamp(x, 0, 6);
    case 'swish': return mul(x, sigmoid(x));
    case 'hardSigmoid': return clamp(addScalar(scale(x, alpha ?? 0.2), beta ?? 0.5), 0, 1);
    case 'leakyRelu': return sub(relu(x), scale(relu(neg(x)), alpha ?? 0.01));
    case 'elu': return add(relu(x), expMinusOne(x, alpha ?? 1));
    case 'selu': return add(scale(relu(x), SELU_SCALE), expMinusOne(x, SELU_SCALE * SELU_ALPHA));
    case 'softsign': return div(x, addScalar(abs(x), 1));
    case 'softplus': return add(relu(x), log(addScalar(exp(neg(abs(x))), 1)));
    case 'affine': return addScalar(scale(x, alpha ?? 1), beta ?? 0);
    case 'scaledTanh': return scale(tanh(scale(x, beta ?? 1)), alpha ?? 1);
    default: throw new ValueError('activation', `one of ${ACTIVATION_NAMES.join(', ')}`, JSON.stringify((a as Activation).name));
  }
}
