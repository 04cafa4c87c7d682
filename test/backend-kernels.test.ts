// Every kernel of the wasm backend (each build) and of the native backend (each kernel build this
// CPU runs: AVX-512, AVX2 + FMA, portable C) against the reference backend on random inputs of
// awkward sizes, with 1 and 2 threads; GEMM in all transposes with alpha/beta, offsets and leading
// dimensions; bit-identical results for repeated runs and across thread counts (GEMM and matVecSum).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Backend, F32, Storage } from '../src/backend/backend.ts';
import { ReferenceBackend } from '../src/backend/reference/index.ts';
import { createWasmBackend } from '../src/backend/wasm/index.ts';
import { loadNativeBackend, nativeIsas, type NativeIsa } from '../src/backend/native/index.ts';

const SIZES = [1, 3, 17, 255, 1000];

/** Deterministic uniform numbers (mulberry32). */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A float32 argument filled uniformly from [lo, hi), or an int32 argument with given values. */
type ArrayArg = { f32: number; lo?: number; hi?: number } | { i32: number[] };
type Arg = number | boolean | string | null | ArrayArg;
const f32 = (n: number, lo = -2, hi = 2): ArrayArg => ({ f32: n, lo, hi });
const i32 = (values: number[]): ArrayArg => ({ i32: values });
const isArray = (a: Arg): a is ArrayArg => typeof a === 'object' && a !== null;

function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0, norm = 0;
  for (let i = 0; i < b.length; i++) {
    diff += (a[i] - b[i]) ** 2;
    norm += b[i] ** 2;
  }
  return norm === 0 ? Math.sqrt(diff) : Math.sqrt(diff / norm);
}

/** Materialises the arguments in a backend (arrays from the same seed in every backend). */
function materialise(backend: Backend, args: Arg[], seed: number): unknown[] {
  const next = rng(seed);
  return args.map((a) => {
    if (!isArray(a)) return a;
    if ('i32' in a) {
      const x = backend.alloc(a.i32.length, 'int32');
      x.set(a.i32);
      return x;
    }
    const x = backend.alloc(a.f32, 'float32');
    for (let i = 0; i < a.f32; i++) x[i] = a.lo! + (a.hi! - a.lo!) * next();
    return x;
  });
}

/** Runs a kernel on the backend under test and the reference; every array and the result must agree. */
function agree(be: Backend, name: keyof Backend, args: Arg[], tolerance = 1e-5, seed = 1): void {
  const reference = new ReferenceBackend();
  const w = materialise(be, args, seed), r = materialise(reference, args, seed);
  const call = (b: Backend, xs: unknown[]) => (b[name] as (...a: unknown[]) => unknown).apply(b, xs);
  const wOut = call(be, w), rOut = call(reference, r);
  if (typeof rOut === 'number') assert.ok(Math.abs((wOut as number) - rOut) <= tolerance * Math.max(1, Math.abs(rOut)), `${name}: ${wOut} vs ${rOut}`);
  args.forEach((a, i) => {
    if (!isArray(a)) return;
    const err = relativeError(w[i] as Storage, r[i] as Storage);
    assert.ok(err <= tolerance, `${name} argument ${i}: relative error ${err}`);
    be.free(w[i] as Storage);
  });
}

/** agree() for a kernel that takes one argument object: the same checks on its named fields. */
function agreeNamed(be: Backend, name: keyof Backend, args: Record<string, Arg>, tolerance = 1e-5): void {
  const names = Object.keys(args);
  const reference = new ReferenceBackend();
  const w = materialise(be, Object.values(args), 1), r = materialise(reference, Object.values(args), 1);
  const call = (b: Backend, xs: unknown[]) => (b[name] as (a: unknown) => unknown).call(b, Object.fromEntries(names.map((k, i) => [k, xs[i]])));
  call(be, w);
  call(reference, r);
  names.forEach((k, i) => {
    if (!isArray(args[k])) return;
    const err = relativeError(w[i] as Storage, r[i] as Storage);
    assert.ok(err <= tolerance, `${name} argument ${k}: relative error ${err}`);
    be.free(w[i] as Storage);
  });
}

/** The C of a GEMM case run as packMatrix + gemmPacked on a backend, as a plain array. */
function gemmPackedResult(backend: Backend, args: Arg[]): number[] {
  const [transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc] = materialise(backend, args, 9) as
    [boolean, boolean, number, number, number, number, F32, number, number, F32, number, number, number, F32, number, number];
  const right = backend.packMatrix(transB, k, n, b, bOff, ldb);
  b.fill(Number.NaN); // the packed copy must not read B again
  backend.gemmPacked(transA, m, alpha, a, aOff, lda, right, beta, c, cOff, ldc);
  backend.freePacked(right);
  return Array.from(c);
}

type GemmCase = [transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number, beta: number];

/** GEMM with padded leading dimensions and offsets into larger arrays. */
function gemmArgs([transA, transB, m, n, k, alpha, beta]: GemmCase): Arg[] {
  const [aRows, aCols] = transA ? [k, m] : [m, k];
  const [bRows, bCols] = transB ? [n, k] : [k, n];
  const lda = aCols + 3, ldb = bCols + 1, ldc = n + 2;
  return [transA, transB, m, n, k, alpha, f32(5 + aRows * lda), 5, lda, f32(2 + bRows * ldb), 2, ldb, beta, f32(7 + m * ldc), 7, ldc];
}

/** The C of a GEMM case run on a backend, as a plain array. */
function gemmResult(backend: Backend, args: Arg[]): number[] {
  const xs = materialise(backend, args, 9);
  (backend.gemm as (...a: unknown[]) => void).apply(backend, xs);
  return Array.from(xs[13] as Float32Array);
}

const GEMM_SHAPES: [number, number, number][] = [
  [1, 1, 1], [1, 1000, 17], [1, 7, 255], [3, 17, 5], [17, 3, 255], [255, 17, 33], [33, 1000, 7], [130, 261, 300], [5, 2100, 3],
];
const TRANSPOSES: [boolean, boolean][] = [[false, false], [false, true], [true, false], [true, true]];
const SCALARS: [number, number][] = [[1, 0], [0.5, 1], [-1.5, 0.25], [0, 2]];

/** A backend under test: its label and how to create it with a thread count. */
type ClosableBackend = Backend & { close(): void };

interface Subject {
  label: string;
  create(threads: number): Promise<ClosableBackend>;
}

const wasmBuild = (fusedMultiplyAdd: boolean): Subject => ({
  label: `wasm backend, ${fusedMultiplyAdd ? 'fused multiply-add' : 'plain SIMD128'} build`,
  create: (threads) => createWasmBackend({ threads, fusedMultiplyAdd }),
});
const nativeBuild = (isa: NativeIsa): Subject => ({
  label: `native backend, ${isa} kernels`,
  create: async (threads) => loadNativeBackend({ threads, isa }),
});
// Every native kernel build this CPU runs (on an AVX-512 CPU: the AVX2 and portable paths too).
const SUBJECTS = [wasmBuild(true), wasmBuild(false), ...nativeIsas().map(nativeBuild)];

for (const subject of SUBJECTS) for (const threads of [1, 2]) {
  describe(`${subject.label}, ${threads} thread(s)`, () => {
    let be: ClosableBackend;
    before(async () => {
      be = await subject.create(threads);
    });
    after(() => be.close());

    test('reports its thread count', () => assert.equal(be.threads, threads));

    test('gemm: all transposes, alpha/beta, offsets, leading dimensions', () => {
      let s = 0;
      for (const [m, n, k] of GEMM_SHAPES) {
        for (const [ta, tb] of TRANSPOSES) {
          const [alpha, beta] = SCALARS[s++ % SCALARS.length];
          agree(be, 'gemm', gemmArgs([ta, tb, m, n, k, alpha, beta]), 1e-5, s);
        }
      }
    });

    test('gemm: big products split across threads are bit-identical run to run and to 1 thread', async () => {
      const single = await subject.create(1);
      // The second shape leaves a one-row slab, which must still take the packed path.
      for (const shape of [[false, true, 300, 520, 140, 1, 0.5], [true, false, 5, 4, 30000, -1, 0]] as GemmCase[]) {
        const args = gemmArgs(shape);
        const first = gemmResult(be, args);
        assert.deepEqual(gemmResult(be, args), first);
        assert.deepEqual(gemmResult(single, args), first);
        assert.ok(relativeError(first, gemmResult(new ReferenceBackend(), args)) <= 1e-5);
      }
      single.close();
    });

    test('gemmPacked: awkward sizes and transposes agree with the reference; bit-identical to gemm (m > 1) and to 1 thread', async () => {
      const single = await subject.create(1);
      let s = 0;
      const shapes: [number, number, number][] = [...GEMM_SHAPES, [32, 1024, 256], [32, 256, 1024], [37, 390, 600]];
      for (const [m, n, k] of shapes) {
        for (const [ta, tb] of TRANSPOSES) {
          const args = gemmArgs([ta, tb, m, n, k, ...SCALARS[s++ % SCALARS.length]]);
          const packed = gemmPackedResult(be, args);
          assert.ok(relativeError(packed, gemmResult(new ReferenceBackend(), args)) <= 1e-5, `${m}×${n}×${k} ${ta}/${tb}`);
          assert.deepEqual(gemmPackedResult(single, args), packed);
          if (m > 1) assert.deepEqual(gemmResult(be, args), packed);
        }
      }
      single.close();
    });

    test('matVecSum: one or two products, biases or none, offsets, awkward sizes; split across threads bit-identically', async () => {
      for (const [n, kA, kB] of [[1, 1, 0], [3, 5, 7], [17, 255, 3], [1030, 64, 256], [5, 2, 0]]) {
        const second = kB > 0;
        agree(be, 'matVecSum', [n, f32(n * kA), f32(kA + 3), 3, kA, second ? f32(n * kB) : null, second ? f32(kB) : null, kB,
          f32(n), n % 2 ? f32(n) : null, f32(n)]);
      }
      const single = await subject.create(1);
      const args: Arg[] = [1030, f32(1030 * 64), f32(64), 0, 64, f32(1030 * 256), f32(256), 256, f32(1030), f32(1030), f32(1030)];
      const result = (backend: Backend) => {
        const xs = materialise(backend, args, 4);
        (backend.matVecSum as (...a: unknown[]) => void).apply(backend, xs);
        return Array.from(xs[10] as Float32Array);
      };
      const first = result(be);
      assert.deepEqual(result(be), first);
      assert.deepEqual(result(single), first);
      single.close();
    });

    test('elementwise and reductions', () => {
      for (const n of SIZES) {
        agree(be, 'fill', [f32(n + 3), 1.25, n, 2]);
        agree(be, 'copy', [f32(n + 1), 1, f32(n + 2), 2, n]);
        for (const op of ['tanh', 'sigmoid', 'relu', 'exp', 'neg'] as const) {
          agree(be, 'unary', [op, f32(n, -9, 9), f32(n), n]);
          agree(be, 'unaryBackward', [op, f32(n), f32(n, 0, 1), f32(n), f32(n), n]);
        }
        agree(be, 'unary', ['log', f32(n, 0.01, 5), f32(n), n]);
        agree(be, 'unaryBackward', ['log', f32(n, 0.5, 5), f32(n), f32(n), f32(n), n]);
        for (const op of ['add', 'sub', 'mul', 'div'] as const) {
          agree(be, 'binary', [op, f32(n), f32(n, 0.5, 2), f32(n), n, n]);
          agree(be, 'binary', [op, f32(3 * n), f32(n, 0.5, 2), f32(3 * n), 3 * n, n]);
        }
        for (const [lo, hi] of [[-0.3, 0.7], [0, 6], [-Infinity, 1], [0.1, 0.1]]) {
          agreeNamed(be, 'clamp', { x: f32(n), y: f32(n), n, lo, hi }, 0);
          agreeNamed(be, 'clampBackward', { x: f32(n), dy: f32(n), dx: f32(n), n, lo, hi }, 0);
        }
        agree(be, 'axpy', [-0.75, f32(n + 4), 4, f32(n + 1), 1, n]);
        agree(be, 'scale', [f32(n), 1.5, n]);
        agree(be, 'sumRows', [f32(3 * n), 3, n, f32(n), false]);
        agree(be, 'sumRows', [f32(5 * n), n, 5, f32(5), true]);
        agree(be, 'sumSquares', [f32(n), n]);
        agree(be, 'sum', [f32(n), n]);
      }
    });

    test('softmax, cross-entropy, gather, scatter-add', () => {
      for (const cols of [1, 3, 17, 84, 255]) {
        const rows = 5;
        agree(be, 'softmax', [f32(rows * cols, -30, 30), f32(rows * cols), rows, cols]);
        agree(be, 'logSoftmax', [f32(rows * cols, -30, 30), f32(rows * cols), rows, cols]);
        const targets = i32([0, cols - 1, -100, Math.floor(cols / 2), 0]);
        for (const weights of [null, f32(cols, 0.5, 2)]) {
          agree(be, 'crossEntropyForward', [f32(rows * cols, -5, 5), targets, rows, cols, weights, -100, f32(rows * cols), f32(rows)]);
          agree(be, 'crossEntropyBackward', [f32(rows * cols, 0, 1), targets, rows, cols, weights, -100, 0.3, f32(rows * cols)]);
        }
      }
      for (const dim of [1, 3, 17, 255]) {
        const ids = i32([2, 0, 2, 5, 1, 2, 0]);
        agree(be, 'gather', [f32(6 * dim), dim, ids, 7, f32(7 * dim)]);
        agree(be, 'scatterAdd', [f32(7 * dim), dim, ids, 7, f32(6 * dim)]);
      }
    });

    test('fused recurrent cells, with and without lengths and outputs; big batches split by rows across threads', () => {
      // 37 rows of width 255 are enough for the team (PARALLEL_MIN_CELL_ELEMENTS): uneven row slabs.
      const lengths37 = i32(Array.from({ length: 37 }, (_, b) => 1 + ((b * 7) % 5)));
      for (const H of [1, 3, 17, 255]) {
        for (const [B, lengths] of [[1, null], [3, i32([4, 2, 5])], [37, lengths37], [37, null]] as const) {
          const t = 3, o = 2; // t = 3: the row of length 2 is inactive
          for (const act of ['tanh', 'relu'] as const) {
            agree(be, 'rnnCellForward', [act, B, H, f32(o + B * H), o, f32(B * H + 1), 1, f32(B * H + 3), 3, f32(o + B * H), o, lengths, t]);
            agree(be, 'rnnCellBackward', [act, B, H, f32(B * H + 1, -1, 1), 1, f32(B * H), 0, f32(B * H), f32(o + B * H), o, lengths, t]);
          }
          const G = 4 * B * H;
          agree(be, 'lstmCellForward', [B, H, f32(o + G, -4, 4), o, f32(B * H + 1), 1, f32(B * H), 0, f32(B * H), 0, f32(B * H + 2), 2, null, 0, lengths, t]);
          agree(be, 'lstmCellForward', [B, H, f32(G, -4, 4), 0, f32(B * H), 0, f32(B * H), 0, f32(B * H), 0, f32(B * H), 0, f32(B * H + 1), 1, lengths, t]);
          agree(be, 'lstmCellBackward', [B, H, f32(o + G, 0, 1), o, f32(B * H), 0, f32(B * H + 3), 3, f32(B * H), 0, f32(B * H), f32(B * H), f32(G + 1), 1, lengths, t]);
          agree(be, 'lstmCellBackward', [B, H, f32(G, 0, 1), 0, f32(B * H), 0, f32(B * H), 0, null, 0, f32(B * H), f32(B * H), f32(G), 0, lengths, t]);
          const X = 3 * B * H;
          agree(be, 'gruCellForward', [B, H, f32(X + 1, -4, 4), 1, f32(X + 2), 2, f32(B * H), 0, f32(B * H + 1), 1, f32(B * H), 0, lengths, t]);
          agree(be, 'gruCellBackward', [B, H, f32(X, 0, 1), 0, f32(X + 1), 1, f32(B * H + 2), 2, f32(B * H), 0, f32(B * H), f32(X + 3), 3, f32(X), 0, lengths, t]);
          agree(be, 'gruResetGateForward', [B, H, f32(X + 1, -4, 4), 1, f32(X), 0, f32(B * H + 2), 2, f32(B * H + 1), 1]);
          agree(be, 'gruResetBeforeForward', [B, H, f32(X, 0, 1), 0, f32(X + 2, -3, 3), 2, f32(B * H), 0, f32(B * H), 0, null, 0, lengths, t]);
          agree(be, 'gruResetBeforeBackward', [B, H, f32(X + 1, 0, 1), 1, f32(B * H), 0, f32(B * H), 0, f32(B * H), f32(X), 0, f32(X + 2), 2, lengths, t]);
          agree(be, 'gruResetGateBackward', [B, H, f32(X, 0, 1), 0, f32(B * H + 1), 1, f32(B * H), f32(B * H), f32(X + 1), 1, f32(X), 0]);
        }
      }
    });

    test('optimizer updates', () => {
      for (const n of SIZES) {
        agree(be, 'sgdUpdate', [f32(n), f32(n), null, n, 0.1, 0, 0, 0.01, false, true]);
        agree(be, 'sgdUpdate', [f32(n), f32(n), f32(n), n, 0.1, 0.9, 0.1, 0, false, false]);
        agree(be, 'sgdUpdate', [f32(n), f32(n), f32(n), n, 0.1, 0.9, 0, 0.01, true, true]);
        for (const decoupled of [false, true]) {
          agree(be, 'adamUpdate', [f32(n), f32(n), f32(n, -0.1, 0.1), f32(n, 0, 0.1), n, 2e-3, 0.9, 0.999, 1e-8, 0.01, decoupled, 7]);
        }
        agree(be, 'rmspropUpdate', [f32(n), f32(n), f32(n, 0, 1), n, 0.01, 0.99, 1e-8, 0.001]);
        agree(be, 'adagradUpdate', [f32(n), f32(n), f32(n, 0, 1), n, 0.01, 1e-10, 0]);
      }
    });

    test('alloc returns zeroed, aligned, reusable storage and rejects foreign arrays', () => {
      const a = be.alloc(1000, 'float32');
      a.fill(3);
      be.free(a);
      const b = be.alloc(999, 'float32');
      assert.equal(b.byteOffset % 16, 0);
      assert.ok(b.every((v) => v === 0));
      const ids = be.alloc(3, 'int32');
      assert.ok(ids instanceof Int32Array);
      be.free(b);
      be.free(ids);
      assert.throws(() => be.free(new Float32Array(4)), /not a live block/);
      assert.throws(() => be.free(b), /not a live block/);
      assert.throws(() => be.scale(new Float32Array(4), 2, 4), /not allocated by this backend/);
      // A big reused block is cleared by the thread team when there is one.
      const big = be.alloc(300_001, 'float32');
      big.fill(-1);
      be.free(big);
      const again = be.alloc(300_000, 'float32');
      assert.equal(again.byteOffset, big.byteOffset, 'the block is reused');
      assert.ok(again.every((v) => v === 0));
      be.free(again);
    });
  });
}
