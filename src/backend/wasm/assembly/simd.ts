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

@inline export function splat(x: f32): v128 {
  return f32x4.splat(x);
}

// e^x (Cephes expf): x = n·ln2 + r with |r| ≤ ln2/2, e^r by a degree-5 polynomial, 2ⁿ by exponent
// bits; about 1 ulp. The input is clamped to [−87.3, 88.37], the normal float range of e^x
// (pmin/pmax: one instruction each, NaN passes through).
// n = round(x·log₂e) by adding 1.5·2²³, which leaves n in the low mantissa bits of the sum.
@inline export function expv(x: v128): v128 {
  x = f32x4.pmin(f32x4.pmax(x, splat(-87.3)), splat(88.37));
  const shifted = f32x4.add(f32x4.mul(x, splat(1.44269504088896341)), splat(12582912.0));
  const n = f32x4.sub(shifted, splat(12582912.0));
  let r = f32x4.sub(x, f32x4.mul(n, splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(n, splat(-2.12194440e-4)));
  let y = splat(1.9875691500e-4);
  y = f32x4.add(f32x4.mul(y, r), splat(1.3981999507e-3));
  y = f32x4.add(f32x4.mul(y, r), splat(8.3334519073e-3));
  y = f32x4.add(f32x4.mul(y, r), splat(4.1665795894e-2));
  y = f32x4.add(f32x4.mul(y, r), splat(1.6666665459e-1));
  y = f32x4.add(f32x4.mul(y, r), splat(5.0000001201e-1));
  y = f32x4.add(f32x4.add(f32x4.mul(y, f32x4.mul(r, r)), r), splat(1));
  // 2ⁿ: the bits of `shifted` are 0x4B400000 + n; rebias n to the exponent field.
  const twoN = i32x4.shl(i32x4.add(shifted, i32x4.splat(127 - 0x4b400000)), 23);
  return f32x4.mul(y, twoN);
}

// σ(x) = 1 / (1 + e^−x)
@inline export function sigmoidv(x: v128): v128 {
  return f32x4.div(splat(1), f32x4.add(splat(1), expv(f32x4.neg(x))));
}

// tanh x: for |x| < 0.625 the odd Cephes polynomial x + x³·P(x²) (no cancellation near 0),
// otherwise sign(x)·(1 − 2 / (e^{2|x|} + 1)).
@inline export function tanhv(x: v128): v128 {
  const ax = f32x4.abs(x);
  const z = f32x4.mul(x, x);
  let p = splat(-5.70498872745e-3);
  p = f32x4.add(f32x4.mul(p, z), splat(2.06390887954e-2));
  p = f32x4.add(f32x4.mul(p, z), splat(-5.37397155531e-2));
  p = f32x4.add(f32x4.mul(p, z), splat(1.33314422036e-1));
  p = f32x4.add(f32x4.mul(p, z), splat(-3.33332819422e-1));
  const small = f32x4.add(f32x4.mul(f32x4.mul(p, z), x), x);
  const big = f32x4.sub(splat(1), f32x4.div(splat(2), f32x4.add(expv(f32x4.add(ax, ax)), splat(1))));
  const signedBig = v128.or(big, v128.and(x, i32x4.splat(0x80000000)));
  return v128.bitselect(small, signedBig, f32x4.lt(ax, splat(0.625)));
}
