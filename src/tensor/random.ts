/**
 * Seeded pseudo-random numbers: xoshiro128** (32-bit state words, exact in JavaScript integers).
 * One generator drives initialisation, dropout, shuffling and sampling, so a seed fixes a run.
 */
import { ValueError } from '../errors.ts';

export class Random {
  private s = new Uint32Array(4);

  constructor(seed = 0) {
    this.seed(seed);
  }

  /** Re-seeds with splitmix32 so that nearby seeds give unrelated streams. */
  seed(seed: number): void {
    let x = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
    }
    if ((this.s[0] | this.s[1] | this.s[2] | this.s[3]) === 0) this.s[0] = 1;
  }

  /** A uniformly distributed unsigned 32-bit integer. */
  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  next(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.next();
  }

  /** Uniform integer in [0, n). */
  nextInt(n: number): number {
    if (!(n >= 1)) throw new RangeError(`nextInt: n must be ≥ 1, got ${n}`);
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    let u = 0;
    while (u === 0) u = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** Draws an index with probability proportional to weights[i] (weights ≥ 0, not all 0). */
  categorical(weights: ArrayLike<number>, n = weights.length): number {
    let total = 0;
    for (let i = 0; i < n; i++) total += weights[i];
    let r = this.next() * total;
    for (let i = 0; i < n; i++) {
      r -= weights[i];
      if (r < 0) return i;
    }
    for (let i = n - 1; i >= 0; i--) if (weights[i] > 0) return i;
    throw new RangeError('categorical: all weights are zero');
  }

  /** In-place Fisher–Yates shuffle. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.nextInt(i + 1);
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  }

  /** The generator's state, for checkpoints. */
  getState(): number[] {
    return Array.from(this.s);
  }

  /** Restores a state from getState(): four 32-bit words, not all 0 (from which xoshiro128** only draws 0). */
  setState(state: readonly number[]): void {
    const word = (w: number): boolean => Number.isInteger(w) && w >= 0 && w < 2 ** 32;
    if (state.length !== 4 || !state.every(word) || state.every((w) => w === 0)) {
      throw new ValueError('state', 'four integers in [0, 2³²), not all 0', JSON.stringify(state));
    }
    this.s.set(state);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** The library-wide generator used when no generator is passed explicitly. */
export const globalRandom = new Random(0);

/** Seeds the library-wide generator. */
export function manualSeed(seed: number): void {
  globalRandom.seed(seed);
}
