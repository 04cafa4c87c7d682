// Lane helpers shared by the elementwise kernels: 4-lane SIMD loads/stores that degrade to one
// lane at a tail (lanes = 1), so each kernel body is written once for the main loop and its tail,
// and the transcendental functions the cells need, evaluated on four lanes in float32.

/** Lanes to process at element i of n: 4 while a whole vector fits, then 1. */
@inline export function lanesAt(i: i32, n: i32): i32 {
  return n - i >= 4 ? 4 : 1;
}

@inline export function ld(p: usize, lanes: i32): v128 {
  return lanes == 4 ? v128.load(p) : v128.load32_zero(p);
}

@inline export function st(p: usize, v: v128, lanes: i32): void {
  if (lanes == 4) v128.store(p, v);
  else v128.store32_lane(p, v, 0);
}

/**
 * a·b + c on four lanes: a fused multiply-add (one rounding) in the relaxed-SIMD build, which the
 * engine maps to the CPU's FMA instruction, and a multiply then an add in the plain SIMD build.
 */
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

@inline export function splat(x: f32): v128 {
  return f32x4.splat(x);
}

// Constants of the approximations below. They are read from memory with broadcast loads: V8
// rebuilds a v128.const with 3–4 instructions at every use inside a loop, a broadcast load is one.
const CONSTANTS = memory.data<f32>([
  -87.3, 88.37, // 0, 1: e^x input range
  1.44269504088896341, 12582912.0, 0.693359375, -2.12194440e-4, // 2–5: log₂e, 1.5·2²³, ln2 = 0.693359375 − 2.12194440e-4
  1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1, // 6–11: e^r polynomial
  -5.70498872745e-3, 2.06390887954e-2, -5.37397155531e-2, 1.33314422036e-1, -3.33332819422e-1, // 12–16: tanh polynomial
  1, 2, 0.625, // 17–19
]);
const EXP_MIN = 0, EXP_MAX = 1, LOG2E = 2, ROUNDER = 3, LN2_HI = 4, LN2_LO = 5, EXP_POLY = 6, TANH_POLY = 12;
const ONE = 17, TWO = 18, TANH_SMALL = 19;

@inline function k(i: i32): v128 {
  return v128.load32_splat(CONSTANTS + <usize>i * 4);
}

// e^x (Cephes expf): x = n·ln2 + r with |r| ≤ ln2/2, e^r by a degree-5 polynomial, 2ⁿ by exponent
// bits; about 1 ulp. The input is clamped to the normal float range of e^x (pmin/pmax: one
// instruction each, NaN passes through). n = round(x·log₂e) by adding 1.5·2²³, which leaves n in
// the low mantissa bits of the sum.
@inline export function expv(x: v128): v128 {
  x = f32x4.pmin(f32x4.pmax(x, k(EXP_MIN)), k(EXP_MAX));
  const shifted = f32x4.add(f32x4.mul(x, k(LOG2E)), k(ROUNDER));
  const n = f32x4.sub(shifted, k(ROUNDER));
  const r = f32x4.sub(f32x4.sub(x, f32x4.mul(n, k(LN2_HI))), f32x4.mul(n, k(LN2_LO)));
  let y = k(EXP_POLY);
  for (let i = 1; i < 6; i++) y = f32x4.add(f32x4.mul(y, r), k(EXP_POLY + i));
  y = f32x4.add(f32x4.add(f32x4.mul(y, f32x4.mul(r, r)), r), k(ONE));
  // 2ⁿ: the bits of `shifted` are 0x4B400000 + n; rebias n to the exponent field.
  const twoN = i32x4.shl(i32x4.add(shifted, i32x4.splat(127 - 0x4b400000)), 23);
  return f32x4.mul(y, twoN);
}

// σ(x) = 1 / (1 + e^−x)
@inline export function sigmoidv(x: v128): v128 {
  return f32x4.div(k(ONE), f32x4.add(k(ONE), expv(f32x4.neg(x))));
}

// tanh x: for |x| < 0.625 the odd Cephes polynomial x + x³·P(x²) (no cancellation near 0),
// otherwise sign(x)·(1 − 2 / (e^{2|x|} + 1)).
@inline export function tanhv(x: v128): v128 {
  const ax = f32x4.abs(x);
  const z = f32x4.mul(x, x);
  let p = k(TANH_POLY);
  for (let i = 1; i < 5; i++) p = f32x4.add(f32x4.mul(p, z), k(TANH_POLY + i));
  const small = f32x4.add(f32x4.mul(f32x4.mul(p, z), x), x);
  const big = f32x4.sub(k(ONE), f32x4.div(k(TWO), f32x4.add(expv(f32x4.add(ax, ax)), k(ONE))));
  const signedBig = v128.or(big, v128.and(x, i32x4.splat(0x80000000)));
  return v128.bitselect(small, signedBig, f32x4.lt(ax, k(TANH_SMALL)));
}

/** 1.0 in every lane, as a broadcast load (see CONSTANTS). */
@inline export function ones(): v128 {
  return k(ONE);
}
