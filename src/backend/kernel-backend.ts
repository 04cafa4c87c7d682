/**
 * The kernel layer shared by the wasm and the native backend: both keep tensors in one memory of
 * their own (a WebAssembly.Memory, or the native addon's arena) and export the same kernels over
 * byte offsets into it, so one class turns the Backend contract into kernel calls for both.
 */
import type { Backend, BinaryOp, ClampArgs, ClampBackwardArgs, DType, F32, I32, PackedMatrix, RecurrentActivation, Storage, UnaryOp, Word2VecJob } from './backend.ts';
import type { BlockHeap } from './block-heap.ts';
import { ROW_COUNT, type RowKernel } from './wasm/team-protocol.mjs';

/**
 * The kernels of a pointer backend: the wasm module's exports (src/backend/wasm/assembly) or the
 * native addon's (src/backend/native/addon.c), with the same names and arguments. Pointers are
 * byte offsets into the backend's memory (0 = absent).
 */
export interface Kernels {
  /** Slab `part` of `parts` of C = alpha·op(A)·op(B) + beta·C. */
  gemm(transA: boolean | number, transB: boolean | number, m: number, n: number, k: number, alpha: number,
    a: number, lda: number, b: number, ldb: number, beta: number, c: number, ldc: number, part: number, parts: number): void;
  packedRightFloats(k: number, n: number): number;
  packRight(transB: boolean | number, k: number, n: number, b: number, ldb: number, dst: number): void;
  /** Slab `part` of `parts` of C = alpha·op(A)·P + beta·C, P packed by packRight. */
  gemmPacked(transA: boolean | number, m: number, n: number, k: number, alpha: number, a: number, lda: number, packed: number,
    beta: number, c: number, ldc: number, part: number, parts: number): void;
  /** Row slab `part` of `parts` of y = Wa·xa + Wb·xb + biasA + biasB (0 = absent). */
  matVecSum(n: number, wa: number, xa: number, kA: number, wb: number, xb: number, kB: number,
    biasA: number, biasB: number, y: number, part: number, parts: number): void;
  fill(x: number, value: number, n: number): void;
  copy(x: number, y: number, n: number): void;
  unary(op: number, x: number, y: number, n: number): void;
  unaryBackward(op: number, x: number, y: number, dy: number, dx: number, n: number): void;
  clamp(x: number, y: number, n: number, lo: number, hi: number): void;
  clampBackward(x: number, dy: number, dx: number, n: number, lo: number, hi: number): void;
  binary(op: number, a: number, b: number, out: number, n: number, bLen: number): void;
  axpy(alpha: number, x: number, y: number, n: number): void;
  scale(x: number, alpha: number, n: number): void;
  sumRows(x: number, rows: number, cols: number, out: number, accumulate: boolean): void;
  sum(x: number, n: number, squares: boolean): number;
  logSoftmax(x: number, out: number, rows: number, cols: number): void;
  softmax(x: number, out: number, rows: number, cols: number): void;
  crossEntropyForward(logits: number, targets: number, rows: number, cols: number, weights: number, ignoreIndex: number, probs: number, loss: number): void;
  crossEntropyBackward(probs: number, targets: number, rows: number, cols: number, weights: number, ignoreIndex: number, scale: number, dLogits: number): void;
  gather(table: number, dim: number, ids: number, n: number, out: number): void;
  scatterAdd(dOut: number, dim: number, ids: number, n: number, dTable: number): void;
  rnnCellForward(act: number, B: number, H: number, pre: number, hPrev: number, h: number, out: number, lengths: number, t: number): void;
  rnnCellBackward(act: number, B: number, H: number, h: number, dOut: number, dh: number, dPre: number, lengths: number, t: number): void;
  lstmCellForward(B: number, H: number, gates: number, cPrev: number, hPrev: number, c: number, h: number, out: number, lengths: number, t: number): void;
  lstmCellBackward(B: number, H: number, gates: number, cPrev: number, c: number, dOut: number, dh: number, dc: number, dGates: number, lengths: number, t: number): void;
  gruGates(B: number, H: number, xg: number, hg: number, hPrev: number, rh: number, lengths: number, t: number): void;
  gruBlend(B: number, H: number, xg: number, hg: number, hPrev: number, h: number, out: number, lengths: number, t: number, resetAfter: number): void;
  gruUpdateBackward(B: number, H: number, xg: number, hPrev: number, dOut: number, dh: number, dXg: number, dHg: number, lengths: number, t: number): void;
  gruResetAfterBackward(B: number, H: number, xg: number, hg: number, dXg: number, dHg: number, lengths: number, t: number): void;
  gruResetGateBackward(B: number, H: number, xg: number, hPrev: number, dRh: number, dh: number, dXg: number, dHg: number): void;
  sgdUpdate(p: number, g: number, buf: number, n: number, lr: number, momentum: number, dampening: number, weightDecay: number, nesterov: boolean, firstStep: boolean): void;
  adamUpdate(p: number, g: number, m: number, v: number, n: number, lr: number, beta1: number, beta2: number, eps: number, weightDecay: number,
    decoupled: boolean, stepSize: number, bc2Sqrt: number): void;
  adaptiveUpdate(p: number, g: number, acc: number, n: number, lr: number, decay: number, gain: number, eps: number, weightDecay: number): void;
}

const UNARY_CODE: Record<UnaryOp, number> = { tanh: 0, sigmoid: 1, relu: 2, exp: 3, log: 4, neg: 5 };
const BINARY_CODE: Record<BinaryOp, number> = { add: 0, sub: 1, mul: 2, div: 3 };
const ACTIVATION_CODE: Record<RecurrentActivation, number> = { tanh: 0, relu: 1 };

/** Products below this many multiply-adds run on the calling thread only. */
const PARALLEL_MIN_MACS = 1 << 19;
/**
 * The same for matVecSum: its slabs are rows of weights streamed once, with no packing, so the
 * team pays off for much smaller products (a 1024 × 64 step product takes ≈ 7 µs).
 */
const PARALLEL_MIN_MATVEC_MACS = 1 << 16;
/** Reused heap blocks of fewer floats than this are cleared on the calling thread. */
const PARALLEL_MIN_ZERO_FLOATS = 1 << 18;
/** Cell kernels over fewer than this many batch elements (rows · hidden) run on the calling thread. */
const PARALLEL_MIN_CELL_ELEMENTS = 4096;

/** A packed right operand: packRight's layout in the backend's memory. */
interface KernelPacked extends PackedMatrix {
  data: F32;
}

/**
 * Products and row-wise kernels split across threads: the wasm backend's GemmTeam (workers) or the
 * native addon's pthread team. Same arguments as the kernels, without the slab.
 */
export interface Team {
  readonly threads: number;
  gemm(transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number,
    a: number, lda: number, b: number, ldb: number, beta: number, c: number, ldc: number): void;
  gemmPacked(transA: boolean, m: number, n: number, k: number, alpha: number, a: number, lda: number, packed: number,
    beta: number, c: number, ldc: number): void;
  matVecSum(n: number, wa: number, xa: number, kA: number, wb: number, xb: number, kB: number, biasA: number, biasB: number, y: number): void;
  /**
   * A row-wise kernel over `rows` batch rows: args are its arguments for all rows, strides each
   * argument's bytes per row (0: not per row; ROW_COUNT: the row count).
   */
  rows(kernel: RowKernel, rows: number, args: readonly number[], strides: readonly number[]): void;
  close(): void;
}

/** Clears a reused heap block: by the team's threads when it is big and the team exists. */
export function blockZeroer(kernels: Kernels, team: () => Team | null): (offset: number, bytes: number) => void {
  return (offset, bytes) => {
    const n = bytes / 4, t = team();
    if (t && t.threads > 1 && n >= PARALLEL_MIN_ZERO_FLOATS) t.rows('fill', n, [offset, 0, n], [4, 0, ROW_COUNT]);
    else kernels.fill(offset, 0, n);
  };
}

/**
 * Every kernel of the Backend contract over storage that lives in the backend's own memory
 * (arrays are views into it, so no kernel call copies): the argument translation from arrays and
 * offsets to byte addresses, and the choice between the calling thread and the team, shared by
 * the wasm and the native backend.
 */
export abstract class KernelBackend implements Backend {
  /** Byte address of element `off` of an array of this backend; 0 stands for an absent (null) array. */
  private readonly at: (x: Storage | null, off?: number) => number;

  constructor(readonly name: string, private readonly k: Kernels, private readonly heap: BlockHeap, private readonly team: Team) {
    this.at = (x, off = 0) => {
      if (!x) return 0;
      if (!heap.owns(x)) throw new TypeError(`${name} backend: an array of length ${x.length} was not allocated by this backend (use backend.alloc)`);
      return x.byteOffset + 4 * off;
    };
  }

  get threads(): number {
    return this.team.threads;
  }

  /** Byte address of element `off` of an array of this backend; 0 for an absent (null) array. */
  protected addressOf(x: Storage | null, off = 0): number {
    return this.at(x, off);
  }

  get memoryLimit(): number {
    return this.heap.maxBytes;
  }

  /** Stops the team's threads; the backend must not be used afterwards. */
  close(): void {
    this.team.close();
  }

  alloc(n: number, dtype: 'float32'): F32;
  alloc(n: number, dtype: 'int32'): I32;
  alloc(n: number, dtype: DType): Storage;
  alloc(n: number, dtype: DType): Storage {
    return this.heap.alloc(n, dtype);
  }

  free(a: Storage): void {
    this.heap.free(a);
  }

  gemm(
    transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number,
    a: F32, aOff: number, lda: number, b: F32, bOff: number, ldb: number,
    beta: number, c: F32, cOff: number, ldc: number,
  ): void {
    if (m <= 0 || n <= 0) return;
    const pa = this.at(a, aOff), pb = this.at(b, bOff), pc = this.at(c, cOff);
    if (this.team.threads > 1 && m * n * k >= PARALLEL_MIN_MACS) this.team.gemm(transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
    else this.k.gemm(transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc, 0, 1);
  }

  /** Copies op(B) into the layout the GEMM kernel reads (packRight), in this backend's memory. */
  packMatrix(transB: boolean, k: number, n: number, b: F32, bOff: number, ldb: number): PackedMatrix {
    const data = this.heap.alloc(Math.max(1, this.k.packedRightFloats(k, n)), 'float32') as F32;
    if (k > 0 && n > 0) this.k.packRight(transB, k, n, this.at(b, bOff), ldb, this.at(data));
    return { k, n, data } as KernelPacked;
  }

  gemmPacked(
    transA: boolean, m: number, alpha: number, a: F32, aOff: number, lda: number,
    right: PackedMatrix, beta: number, c: F32, cOff: number, ldc: number,
  ): void {
    const { k, n, data } = right as KernelPacked;
    if (m <= 0 || n <= 0) return;
    const pa = this.at(a, aOff), pp = this.at(data), pc = this.at(c, cOff);
    if (this.team.threads > 1 && m * n * k >= PARALLEL_MIN_MACS) this.team.gemmPacked(transA, m, n, k, alpha, pa, lda, pp, beta, pc, ldc);
    else this.k.gemmPacked(transA, m, n, k, alpha, pa, lda, pp, beta, pc, ldc, 0, 1);
  }

  freePacked(right: PackedMatrix): void {
    this.heap.free((right as KernelPacked).data);
  }

  matVecSum(
    n: number, wa: F32, xa: F32, xaOff: number, kA: number,
    wb: F32 | null, xb: F32 | null, kB: number, biasA: F32 | null, biasB: F32 | null, y: F32,
  ): void {
    if (n <= 0) return;
    const second = wb !== null && xb !== null && kB > 0;
    const pwa = this.at(wa), pxa = this.at(xa, xaOff), pwb = second ? this.at(wb) : 0, pxb = second ? this.at(xb) : 0, kb = second ? kB : 0;
    const pba = this.at(biasA), pbb = this.at(biasB), py = this.at(y);
    if (this.team.threads > 1 && n * (kA + kb) >= PARALLEL_MIN_MATVEC_MACS) this.team.matVecSum(n, pwa, pxa, kA, pwb, pxb, kb, pba, pbb, py);
    else this.k.matVecSum(n, pwa, pxa, kA, pwb, pxb, kb, pba, pbb, py, 0, 1);
  }

  fill(x: F32, value: number, n: number, xOff: number): void {
    this.k.fill(this.at(x, xOff), value, n);
  }

  copy(x: Storage, xOff: number, y: Storage, yOff: number, n: number): void {
    this.k.copy(this.at(x, xOff), this.at(y, yOff), n);
  }

  unary(op: UnaryOp, x: F32, y: F32, n: number): void {
    this.k.unary(UNARY_CODE[op], this.at(x), this.at(y), n);
  }

  unaryBackward(op: UnaryOp, x: F32, y: F32, dy: F32, dx: F32, n: number): void {
    this.k.unaryBackward(UNARY_CODE[op], this.at(x), this.at(y), this.at(dy), this.at(dx), n);
  }

  clamp({ x, y, n, lo, hi }: ClampArgs): void {
    this.k.clamp(this.at(x), this.at(y), n, lo, hi);
  }

  clampBackward({ x, dy, dx, n, lo, hi }: ClampBackwardArgs): void {
    this.k.clampBackward(this.at(x), this.at(dy), this.at(dx), n, lo, hi);
  }

  binary(op: BinaryOp, a: F32, b: F32, out: F32, n: number, bLen: number): void {
    if (n > 0 && !(bLen >= 1)) throw new RangeError(`binary: bLen must be ≥ 1, got ${bLen}`);
    this.k.binary(BINARY_CODE[op], this.at(a), this.at(b), this.at(out), n, bLen);
  }

  axpy(alpha: number, x: F32, xOff: number, y: F32, yOff: number, n: number): void {
    this.k.axpy(alpha, this.at(x, xOff), this.at(y, yOff), n);
  }

  scale(x: F32, alpha: number, n: number): void {
    this.k.scale(this.at(x), alpha, n);
  }

  sumRows(x: F32, rows: number, cols: number, out: F32, accumulate: boolean): void {
    this.k.sumRows(this.at(x), rows, cols, this.at(out), accumulate);
  }

  sumSquares(x: F32, n: number): number {
    return this.k.sum(this.at(x), n, true);
  }

  sum(x: F32, n: number): number {
    return this.k.sum(this.at(x), n, false);
  }

  logSoftmax(x: F32, out: F32, rows: number, cols: number): void {
    this.k.logSoftmax(this.at(x), this.at(out), rows, cols);
  }

  softmax(x: F32, out: F32, rows: number, cols: number): void {
    this.k.softmax(this.at(x), this.at(out), rows, cols);
  }

  crossEntropyForward(
    logits: F32, targets: I32, rows: number, cols: number, classWeights: F32 | null,
    ignoreIndex: number, probs: F32, lossPerRow: F32,
  ): void {
    this.k.crossEntropyForward(this.at(logits), this.at(targets), rows, cols, this.at(classWeights), ignoreIndex, this.at(probs), this.at(lossPerRow));
  }

  crossEntropyBackward(
    probs: F32, targets: I32, rows: number, cols: number, classWeights: F32 | null,
    ignoreIndex: number, scale: number, dLogits: F32,
  ): void {
    this.k.crossEntropyBackward(this.at(probs), this.at(targets), rows, cols, this.at(classWeights), ignoreIndex, scale, this.at(dLogits));
  }

  gather(table: F32, dim: number, ids: I32, n: number, out: F32): void {
    this.k.gather(this.at(table), dim, this.at(ids), n, this.at(out));
  }

  scatterAdd(dOut: F32, dim: number, ids: I32, n: number, dTable: F32): void {
    this.k.scatterAdd(this.at(dOut), dim, this.at(ids), n, this.at(dTable));
  }

  rnnCellForward(
    act: RecurrentActivation, B: number, H: number, pre: F32, preOff: number, hPrev: F32, hPrevOff: number,
    h: F32, hOff: number, out: F32 | null, outOff: number, lengths: I32 | null, t: number,
  ): void {
    const row = 4 * H;
    this.rowWise('rnnCellForward', B, H,
      [ACTIVATION_CODE[act], B, H, this.at(pre, preOff), this.at(hPrev, hPrevOff), this.at(h, hOff), this.at(out, outOff), this.at(lengths), t],
      [0, ROW_COUNT, 0, row, row, row, row, 4, 0]);
  }

  rnnCellBackward(
    act: RecurrentActivation, B: number, H: number, h: F32, hOff: number, dOut: F32 | null, dOutOff: number,
    dh: F32, dPre: F32, dPreOff: number, lengths: I32 | null, t: number,
  ): void {
    const row = 4 * H;
    this.rowWise('rnnCellBackward', B, H,
      [ACTIVATION_CODE[act], B, H, this.at(h, hOff), this.at(dOut, dOutOff), this.at(dh), this.at(dPre, dPreOff), this.at(lengths), t],
      [0, ROW_COUNT, 0, row, row, row, row, 4, 0]);
  }

  lstmCellForward(
    B: number, H: number, gates: F32, gOff: number, cPrev: F32, cPrevOff: number, hPrev: F32, hPrevOff: number,
    c: F32, cOff: number, h: F32, hOff: number, out: F32 | null, outOff: number, lengths: I32 | null, t: number,
  ): void {
    const row = 4 * H;
    this.rowWise('lstmCellForward', B, H,
      [B, H, this.at(gates, gOff), this.at(cPrev, cPrevOff), this.at(hPrev, hPrevOff), this.at(c, cOff), this.at(h, hOff), this.at(out, outOff), this.at(lengths), t],
      [ROW_COUNT, 0, 4 * row, row, row, row, row, row, 4, 0]);
  }

  lstmCellBackward(
    B: number, H: number, gates: F32, gOff: number, cPrev: F32, cPrevOff: number, c: F32, cOff: number,
    dOut: F32 | null, dOutOff: number, dh: F32, dc: F32, dGates: F32, dgOff: number, lengths: I32 | null, t: number,
  ): void {
    const row = 4 * H;
    this.rowWise('lstmCellBackward', B, H,
      [B, H, this.at(gates, gOff), this.at(cPrev, cPrevOff), this.at(c, cOff), this.at(dOut, dOutOff), this.at(dh), this.at(dc), this.at(dGates, dgOff), this.at(lengths), t],
      [ROW_COUNT, 0, 4 * row, row, row, row, row, row, 4 * row, 4, 0]);
  }

  gruCellForward(
    B: number, H: number, xg: F32, xgOff: number, hg: F32, hgOff: number, hPrev: F32, hPrevOff: number,
    h: F32, hOff: number, out: F32 | null, outOff: number, lengths: I32 | null, t: number,
  ): void {
    const pxg = this.at(xg, xgOff), phg = this.at(hg, hgOff), ph = this.at(hPrev, hPrevOff);
    this.gruGates(B, H, pxg, phg, ph, 0, this.at(lengths), t);
    this.gruBlend(B, H, pxg, phg, ph, this.at(h, hOff), this.at(out, outOff), this.at(lengths), t, true);
  }

  gruCellBackward(
    B: number, H: number, xg: F32, xgOff: number, hg: F32, hgOff: number, hPrev: F32, hPrevOff: number,
    dOut: F32 | null, dOutOff: number, dh: F32, dXg: F32, dxgOff: number, dHg: F32, dhgOff: number,
    lengths: I32 | null, t: number,
  ): void {
    const pxg = this.at(xg, xgOff), pdx = this.at(dXg, dxgOff), pdh = this.at(dHg, dhgOff);
    this.gruUpdateBackward(B, H, pxg, this.at(hPrev, hPrevOff), this.at(dOut, dOutOff), this.at(dh), pdx, pdh, this.at(lengths), t);
    const row = 4 * H;
    this.rowWise('gruResetAfterBackward', B, H, [B, H, pxg, this.at(hg, hgOff), pdx, pdh, this.at(lengths), t],
      [ROW_COUNT, 0, 3 * row, 3 * row, 3 * row, 3 * row, 4, 0]);
  }

  gruResetGateForward(
    B: number, H: number, xg: F32, xgOff: number, hg: F32, hgOff: number, hPrev: F32, hPrevOff: number, rh: F32, rhOff: number,
  ): void {
    this.gruGates(B, H, this.at(xg, xgOff), this.at(hg, hgOff), this.at(hPrev, hPrevOff), this.at(rh, rhOff), 0, 0);
  }

  gruResetBeforeForward(
    B: number, H: number, xg: F32, xgOff: number, hg: F32, hgOff: number, hPrev: F32, hPrevOff: number,
    h: F32, hOff: number, out: F32 | null, outOff: number, lengths: I32 | null, t: number,
  ): void {
    this.gruBlend(B, H, this.at(xg, xgOff), this.at(hg, hgOff), this.at(hPrev, hPrevOff), this.at(h, hOff), this.at(out, outOff), this.at(lengths), t, false);
  }

  gruResetBeforeBackward(
    B: number, H: number, xg: F32, xgOff: number, hPrev: F32, hPrevOff: number, dOut: F32 | null, dOutOff: number,
    dh: F32, dXg: F32, dxgOff: number, dHg: F32, dhgOff: number, lengths: I32 | null, t: number,
  ): void {
    this.gruUpdateBackward(B, H, this.at(xg, xgOff), this.at(hPrev, hPrevOff), this.at(dOut, dOutOff), this.at(dh), this.at(dXg, dxgOff), this.at(dHg, dhgOff), this.at(lengths), t);
  }

  gruResetGateBackward(
    B: number, H: number, xg: F32, xgOff: number, hPrev: F32, hPrevOff: number, dRh: F32,
    dh: F32, dXg: F32, dxgOff: number, dHg: F32, dhgOff: number,
  ): void {
    const row = 4 * H;
    this.rowWise('gruResetGateBackward', B, H,
      [B, H, this.at(xg, xgOff), this.at(hPrev, hPrevOff), this.at(dRh), this.at(dh), this.at(dXg, dxgOff), this.at(dHg, dhgOff)],
      [ROW_COUNT, 0, 3 * row, row, row, row, 3 * row, 3 * row]);
  }

  // The GRU's kernels as the cells above call them (byte addresses).
  private gruGates(B: number, H: number, xg: number, hg: number, hPrev: number, rh: number, lengths: number, t: number): void {
    const row = 4 * H;
    this.rowWise('gruGates', B, H, [B, H, xg, hg, hPrev, rh, lengths, t], [ROW_COUNT, 0, 3 * row, 3 * row, row, row, 4, 0]);
  }

  private gruBlend(B: number, H: number, xg: number, hg: number, hPrev: number, h: number, out: number, lengths: number, t: number, resetAfter: boolean): void {
    const row = 4 * H;
    this.rowWise('gruBlend', B, H, [B, H, xg, hg, hPrev, h, out, lengths, t, +resetAfter], [ROW_COUNT, 0, 3 * row, 3 * row, row, row, row, 4, 0, 0]);
  }

  private gruUpdateBackward(B: number, H: number, xg: number, hPrev: number, dOut: number, dh: number, dXg: number, dHg: number, lengths: number, t: number): void {
    const row = 4 * H;
    this.rowWise('gruUpdateBackward', B, H, [B, H, xg, hPrev, dOut, dh, dXg, dHg, lengths, t], [ROW_COUNT, 0, 3 * row, row, row, row, 3 * row, 3 * row, 4, 0]);
  }

  /**
   * A row-wise cell kernel over a batch of B rows of width H: split by rows across the team when
   * the batch is big enough, else on the calling thread (see GemmTeam.rows for args and strides).
   */
  private rowWise(kernel: RowKernel, B: number, H: number, args: readonly number[], strides: readonly number[]): void {
    if (this.team.threads > 1 && B > 1 && B * H >= PARALLEL_MIN_CELL_ELEMENTS) this.team.rows(kernel, B, args, strides);
    else (this.k[kernel] as (...a: readonly number[]) => void)(...args);
  }

  /** word2vec over the backend's threads: each backend's own kernel and thread team. */
  abstract word2vecTrain(job: Word2VecJob, onProgress?: (jobsDone: number) => void): void;

  sgdUpdate(
    p: F32, g: F32, buf: F32 | null, n: number,
    lr: number, momentum: number, dampening: number, weightDecay: number, nesterov: boolean, firstStep: boolean,
  ): void {
    this.k.sgdUpdate(this.at(p), this.at(g), this.at(buf), n, lr, momentum, dampening, weightDecay, nesterov, firstStep);
  }

  // stepSize = lr / (1 − β1ᵗ),  bc2Sqrt = √(1 − β2ᵗ), in float64
  adamUpdate(
    p: F32, g: F32, m: F32, v: F32, n: number,
    lr: number, beta1: number, beta2: number, eps: number, weightDecay: number, decoupled: boolean, step: number,
  ): void {
    const stepSize = lr / (1 - Math.pow(beta1, step));
    const bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, step));
    this.k.adamUpdate(this.at(p), this.at(g), this.at(m), this.at(v), n, lr, beta1, beta2, eps, weightDecay, decoupled, stepSize, bc2Sqrt);
  }

  rmspropUpdate(p: F32, g: F32, sq: F32, n: number, lr: number, alpha: number, eps: number, weightDecay: number): void {
    this.k.adaptiveUpdate(this.at(p), this.at(g), this.at(sq), n, lr, alpha, 1 - alpha, eps, weightDecay);
  }

  adagradUpdate(p: F32, g: F32, sum: F32, n: number, lr: number, eps: number, weightDecay: number): void {
    this.k.adaptiveUpdate(this.at(p), this.at(g), this.at(sum), n, lr, 1, 1, eps, weightDecay);
  }
}
