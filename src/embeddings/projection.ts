/**
 * 2-D pictures of word vectors: principal component analysis and t-SNE (exact, van der Maaten &
 * Hinton 2008, with the gains, momentum and early exaggeration of the reference implementation).
 * Rows are n points of `dim` floats, row-major.
 */
import { ValueError } from '../errors.ts';
import { Random } from '../tensor/random.ts';

export type Points2D = Float64Array; // [n, 2]

/** The rows projected on their first two principal components (signs fixed: largest coordinate positive). */
export function pca2d(rows: Float32Array, n: number, dim: number): Points2D {
  const mean = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let k = 0; k < dim; k++) mean[k] += rows[i * dim + k] / n;
  const centered = Float64Array.from({ length: n * dim }, (_, j) => rows[j] - mean[j % dim]);
  const out = new Float64Array(2 * n);
  const components: Float64Array[] = [];
  for (let c = 0; c < 2; c++) {
    // power iteration on XᵀX, deflated by the components found so far
    let v = Float64Array.from({ length: dim }, (_, k) => 1 + k / dim);
    for (let iteration = 0; iteration < 200; iteration++) {
      const xv = new Float64Array(n);
      for (let i = 0; i < n; i++) for (let k = 0; k < dim; k++) xv[i] += centered[i * dim + k] * v[k];
      const next = new Float64Array(dim);
      for (let i = 0; i < n; i++) for (let k = 0; k < dim; k++) next[k] += centered[i * dim + k] * xv[i];
      for (const u of components) {
        const proj = next.reduce((s, x, k) => s + x * u[k], 0);
        for (let k = 0; k < dim; k++) next[k] -= proj * u[k];
      }
      const norm = Math.hypot(...next) || 1;
      v = next.map((x) => x / norm);
    }
    components.push(v);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < dim; k++) s += centered[i * dim + k] * v[k];
      out[2 * i + c] = s;
    }
    let largest = 0;
    for (let i = 0; i < n; i++) if (Math.abs(out[2 * i + c]) > Math.abs(largest)) largest = out[2 * i + c];
    if (largest < 0) for (let i = 0; i < n; i++) out[2 * i + c] = -out[2 * i + c];
  }
  return out;
}

export interface TsneOptions {
  /** Effective number of neighbours (default min(30, (n − 1) / 3)). */
  perplexity?: number;
  iterations?: number;
  seed?: number;
}

/** Exact t-SNE to 2-D. */
export function tsne2d(rows: Float32Array, n: number, dim: number, options: TsneOptions = {}): Points2D {
  if (n < 4) throw new ValueError('words', 'at least 4 words for t-SNE', String(n));
  const perplexity = options.perplexity ?? Math.min(30, (n - 1) / 3);
  const iterations = options.iterations ?? 1000;
  const P = affinities(rows, n, dim, perplexity);
  // start from the PCA picture scaled to a standard deviation of 1e-4 (scikit-learn's init='pca'), jittered by the seed
  const rng = new Random(options.seed ?? 0);
  const start = pca2d(rows, n, dim);
  const spread = Math.sqrt(start.reduce((s, v, k) => (k % 2 === 0 ? s + v * v : s), 0) / n) || 1;
  const y = start.map((v) => (v / spread) * 1e-4 + rng.normal() * 1e-6);
  const update = new Float64Array(2 * n), gains = new Float64Array(2 * n).fill(1), grad = new Float64Array(2 * n);
  const q = new Float64Array(n * n);
  const learningRate = Math.max(50, n / 48); // scikit-learn's "auto"
  for (let it = 0; it < iterations; it++) {
    const exaggeration = it < 250 ? 12 : 1, momentum = it < 250 ? 0.5 : 0.8;
    let sumQ = 0;
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        const dx = y[2 * i] - y[2 * j], dy = y[2 * i + 1] - y[2 * j + 1];
        const w = 1 / (1 + dx * dx + dy * dy);
        q[i * n + j] = q[j * n + i] = w;
        sumQ += 2 * w;
      }
    }
    grad.fill(0);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        if (i === j) continue;
        const w = q[i * n + j], force = 4 * (exaggeration * P[i * n + j] - w / sumQ) * w;
        grad[2 * i] += force * (y[2 * i] - y[2 * j]);
        grad[2 * i + 1] += force * (y[2 * i + 1] - y[2 * j + 1]);
      }
    }
    for (let k = 0; k < 2 * n; k++) {
      gains[k] = Math.sign(grad[k]) !== Math.sign(update[k]) ? gains[k] + 0.2 : Math.max(0.01, gains[k] * 0.8);
      update[k] = momentum * update[k] - learningRate * gains[k] * grad[k];
      y[k] += update[k];
    }
  }
  return y;
}

/** Symmetric joint probabilities P (sum 1), each row's Gaussian width found for the perplexity by bisection. */
function affinities(rows: Float32Array, n: number, dim: number, perplexity: number): Float64Array {
  const d2 = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let s = 0;
      for (let k = 0; k < dim; k++) s += (rows[i * dim + k] - rows[j * dim + k]) ** 2;
      d2[i * n + j] = d2[j * n + i] = s;
    }
  }
  const P = new Float64Array(n * n), target = Math.log(perplexity);
  const row = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let beta = 1, lo = 0, hi = Infinity;
    for (let attempt = 0; attempt < 64; attempt++) {
      let sum = 0, weighted = 0;
      for (let j = 0; j < n; j++) {
        row[j] = j === i ? 0 : Math.exp(-beta * d2[i * n + j]);
        sum += row[j];
        weighted += row[j] * d2[i * n + j];
      }
      const entropy = Math.log(sum) + (beta * weighted) / sum;
      if (Math.abs(entropy - target) < 1e-5) break;
      if (entropy > target) [lo, beta] = [beta, hi === Infinity ? beta * 2 : (beta + hi) / 2];
      else [hi, beta] = [beta, (beta + lo) / 2];
    }
    const sum = row.reduce((s, v) => s + v, 0) || 1;
    for (let j = 0; j < n; j++) P[i * n + j] = row[j] / sum;
  }
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const p = Math.max((P[i * n + j] + P[j * n + i]) / (2 * n), 1e-12);
      P[i * n + j] = P[j * n + i] = p;
    }
  }
  return P;
}
