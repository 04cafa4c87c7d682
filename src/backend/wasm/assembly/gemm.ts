// Packed, register-blocked single-precision GEMM over SIMD128 (Goto/BLIS loop order):
//
//   C[m×n] = alpha · op(A)[m×k] · op(B)[k×n] + beta · C
//
//   C *= beta once; then for each NC-wide column panel, for each KC-deep slice of k:
//     pack op(B)[KC×NC] into NR-wide strips (k-major), for each MC-tall row block:
//       pack op(A)[MC×KC] into MR-tall strips (k-major),
//       every MR×NR tile:  C_tile += alpha · Σ_p Astrip[p] ⊗ Bstrip[p]   (8 v128 accumulators).
//
// A product with a single row of C takes an unpacked GEMV path instead. Each element of C is
// accumulated in the same order whatever the tile or thread it falls in, so results do not
// depend on how C is split between threads.
// Pointers are byte addresses in the shared linear memory; leading dimensions count elements.

import { madd } from './simd';

const MR = 4; // rows of a micro-tile (one broadcast of A per row)
const NR = 8; // columns of a micro-tile (two v128 of B)
const KC = 256; // depth of a packed slice: an NR-strip of B (8 KiB) stays in L1
const MC = 128; // rows of a packed A block (128 KiB, in L2)
const NC = 2048; // columns of a packed B panel (2 MiB, in L3)

const PACK_A_BYTES: usize = MC * KC * 4;
const PACK_B_BYTES: usize = KC * NC * 4;
const TILE_BYTES: usize = MR * NR * 4;

// Scratch of the calling thread (each thread instantiates the module and gets its own globals).
let packA: usize = 0;
let packB: usize = 0;
let tile: usize = 0;

/** Bytes of scratch each thread needs; pass a 16-byte aligned block of that size to gemmInit. */
export function gemmScratchBytes(): usize {
  return PACK_A_BYTES + PACK_B_BYTES + TILE_BYTES;
}

export function gemmInit(scratch: usize): void {
  packA = scratch;
  packB = scratch + PACK_A_BYTES;
  tile = packB + PACK_B_BYTES;
}

/**
 * Slab `part` of `parts` of the product: C is cut into micro-tile-aligned slabs of column
 * strips (when C is at least as wide as tall) or of row strips, one per thread.
 */
export function gemm(
  transA: bool, transB: bool, m: i32, n: i32, k: i32, alpha: f32,
  a: usize, lda: i32, b: usize, ldb: i32, beta: f32, c: usize, ldc: i32, part: i32, parts: i32,
): void {
  gemmSlab(transA, transB, m, n, k, alpha, a, lda, b, ldb, 0, beta, c, ldc, part, parts);
}

/** Floats packRight writes for op(B) [k×n]: every KC-deep slice as NR-wide strips, zero-padded. */
export function packedRightFloats(k: i32, n: i32): i32 {
  return k * roundUp(n, NR);
}

/**
 * Packs op(B) [k×n] once for many products (gemmPacked): slice pc (KC rows deep) starts at float
 * pc·roundUp(n, NR) of dst and holds the strips gemmBlock would pack itself.
 */
export function packRight(transB: bool, k: i32, n: i32, b: usize, ldb: i32, dst: usize): void {
  const width = roundUp(n, NR);
  const bDepth = transB ? 1 : ldb, bCol = transB ? ldb : 1;
  for (let pc = 0; pc < k; pc += KC) {
    packStrips(dst + 4 * <usize>pc * width, b + 4 * <usize>pc * bDepth, min(KC, k - pc), n, NR, bDepth, bCol);
  }
}

/**
 * Slab `part` of `parts` of C = alpha·op(A)·P + beta·C, P [k×n] packed by packRight at `packed`.
 * Bit-identical to gemm on the same operands when m > 1 (a single row takes gemm's GEMV path).
 */
export function gemmPacked(
  transA: bool, m: i32, n: i32, k: i32, alpha: f32, a: usize, lda: i32, packed: usize,
  beta: f32, c: usize, ldc: i32, part: i32, parts: i32,
): void {
  gemmSlab(transA, false, m, n, k, alpha, a, lda, 0, 0, packed, beta, c, ldc, part, parts);
}

// The right operand is B (b, ldb, transB) or, when `packed` is not 0, packRight's copy of it.
function gemmSlab(
  transA: bool, transB: bool, m: i32, n: i32, k: i32, alpha: f32,
  a: usize, lda: i32, b: usize, ldb: i32, packed: usize, beta: f32, c: usize, ldc: i32, part: i32, parts: i32,
): void {
  if (n >= m) {
    const j0 = slabStart(n, NR, part, parts);
    const j1 = slabStart(n, NR, part + 1, parts);
    if (j1 <= j0) return;
    const bShift: usize = packed ? 0 : transB ? <usize>j0 * ldb : <usize>j0;
    gemmBlock(transA, transB, m, j1 - j0, k, alpha, a, lda, b + 4 * bShift, ldb, packed, n, j0,
      beta, c + <usize>j0 * 4, ldc, m == 1 && !packed);
  } else {
    const i0 = slabStart(m, MR, part, parts);
    const i1 = slabStart(m, MR, part + 1, parts);
    if (i1 <= i0) return;
    const aShift = transA ? <usize>i0 : <usize>i0 * lda;
    gemmBlock(transA, transB, i1 - i0, n, k, alpha, a + 4 * aShift, lda, b, ldb, packed, n, 0,
      beta, c + <usize>i0 * 4 * ldc, ldc, false);
  }
}

// First index of slab `part` when `len` is cut into `parts` runs of whole `unit`s.
@inline function slabStart(len: i32, unit: i32, part: i32, parts: i32): i32 {
  const units = (len + unit - 1) / unit;
  return min(len, <i32>((<i64>units * part) / parts) * unit);
}

@inline function roundUp(n: i32, unit: i32): i32 {
  return (n + unit - 1) / unit * unit;
}

// C[m×n] (+)= alpha·op(A)·op(B) for columns col0… of a right operand that is either B, packed
// here per KC slice, or packRight's copy at `packed` (of width packedN).
function gemmBlock(
  transA: bool, transB: bool, m: i32, n: i32, k: i32, alpha: f32, a: usize, lda: i32,
  b: usize, ldb: i32, packed: usize, packedN: i32, col0: i32,
  beta: f32, c: usize, ldc: i32, singleRow: bool,
): void {
  scaleMatrix(c, m, n, ldc, beta);
  if (k == 0 || alpha == 0) return;
  if (singleRow) {
    gemv(transA, transB, n, k, alpha, a, lda, b, ldb, c);
    return;
  }
  // Element strides of op(A)[i][p] and op(B)[p][j] in their stored matrices.
  const aRow = transA ? 1 : lda, aDepth = transA ? lda : 1;
  const bDepth = transB ? 1 : ldb, bCol = transB ? ldb : 1;
  const packedWidth = <usize>roundUp(packedN, NR);
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      let bPanel = packB;
      if (packed) bPanel = packed + 4 * (<usize>pc * packedWidth + <usize>(col0 + jc) * kc);
      else packStrips(packB, b + 4 * (<usize>pc * bDepth + <usize>jc * bCol), kc, nc, NR, bDepth, bCol);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        packStrips(packA, a + 4 * (<usize>ic * aRow + <usize>pc * aDepth), kc, mc, MR, aDepth, aRow);
        for (let jr = 0; jr < nc; jr += NR) {
          const bStrip = bPanel + <usize>jr * kc * 4;
          const cols = min(NR, nc - jr);
          for (let ir = 0; ir < mc; ir += MR) {
            const cTile = c + 4 * (<usize>(ic + ir) * ldc + jc + jr);
            microTile(kc, packA + <usize>ir * kc * 4, bStrip, alpha, cTile, ldc, min(MR, mc - ir), cols);
          }
        }
      }
    }
  }
}

/**
 * A single row of C (sampling and batch-1 inference), without packing:
 *   op(B) = Bᵀ:  c[j] += alpha · ⟨a, B[j, :]⟩, four columns at a time;
 *   op(B) = B:   c[:] += (alpha · a[p]) · B[p, :] for p in order.
 * A transposed a (stride lda) is first gathered into the A packing buffer.
 */
function gemv(transA: bool, transB: bool, n: i32, k: i32, alpha: f32, a: usize, lda: i32, b: usize, ldb: i32, c: usize): void {
  const aStride = transA ? lda : 1;
  if (!transB) {
    for (let p = 0; p < k; p++) rowAxpy(alpha * load<f32>(a + <usize>p * 4 * aStride), b + <usize>p * 4 * ldb, c, n);
    return;
  }
  if (aStride != 1) {
    for (let p = 0; p < k; p++) store<f32>(packA + <usize>p * 4, load<f32>(a + <usize>p * 4 * aStride));
    a = packA;
  }
  const rowBytes = <usize>ldb * 4;
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const b0 = b + <usize>j * rowBytes;
    v128.store(c + <usize>j * 4, f32x4.add(v128.load(c + <usize>j * 4), f32x4.mul(f32x4.splat(alpha), dot4(a, b0, rowBytes, k))));
  }
  for (; j < n; j++) {
    const cj = c + <usize>j * 4;
    store<f32>(cj, load<f32>(cj) + alpha * f32x4.extract_lane(dot4(a, b + <usize>j * rowBytes, 0, k), 0));
  }
}

/**
 * Row slab `part` of `parts` (whole groups of four rows) of the batch-1 step product
 *   y[j] = ⟨Wa[j, :], xa⟩ + ⟨Wb[j, :], xb⟩ + biasA[j] + biasB[j]
 * (Wa [n, kA], Wb [n, kB] dense; kB = 0 drops the second product, a 0 bias pointer adds nothing).
 */
export function matVecSum(
  n: i32, wa: usize, xa: usize, kA: i32, wb: usize, xb: usize, kB: i32,
  biasA: usize, biasB: usize, y: usize, part: i32, parts: i32,
): void {
  const rowA = <usize>kA * 4, rowB = <usize>kB * 4;
  const j1 = slabStart(n, 4, part + 1, parts);
  let j = slabStart(n, 4, part, parts);
  for (; j + 4 <= j1; j += 4) {
    let sums = f32x4.add(dot4(xa, wa + <usize>j * rowA, rowA, kA), dot4(xb, wb + <usize>j * rowB, rowB, kB));
    if (biasA) sums = f32x4.add(sums, v128.load(biasA + <usize>j * 4));
    if (biasB) sums = f32x4.add(sums, v128.load(biasB + <usize>j * 4));
    v128.store(y + <usize>j * 4, sums);
  }
  for (; j < j1; j++) {
    let sum = f32x4.extract_lane(dot4(xa, wa + <usize>j * rowA, 0, kA), 0) + f32x4.extract_lane(dot4(xb, wb + <usize>j * rowB, 0, kB), 0);
    if (biasA) sum += load<f32>(biasA + <usize>j * 4);
    if (biasB) sum += load<f32>(biasB + <usize>j * 4);
    store<f32>(y + <usize>j * 4, sum);
  }
}

// (⟨a, r0⟩, ⟨a, r1⟩, ⟨a, r2⟩, ⟨a, r3⟩) for the rows r_i = b + i·rowBytes of length k
// (rowBytes = 0 computes one dot product in every lane). Two accumulators per row (even and odd
// groups of four columns) keep eight independent add chains in flight.
@inline function dot4(a: usize, b: usize, rowBytes: usize, k: i32): v128 {
  let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
  let u0 = f32x4.splat(0), u1 = f32x4.splat(0), u2 = f32x4.splat(0), u3 = f32x4.splat(0);
  const b1 = b + rowBytes, b2 = b1 + rowBytes, b3 = b2 + rowBytes;
  let p = 0;
  for (; p + 8 <= k; p += 8) {
    const q = <usize>p * 4;
    const av = v128.load(a + q), aw = v128.load(a + q, 16);
    s0 = madd(av, v128.load(b + q), s0);
    s1 = madd(av, v128.load(b1 + q), s1);
    s2 = madd(av, v128.load(b2 + q), s2);
    s3 = madd(av, v128.load(b3 + q), s3);
    u0 = madd(aw, v128.load(b + q, 16), u0);
    u1 = madd(aw, v128.load(b1 + q, 16), u1);
    u2 = madd(aw, v128.load(b2 + q, 16), u2);
    u3 = madd(aw, v128.load(b3 + q, 16), u3);
  }
  if (p + 4 <= k) {
    const q = <usize>p * 4;
    const av = v128.load(a + q);
    s0 = madd(av, v128.load(b + q), s0);
    s1 = madd(av, v128.load(b1 + q), s1);
    s2 = madd(av, v128.load(b2 + q), s2);
    s3 = madd(av, v128.load(b3 + q), s3);
    p += 4;
  }
  s0 = f32x4.add(s0, u0); s1 = f32x4.add(s1, u1); s2 = f32x4.add(s2, u2); s3 = f32x4.add(s3, u3);
  // Transpose-and-add: lane i = horizontal sum of s_i.
  const t0 = f32x4.add(i32x4.shuffle(s0, s1, 0, 4, 1, 5), i32x4.shuffle(s0, s1, 2, 6, 3, 7));
  const t1 = f32x4.add(i32x4.shuffle(s2, s3, 0, 4, 1, 5), i32x4.shuffle(s2, s3, 2, 6, 3, 7));
  let sums = f32x4.add(i32x4.shuffle(t0, t1, 0, 1, 4, 5), i32x4.shuffle(t0, t1, 2, 3, 6, 7));
  for (; p < k; p++) {
    const q = <usize>p * 4;
    const ap = f32x4.splat(load<f32>(a + q));
    const bp = f32x4.replace_lane(f32x4.replace_lane(f32x4.replace_lane(f32x4.splat(load<f32>(b + q)), 1,
      load<f32>(b1 + q)), 2, load<f32>(b2 + q)), 3, load<f32>(b3 + q));
    sums = madd(ap, bp, sums);
  }
  return sums;
}

// y[0..n] += s · x[0..n]
@inline function rowAxpy(s: f32, x: usize, y: usize, n: i32): void {
  const sv = f32x4.splat(s);
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const q = <usize>j * 4;
    v128.store(y + q, madd(sv, v128.load(x + q), v128.load(y + q)));
  }
  for (; j < n; j++) store<f32>(y + <usize>j * 4, load<f32>(y + <usize>j * 4) + s * load<f32>(x + <usize>j * 4));
}

// C[i][j] = beta · C[i][j]; beta = 0 writes zeros (NaN is not propagated).
function scaleMatrix(c: usize, m: i32, n: i32, ldc: i32, beta: f32): void {
  if (beta == 1) return;
  for (let i = 0; i < m; i++) {
    const row = c + <usize>i * 4 * ldc;
    if (beta == 0) memory.fill(row, 0, <usize>n * 4);
    else for (let j = 0; j < n; j++) store<f32>(row + 4 * j, beta * load<f32>(row + 4 * j));
  }
}

/**
 * Packs a depth×width block of a matrix (element (p, w) at src + 4·(p·depthStride + w·widthStride))
 * into strips of `strip` columns: strip s holds (p, s·strip + q) at dst + 4·(s·depth·strip + p·strip + q),
 * zero-padded past `width`.
 */
function packStrips(dst: usize, src: usize, depth: i32, width: i32, strip: i32, depthStride: i32, widthStride: i32): void {
  for (let w0 = 0; w0 < width; w0 += strip) {
    const cols = min(strip, width - w0);
    const from = src + <usize>w0 * 4 * widthStride;
    let p = 0; // depths below p are packed by a vector path, the rest element by element
    if (cols == strip && widthStride == 1) {
      for (; p < depth; p++) {
        const s = from + <usize>p * 4 * depthStride;
        for (let q = 0; q < strip; q += 4) v128.store(dst + 4 * (p * strip + q), v128.load(s + 4 * q));
      }
    } else if (cols == strip && depthStride == 1) {
      for (; p + 4 <= depth; p += 4) {
        for (let q = 0; q < strip; q += 4) transpose4(from + 4 * (<usize>q * widthStride + p), <usize>widthStride * 4, dst + 4 * (p * strip + q), <usize>strip * 4);
      }
    }
    for (let q = 0; q < strip; q++) {
      const s = from + <usize>q * 4 * widthStride;
      for (let pp = p; pp < depth; pp++) {
        store<f32>(dst + 4 * (pp * strip + q), q < cols ? load<f32>(s + <usize>pp * 4 * depthStride) : 0);
      }
    }
    dst += <usize>depth * 4 * strip;
  }
}

// Stores the transpose of the 4×4 block with rows at src + i·srcStride as rows at dst + i·dstStride.
@inline function transpose4(src: usize, srcStride: usize, dst: usize, dstStride: usize): void {
  const r0 = v128.load(src), r1 = v128.load(src + srcStride);
  const r2 = v128.load(src + 2 * srcStride), r3 = v128.load(src + 3 * srcStride);
  const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5), t1 = i32x4.shuffle(r0, r1, 2, 6, 3, 7);
  const t2 = i32x4.shuffle(r2, r3, 0, 4, 1, 5), t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
  v128.store(dst, i32x4.shuffle(t0, t2, 0, 1, 4, 5));
  v128.store(dst + dstStride, i32x4.shuffle(t0, t2, 2, 3, 6, 7));
  v128.store(dst + 2 * dstStride, i32x4.shuffle(t1, t3, 0, 1, 4, 5));
  v128.store(dst + 3 * dstStride, i32x4.shuffle(t1, t3, 2, 3, 6, 7));
}

// C_tile[r][0..8] += alpha · Σ_p a[p][r] · b[p][0..8] for the rows × cols valid part of the tile.
@inline function microTile(kc: i32, ap: usize, bp: usize, alpha: f32, c: usize, ldc: i32, rows: i32, cols: i32): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(bp), b1 = v128.load(bp, 16);
    let av = v128.load32_splat(ap);
    c00 = madd(av, b0, c00);
    c01 = madd(av, b1, c01);
    av = v128.load32_splat(ap, 4);
    c10 = madd(av, b0, c10);
    c11 = madd(av, b1, c11);
    av = v128.load32_splat(ap, 8);
    c20 = madd(av, b0, c20);
    c21 = madd(av, b1, c21);
    av = v128.load32_splat(ap, 12);
    c30 = madd(av, b0, c30);
    c31 = madd(av, b1, c31);
    ap += MR * 4;
    bp += NR * 4;
  }
  const al = f32x4.splat(alpha);
  if (rows == MR && cols == NR) {
    const ld = <usize>ldc * 4;
    addScaledRow(c, al, c00, c01);
    addScaledRow(c + ld, al, c10, c11);
    addScaledRow(c + 2 * ld, al, c20, c21);
    addScaledRow(c + 3 * ld, al, c30, c31);
    return;
  }
  v128.store(tile, c00); v128.store(tile, c01, 16);
  v128.store(tile, c10, 32); v128.store(tile, c11, 48);
  v128.store(tile, c20, 64); v128.store(tile, c21, 80);
  v128.store(tile, c30, 96); v128.store(tile, c31, 112);
  for (let r = 0; r < rows; r++) {
    const row = c + <usize>r * 4 * ldc;
    for (let j = 0; j < cols; j++) {
      store<f32>(row + 4 * j, load<f32>(row + 4 * j) + alpha * load<f32>(tile + 4 * (r * NR + j)));
    }
  }
}

// row[0..8] += alpha · (lo, hi)
@inline function addScaledRow(row: usize, alpha: v128, lo: v128, hi: v128): void {
  v128.store(row, f32x4.add(v128.load(row), f32x4.mul(alpha, lo)));
  v128.store(row, f32x4.add(v128.load(row, 16), f32x4.mul(alpha, hi)), 16);
}
