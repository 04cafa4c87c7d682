// The GEMM team's shared-memory protocol, used by the calling thread (threads.ts) and by every
// worker (node-worker.mjs). Plain JavaScript so that workers run it without a TypeScript loader.
//
// A job (a GEMM, the batch-1 step product matVecSum, or a row-wise cell kernel over a batch) is cut
// into `chunks` slabs (the wasm kernels compute slab i of n; a rows job gives each slab a run of
// batch rows, with its row pointers advanced). A word2vec job has one slab per worker: slab i runs
// word2vecWork with scratch slot i, claiming the run's jobs from a counter until none is left. Threads claim slabs
// with a ticket word = (generation << 8) | next slab, by compare-and-swap: a thread that woke late
// for an older generation sees a foreign generation and claims nothing, and if a worker is not
// scheduled the caller simply computes every slab itself. Results do not depend on who computes
// which slab. The caller closes the ticket (next slab = 255) before rewriting the arguments.

/**
 * Row-wise kernels a rows job can run (cells.ts: row b of every [B, ·] argument depends on row b
 * only; fill: a row is one element).
 */
export const ROW_KERNELS = [
  'fill', 'rnnCellForward', 'rnnCellBackward', 'lstmCellForward', 'lstmCellBackward',
  'gruGates', 'gruBlend', 'gruUpdateBackward', 'gruResetAfterBackward', 'gruResetGateBackward',
];
/** Most arguments of a row kernel. */
export const MAX_ROW_ARGS = 12;
/** Row stride of the argument that is the row count itself (a slab passes its own count). */
export const ROW_COUNT = -1;

/**
 * Int32 slots of the control block: the GEMM's arguments (alpha and beta are float32 bits; a
 * packed-operand GEMM has packedB instead of b, ldb, transB), then matVecSum's (mv*), then a rows job's: kernel index, rows, argument count, arguments, and each
 * argument's byte stride per row (0: not per row; a null pointer stays null), then a word2vec job's
 * record address.
 */
export const SLOT = {
  generation: 0, ticket: 1, completed: 2, op: 3, chunks: 4,
  transA: 5, transB: 6, m: 7, n: 8, k: 9, a: 10, lda: 11, b: 12, ldb: 13, c: 14, ldc: 15, alpha: 16, beta: 17,
  mvN: 18, mvWa: 19, mvXa: 20, mvKa: 21, mvWb: 22, mvXb: 23, mvKb: 24, mvBiasA: 25, mvBiasB: 26, mvY: 27,
  packedB: 28,
  rowKernel: 29, rows: 30, rowArgc: 31, rowArgs: 32, rowStrides: 32 + MAX_ROW_ARGS,
  word2vecArgs: 32 + 2 * MAX_ROW_ARGS,
  count: 33 + 2 * MAX_ROW_ARGS,
};
export const OP_GEMM = 0;
export const OP_STOP = 1;
export const OP_MATVEC_SUM = 2;
export const OP_ROWS = 3;
export const OP_GEMM_PACKED = 4;
export const OP_WORD2VEC = 5;
export const CLOSED = 255;

/** Arguments of one rows slab, reused (each thread has its own module instance of this file). */
const slabArgs = [];

/** Runs rows [b0, b1) of the rows job in ctrl. */
function computeRows(ctrl, kernels, b0, b1) {
  const argc = ctrl[SLOT.rowArgc];
  slabArgs.length = argc;
  for (let i = 0; i < argc; i++) {
    const value = ctrl[SLOT.rowArgs + i], stride = ctrl[SLOT.rowStrides + i];
    slabArgs[i] = stride === ROW_COUNT ? b1 - b0 : stride > 0 && value !== 0 ? value + b0 * stride : value;
  }
  kernels[ROW_KERNELS[ctrl[SLOT.rowKernel]]](...slabArgs);
}

/** The ticket of slab `next` in generation `generation`. */
export const ticketOf = (generation, next) => ((generation & 0xffffff) << 8) | next;

/**
 * Claims and computes slabs of generation `generation` until none is left.
 * @param {Int32Array} ctrl @param {Float32Array} ctrlF @param {number} generation
 * @param {import('./team-protocol.d.mts').SlabKernels} kernels the module's exports
 */
export function computeSlabs(ctrl, ctrlF, generation, kernels) {
  for (;;) {
    const ticket = Atomics.load(ctrl, SLOT.ticket);
    const slab = ticket & 0xff, chunks = Atomics.load(ctrl, SLOT.chunks);
    if (ticket >>> 8 !== (generation & 0xffffff) || slab >= chunks) return;
    if (Atomics.compareExchange(ctrl, SLOT.ticket, ticket, ticket + 1) !== ticket) continue;
    const op = ctrl[SLOT.op];
    if (op === OP_ROWS) {
      const rows = ctrl[SLOT.rows], b0 = Math.floor((rows * slab) / chunks), b1 = Math.floor((rows * (slab + 1)) / chunks);
      if (b1 > b0) computeRows(ctrl, kernels, b0, b1);
    } else if (op === OP_WORD2VEC) {
      kernels.word2vecWork(ctrl[SLOT.word2vecArgs], slab, 0x7fffffff);
    } else if (op === OP_GEMM_PACKED) {
      kernels.gemmPacked(ctrl[SLOT.transA], ctrl[SLOT.m], ctrl[SLOT.n], ctrl[SLOT.k], ctrlF[SLOT.alpha], ctrl[SLOT.a], ctrl[SLOT.lda],
        ctrl[SLOT.packedB], ctrlF[SLOT.beta], ctrl[SLOT.c], ctrl[SLOT.ldc], slab, chunks);
    } else if (op === OP_MATVEC_SUM) {
      kernels.matVecSum(ctrl[SLOT.mvN], ctrl[SLOT.mvWa], ctrl[SLOT.mvXa], ctrl[SLOT.mvKa], ctrl[SLOT.mvWb], ctrl[SLOT.mvXb],
        ctrl[SLOT.mvKb], ctrl[SLOT.mvBiasA], ctrl[SLOT.mvBiasB], ctrl[SLOT.mvY], slab, chunks);
    } else {
      kernels.gemm(ctrl[SLOT.transA], ctrl[SLOT.transB], ctrl[SLOT.m], ctrl[SLOT.n], ctrl[SLOT.k], ctrlF[SLOT.alpha],
        ctrl[SLOT.a], ctrl[SLOT.lda], ctrl[SLOT.b], ctrl[SLOT.ldb], ctrlF[SLOT.beta], ctrl[SLOT.c], ctrl[SLOT.ldc], slab, chunks);
    }
    if (Atomics.add(ctrl, SLOT.completed, 1) + 1 === chunks) Atomics.notify(ctrl, SLOT.completed);
  }
}

/**
 * A worker's life: wait for a new generation (spinning `spin` iterations, then sleeping), compute
 * slabs, repeat until OP_STOP.
 */
export function workerLoop(ctrl, ctrlF, kernels, spin) {
  let seen = Atomics.load(ctrl, SLOT.generation);
  for (;;) {
    for (let i = 0; i < spin && Atomics.load(ctrl, SLOT.generation) === seen; i++);
    Atomics.wait(ctrl, SLOT.generation, seen);
    seen = Atomics.load(ctrl, SLOT.generation);
    if (Atomics.load(ctrl, SLOT.op) === OP_STOP) return;
    computeSlabs(ctrl, ctrlF, seen, kernels);
  }
}
