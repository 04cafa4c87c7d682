// Types of team-protocol.mjs (see there).
export declare const SLOT: {
  generation: 0; ticket: 1; completed: 2; op: 3; chunks: 4;
  transA: 5; transB: 6; m: 7; n: 8; k: 9; a: 10; lda: 11; b: 12; ldb: 13; c: 14; ldc: 15; alpha: 16; beta: 17;
  mvN: 18; mvWa: 19; mvXa: 20; mvKa: 21; mvWb: 22; mvXb: 23; mvKb: 24; mvBiasA: 25; mvBiasB: 26; mvY: 27;
  packedB: 28;
  rowKernel: 29; rows: 30; rowArgc: 31; rowArgs: 32; rowStrides: number;
  word2vecArgs: number;
  count: number;
};
export type RowKernel =
  | 'fill' | 'rnnCellForward' | 'rnnCellBackward' | 'lstmCellForward' | 'lstmCellBackward'
  | 'gruGates' | 'gruBlend' | 'gruUpdateBackward' | 'gruResetAfterBackward' | 'gruResetGateBackward';
export declare const ROW_KERNELS: readonly RowKernel[];
export declare const MAX_ROW_ARGS: number;
export declare const ROW_COUNT: -1;
export declare const OP_GEMM: 0;
export declare const OP_STOP: 1;
export declare const OP_MATVEC_SUM: 2;
export declare const OP_ROWS: 3;
export declare const OP_GEMM_PACKED: 4;
export declare const OP_WORD2VEC: 5;
export declare const CLOSED: 255;
export type SlabGemm = (
  transA: number, transB: number, m: number, n: number, k: number, alpha: number,
  a: number, lda: number, b: number, ldb: number, beta: number, c: number, ldc: number, part: number, parts: number,
) => void;
export type SlabGemmPacked = (
  transA: number, m: number, n: number, k: number, alpha: number, a: number, lda: number, packed: number,
  beta: number, c: number, ldc: number, part: number, parts: number,
) => void;
export type SlabMatVecSum = (
  n: number, wa: number, xa: number, kA: number, wb: number, xb: number, kB: number,
  biasA: number, biasB: number, y: number, part: number, parts: number,
) => void;
/** The module exports a team job calls. */
export interface SlabKernels extends Record<RowKernel, (...args: number[]) => void> {
  gemm: SlabGemm;
  gemmPacked: SlabGemmPacked;
  matVecSum: SlabMatVecSum;
  /** Runs up to maxJobs jobs of the word2vec record at `args` with scratch slot `slot`; returns how many. */
  word2vecWork(args: number, slot: number, maxJobs: number): number;
}
export declare function ticketOf(generation: number, next: number): number;
export declare function computeSlabs(ctrl: Int32Array, ctrlF: Float32Array, generation: number, kernels: SlabKernels): void;
export declare function workerLoop(ctrl: Int32Array, ctrlF: Float32Array, kernels: SlabKernels, spin: number): void;
