// The GEMM team's shared-memory protocol, used by the calling thread (threads.ts) and by every
// worker (node-worker.mjs). Plain JavaScript so that workers run it without a TypeScript loader.
//
// A job (a GEMM, or the batch-1 step product matVecSum) is cut into `chunks` slabs (the wasm
// kernels compute slab i of n). Threads claim slabs
// with a ticket word = (generation << 8) | next slab, by compare-and-swap: a thread that woke late
// for an older generation sees a foreign generation and claims nothing, and if a worker is not
// scheduled the caller simply computes every slab itself. Results do not depend on who computes
// which slab. The caller closes the ticket (next slab = 255) before rewriting the arguments.

/**
 * Int32 slots of the control block: the GEMM's arguments (alpha and beta are float32 bits), then
 * matVecSum's (mv*).
 */
export const SLOT = {
  generation: 0, ticket: 1, completed: 2, op: 3, chunks: 4,
  transA: 5, transB: 6, m: 7, n: 8, k: 9, a: 10, lda: 11, b: 12, ldb: 13, c: 14, ldc: 15, alpha: 16, beta: 17,
  mvN: 18, mvWa: 19, mvXa: 20, mvKa: 21, mvWb: 22, mvXb: 23, mvKb: 24, mvBiasA: 25, mvBiasB: 26, mvY: 27,
  count: 28,
};
export const OP_GEMM = 0;
export const OP_STOP = 1;
export const OP_MATVEC_SUM = 2;
export const CLOSED = 255;

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
    if (ctrl[SLOT.op] === OP_MATVEC_SUM) {
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
