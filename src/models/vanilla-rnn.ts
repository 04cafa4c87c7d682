/**
 * The vanilla RNN of the classic "implementing an RNN" tutorial, written out in plain loops for
 * reading rather than speed (the fused, backend-driven layer is nn/RNN):
 *
 *   s[t] = tanh(U[:, x[t]] + W·s[t−1]),  s[−1] = 0
 *   o[t] = softmax(V·s[t])
 *   L    = −Σ_t log o[t][y[t]]
 *
 * x and y are sequences of token ids in [0, vocabSize). Weights are float64, row-major:
 * U [H, V], W [H, H], V [V, H].
 */
import { Random, globalRandom } from '../tensor/random.ts';
import { ShapeError, ValueError, nonNegative, nonNegativeInteger, positiveInteger } from '../errors.ts';

export interface VanillaRNNOptions {
  /** How many steps back each output's error flows in `bptt` (default 4, as in the tutorial). */
  bpttTruncate?: number;
  rng?: Random;
}

export interface VanillaRNNGrads {
  dU: Float64Array;
  dV: Float64Array;
  dW: Float64Array;
}

export class VanillaRNN {
  /** Input weights [H, V]: column x[t] is the input of step t. */
  readonly U: Float64Array;
  /** Recurrent weights [H, H]. */
  readonly W: Float64Array;
  /** Output weights [V, H]. */
  readonly V: Float64Array;
  bpttTruncate: number;

  constructor(readonly vocabSize: number, readonly hiddenSize: number, options: VanillaRNNOptions = {}) {
    positiveInteger('vocabSize', vocabSize);
    positiveInteger('hiddenSize', hiddenSize);
    this.bpttTruncate = nonNegativeInteger('bpttTruncate', options.bpttTruncate ?? 4);
    const rng = options.rng ?? globalRandom;
    // The tutorial's initialisation: U ~ U(±1/√V), W and V ~ U(±1/√H).
    const init = (n: number, fanIn: number) => Float64Array.from({ length: n }, () => rng.uniform(-1, 1) / Math.sqrt(fanIn));
    this.U = init(hiddenSize * vocabSize, vocabSize);
    this.W = init(hiddenSize * hiddenSize, hiddenSize);
    this.V = init(vocabSize * hiddenSize, hiddenSize);
  }

  /** Hidden states s[t] (length H) and output distributions o[t] (length V) for every step. */
  forward(x: readonly number[]): { o: Float64Array[]; s: Float64Array[] } {
    this.checkTokens(x, 'x');
    const H = this.hiddenSize, Vn = this.vocabSize;
    const s: Float64Array[] = [];
    const o: Float64Array[] = [];
    let prev = new Float64Array(H);
    for (let t = 0; t < x.length; t++) {
      const st = new Float64Array(H);
      for (let i = 0; i < H; i++) {
        let a = this.U[i * Vn + x[t]];
        for (let j = 0; j < H; j++) a += this.W[i * H + j] * prev[j];
        st[i] = Math.tanh(a);
      }
      const logits = new Float64Array(Vn);
      for (let k = 0; k < Vn; k++) {
        for (let j = 0; j < H; j++) logits[k] += this.V[k * H + j] * st[j];
      }
      s.push(st);
      o.push(softmax(logits));
      prev = st;
    }
    return { o, s };
  }

  /** −Σ_t log o[t][y[t]]. */
  loss(x: readonly number[], y: readonly number[]): number {
    this.checkTargets(x, y);
    const { o } = this.forward(x);
    return -o.reduce((sum, ot, t) => sum + Math.log(ot[y[t]]), 0);
  }

  /**
   * Gradients of `loss(x, y)` by the tutorial's truncated BPTT: the error of output t flows back
   * through steps t, t−1, …, max(0, t − bpttTruncate), using s[−1] = 0 before step 0.
   */
  bptt(x: readonly number[], y: readonly number[]): VanillaRNNGrads {
    this.checkTargets(x, y);
    const H = this.hiddenSize, Vn = this.vocabSize;
    const { o, s } = this.forward(x);
    const zero = new Float64Array(H);
    const state = (t: number) => (t >= 0 ? s[t] : zero);
    const dU = new Float64Array(H * Vn), dV = new Float64Array(Vn * H), dW = new Float64Array(H * H);
    for (let t = x.length - 1; t >= 0; t--) {
      // δo = o[t] − onehot(y[t]);  dV += δo·s[t]ᵀ;  δ = Vᵀδo ⊙ (1 − s[t]²)
      const deltaO = Float64Array.from(o[t]);
      deltaO[y[t]] -= 1;
      let delta = new Float64Array(H);
      for (let k = 0; k < Vn; k++) {
        for (let j = 0; j < H; j++) {
          dV[k * H + j] += deltaO[k] * s[t][j];
          delta[j] += this.V[k * H + j] * deltaO[k];
        }
      }
      for (let j = 0; j < H; j++) delta[j] *= 1 - s[t][j] * s[t][j];
      for (let step = t; step >= Math.max(0, t - this.bpttTruncate); step--) {
        // dW += δ·s[step−1]ᵀ;  dU[:, x[step]] += δ;  δ = Wᵀδ ⊙ (1 − s[step−1]²)
        const sPrev = state(step - 1);
        const next = new Float64Array(H);
        for (let i = 0; i < H; i++) {
          dU[i * Vn + x[step]] += delta[i];
          for (let j = 0; j < H; j++) {
            dW[i * H + j] += delta[i] * sPrev[j];
            next[j] += this.W[i * H + j] * delta[i];
          }
        }
        for (let j = 0; j < H; j++) next[j] *= 1 - sPrev[j] * sPrev[j];
        delta = next;
      }
    }
    return { dU, dV, dW };
  }

  /** One SGD step on (x, y): θ −= lr·∂L/∂θ with the `bptt` gradients. */
  sgdStep(x: readonly number[], y: readonly number[], lr: number): void {
    nonNegative('lr', lr);
    const { dU, dV, dW } = this.bptt(x, y);
    for (const [p, d] of [[this.U, dU], [this.V, dV], [this.W, dW]]) {
      for (let i = 0; i < p.length; i++) p[i] -= lr * d[i];
    }
  }

  /** The most probable next token at every step. */
  predict(x: readonly number[]): number[] {
    return this.forward(x).o.map((ot) => ot.indexOf(Math.max(...ot)));
  }

  private checkTokens(ids: readonly number[], argument: string): void {
    ids.forEach((id, i) => {
      if (!(Number.isInteger(id) && id >= 0 && id < this.vocabSize)) {
        throw new ValueError(`${argument}[${i}]`, `a token id in [0, ${this.vocabSize})`, String(id));
      }
    });
  }

  private checkTargets(x: readonly number[], y: readonly number[]): void {
    if (y.length !== x.length) throw new ShapeError('y', `${x.length} targets (one per input)`, `${y.length}`);
    this.checkTokens(y, 'y');
  }
}

function softmax(z: Float64Array): Float64Array {
  const max = Math.max(...z);
  const e = z.map((v) => Math.exp(v - max));
  const total = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / total);
}
