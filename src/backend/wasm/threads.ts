/**
 * The GEMM thread team: workers that instantiate the same module over the same shared memory and
 * follow the protocol of team-protocol.mjs. The calling thread posts a job (a GEMM, the batch-1 step
 * product matVecSum, or a cell kernel over the rows of a batch), computes slabs
 * itself, and waits until all are done. Workers spin briefly after each job, then sleep in
 * Atomics.wait, so back-to-back per-timestep products are picked up without a wake-up.
 * Platform-neutral: the platform (Node worker_threads, browser Web Workers) only starts workers.
 */
import {
  CLOSED, OP_GEMM, OP_GEMM_PACKED, OP_MATVEC_SUM, OP_ROWS, OP_STOP, OP_WORD2VEC, ROW_KERNELS, SLOT, computeSlabs, ticketOf,
  type RowKernel, type SlabKernels,
} from './team-protocol.mjs';

/** Busy-wait iterations (≈ 1 ns each) before sleeping, for the workers and for the caller. */
export const SPIN_ITERATIONS = 20_000;
/** Bytes of the control block. */
export const CONTROL_BYTES = 4 * SLOT.count;
/**
 * Slabs per thread of a matVecSum or rows job: small enough to balance when a thread is
 * descheduled. A GEMM gets one slab per thread, since every slab packs its own copy of the operand
 * the slabs share (W1 with 2 threads: big products in 4 slabs per thread ≈ 11,300 tokens/s, in 1 ≈ 11,800).
 */
const SLABS_PER_THREAD = 4;
/**
 * Contention guard: after this many products in a row where the caller waited longer for the
 * workers than it computed itself (the cores are busy with other processes), the next
 * SOLO_PRODUCTS products run on the calling thread alone. Results are the same either way.
 */
const STALLS_BEFORE_SOLO = 3;
const SOLO_PRODUCTS = 256;

export interface WorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  /** Byte offset of the control block. */
  control: number;
  /** Byte offset of this worker's GEMM packing scratch. */
  scratch: number;
}

export interface WorkerHandle {
  terminate(): unknown;
}

/** A worker just started: it joins the team's jobs once `ready` resolves (it rejects if the worker fails to start). */
export interface StartedWorker {
  handle: WorkerHandle;
  ready: Promise<void>;
}

export interface WasmPlatform {
  /** Bytes of one build of the kernel module (a file name of MODULE_BUILDS). */
  readModule(file: string): Promise<BufferSource>;
  /**
   * Whether memory can be shared with workers here (Node; a cross-origin-isolated page). Where it
   * cannot, the single-thread builds run over a memory of fixed size.
   */
  readonly sharedMemory: boolean;
  defaultThreads(): number;
  /** Starts a worker running workerLoop of team-protocol.mjs. */
  startWorker(init: WorkerInit): StartedWorker;
}

export class GemmTeam {
  private readonly ctrl: Int32Array;
  private readonly ctrlF: Float32Array;
  private generation = 0;
  private stalls = 0;
  private soloLeft = 0;

  constructor(memory: WebAssembly.Memory, control: number, private readonly workers: WorkerHandle[], private readonly kernels: SlabKernels) {
    this.ctrl = new Int32Array(memory.buffer, control, SLOT.count);
    this.ctrlF = new Float32Array(memory.buffer, control, SLOT.count);
    Atomics.store(this.ctrl, SLOT.ticket, ticketOf(0, CLOSED));
  }

  get threads(): number {
    return this.workers.length + 1;
  }

  /** Runs a GEMM on the team; returns when every slab is done. Pointers are byte addresses. */
  gemm(
    transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number,
    a: number, lda: number, b: number, ldb: number, beta: number, c: number, ldc: number,
  ): void {
    if (this.runsSolo()) {
      this.kernels.gemm(+transA, +transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, 0, 1);
      return;
    }
    const ctrl = this.openJob(OP_GEMM);
    ctrl[SLOT.transA] = +transA; ctrl[SLOT.transB] = +transB;
    ctrl[SLOT.m] = m; ctrl[SLOT.n] = n; ctrl[SLOT.k] = k;
    ctrl[SLOT.a] = a; ctrl[SLOT.lda] = lda; ctrl[SLOT.b] = b; ctrl[SLOT.ldb] = ldb; ctrl[SLOT.c] = c; ctrl[SLOT.ldc] = ldc;
    this.ctrlF[SLOT.alpha] = alpha; this.ctrlF[SLOT.beta] = beta;
    this.runJob(1);
  }

  /** Runs C = alpha·op(A)·P + beta·C on the team, P packed by the kernel packRight at `packed`. */
  gemmPacked(
    transA: boolean, m: number, n: number, k: number, alpha: number, a: number, lda: number, packed: number,
    beta: number, c: number, ldc: number,
  ): void {
    if (this.runsSolo()) {
      this.kernels.gemmPacked(+transA, m, n, k, alpha, a, lda, packed, beta, c, ldc, 0, 1);
      return;
    }
    const ctrl = this.openJob(OP_GEMM_PACKED);
    ctrl[SLOT.transA] = +transA; ctrl[SLOT.m] = m; ctrl[SLOT.n] = n; ctrl[SLOT.k] = k;
    ctrl[SLOT.a] = a; ctrl[SLOT.lda] = lda; ctrl[SLOT.packedB] = packed; ctrl[SLOT.c] = c; ctrl[SLOT.ldc] = ldc;
    this.ctrlF[SLOT.alpha] = alpha; this.ctrlF[SLOT.beta] = beta;
    this.runJob(1);
  }

  /** Runs the step product y = Wa·xa + Wb·xb + biasA + biasB on the team (byte addresses, 0 = absent). */
  matVecSum(n: number, wa: number, xa: number, kA: number, wb: number, xb: number, kB: number, biasA: number, biasB: number, y: number): void {
    if (this.runsSolo()) {
      this.kernels.matVecSum(n, wa, xa, kA, wb, xb, kB, biasA, biasB, y, 0, 1);
      return;
    }
    const ctrl = this.openJob(OP_MATVEC_SUM);
    ctrl[SLOT.mvN] = n; ctrl[SLOT.mvWa] = wa; ctrl[SLOT.mvXa] = xa; ctrl[SLOT.mvKa] = kA;
    ctrl[SLOT.mvWb] = wb; ctrl[SLOT.mvXb] = xb; ctrl[SLOT.mvKb] = kB;
    ctrl[SLOT.mvBiasA] = biasA; ctrl[SLOT.mvBiasB] = biasB; ctrl[SLOT.mvY] = y;
    this.runJob(SLABS_PER_THREAD);
  }

  /**
   * Runs a row-wise cell kernel over `rows` batch rows on the team: args are the kernel's arguments
   * for all rows (pointers as byte addresses), strides each argument's bytes per row (0: not per
   * row; ROW_COUNT: the row count).
   */
  rows(kernel: RowKernel, rows: number, args: readonly number[], strides: readonly number[]): void {
    if (this.runsSolo()) {
      this.kernels[kernel](...args);
      return;
    }
    const ctrl = this.openJob(OP_ROWS);
    ctrl[SLOT.rowKernel] = ROW_KERNELS.indexOf(kernel); ctrl[SLOT.rows] = rows; ctrl[SLOT.rowArgc] = args.length;
    for (let i = 0; i < args.length; i++) {
      ctrl[SLOT.rowArgs + i] = args[i];
      ctrl[SLOT.rowStrides + i] = strides[i];
    }
    this.runJob(SLABS_PER_THREAD);
  }

  /**
   * Runs the word2vec job record at byte address `args`: worker i claims jobs with scratch slot i
   * until none is left, while the calling thread runs `callerWork` (slot threads − 1); then the
   * caller takes any slab a worker has not started (it finds no job left) and waits for the rest.
   */
  word2vec(args: number, callerWork: () => void): void {
    if (this.workers.length === 0) {
      callerWork();
      return;
    }
    const ctrl = this.openJob(OP_WORD2VEC);
    ctrl[SLOT.word2vecArgs] = args;
    const chunks = this.workers.length, generation = this.publish(chunks);
    callerWork();
    computeSlabs(ctrl, this.ctrlF, generation, this.kernels);
    awaitValue(ctrl, SLOT.completed, chunks);
  }

  /** Whether the contention guard has the next product run on the calling thread alone. */
  private runsSolo(): boolean {
    if (this.soloLeft === 0) return false;
    this.soloLeft--;
    return true;
  }

  /** Closes the ticket so that no thread claims a slab while the job's arguments are rewritten. */
  private openJob(op: number): Int32Array {
    Atomics.store(this.ctrl, SLOT.ticket, ticketOf(this.generation, CLOSED));
    this.ctrl[SLOT.op] = op;
    return this.ctrl;
  }

  /** Publishes the job written since openJob, computes slabs with the workers, waits for all. */
  private runJob(slabs: number): void {
    const ctrl = this.ctrl, chunks = this.threads * slabs;
    const generation = this.publish(chunks);
    const start = performance.now();
    computeSlabs(ctrl, this.ctrlF, generation, this.kernels);
    const computed = performance.now();
    awaitValue(ctrl, SLOT.completed, chunks);
    this.noteWait(computed - start, performance.now() - computed);
  }

  /** Publishes the job written since openJob as `chunks` slabs; returns its generation. */
  private publish(chunks: number): number {
    const ctrl = this.ctrl;
    Atomics.store(ctrl, SLOT.chunks, chunks);
    Atomics.store(ctrl, SLOT.completed, 0);
    const generation = ++this.generation;
    Atomics.store(ctrl, SLOT.ticket, ticketOf(generation, 0));
    Atomics.store(ctrl, SLOT.generation, generation);
    Atomics.notify(ctrl, SLOT.generation);
    return generation;
  }

  private noteWait(computing: number, waiting: number): void {
    this.stalls = waiting > computing ? this.stalls + 1 : 0;
    if (this.stalls < STALLS_BEFORE_SOLO) return;
    this.stalls = 0;
    this.soloLeft = SOLO_PRODUCTS;
  }

  close(): void {
    Atomics.store(this.ctrl, SLOT.op, OP_STOP);
    Atomics.store(this.ctrl, SLOT.generation, ++this.generation);
    Atomics.notify(this.ctrl, SLOT.generation);
    for (const w of this.workers) w.terminate();
  }
}

/** Spins, then sleeps, until ctrl[slot] === target. */
function awaitValue(ctrl: Int32Array, slot: number, target: number): void {
  for (let i = 0; i < SPIN_ITERATIONS; i++) if (Atomics.load(ctrl, slot) === target) return;
  for (let v = Atomics.load(ctrl, slot); v !== target; v = Atomics.load(ctrl, slot)) Atomics.wait(ctrl, slot, v);
}
