/**
 * The GEMM thread team: workers that instantiate the same module over the same shared memory and
 * wait on a control block in that memory. A product is cut into one slab per thread by the wasm
 * `gemm` itself (part i of n), so the calling thread computes part 0 and each worker its own part.
 * Dispatch is an Atomics generation counter: workers spin briefly after each job, then sleep in
 * Atomics.wait, so back-to-back per-timestep products are picked up without a wake-up syscall.
 * Platform-neutral: the platform (Node worker_threads, browser Web Workers) only starts workers.
 */

/** Int32 slots of the control block. */
export enum Slot {
  Generation, Done, Op, Parts, TransA, TransB, M, N, K, A, Lda, B, Ldb, C, Ldc, Alpha, Beta, Count,
}
export enum Op { Gemm, Stop }

/** Busy-wait iterations (≈ 1 ns each) before sleeping, for the workers and for the caller. */
export const SPIN_ITERATIONS = 200_000;

export interface WorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  /** Byte offset of the control block. */
  control: number;
  /** Byte offset of this worker's GEMM packing scratch. */
  scratch: number;
  /** Which slab of each product this worker computes (1 … threads − 1). */
  part: number;
}

export interface WorkerHandle {
  terminate(): unknown;
}

export interface WasmPlatform {
  loadModule(): Promise<WebAssembly.Module>;
  defaultThreads(): number;
  /** Starts a worker running the loop of node-worker.mjs (or its browser twin); resolves once it waits for jobs. */
  startWorker(init: WorkerInit): Promise<WorkerHandle>;
}

type GemmPart = (
  transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number,
  a: number, lda: number, b: number, ldb: number, beta: number, c: number, ldc: number, part: number, parts: number,
) => void;

export class GemmTeam {
  private readonly ctrl: Int32Array;
  private readonly ctrlF: Float32Array;

  constructor(memory: WebAssembly.Memory, control: number, private readonly workers: WorkerHandle[], private readonly gemmPart: GemmPart) {
    this.ctrl = new Int32Array(memory.buffer, control, Slot.Count);
    this.ctrlF = new Float32Array(memory.buffer, control, Slot.Count);
  }

  get threads(): number {
    return this.workers.length + 1;
  }

  /** Runs a product on all threads; returns when every slab is done. Arguments are byte pointers. */
  gemm(
    transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number,
    a: number, lda: number, b: number, ldb: number, beta: number, c: number, ldc: number,
  ): void {
    const ctrl = this.ctrl, parts = this.threads;
    ctrl[Slot.Op] = Op.Gemm;
    ctrl[Slot.Parts] = parts;
    ctrl[Slot.TransA] = +transA; ctrl[Slot.TransB] = +transB;
    ctrl[Slot.M] = m; ctrl[Slot.N] = n; ctrl[Slot.K] = k;
    ctrl[Slot.A] = a; ctrl[Slot.Lda] = lda; ctrl[Slot.B] = b; ctrl[Slot.Ldb] = ldb; ctrl[Slot.C] = c; ctrl[Slot.Ldc] = ldc;
    this.ctrlF[Slot.Alpha] = alpha; this.ctrlF[Slot.Beta] = beta;
    Atomics.store(ctrl, Slot.Done, 0);
    Atomics.add(ctrl, Slot.Generation, 1);
    Atomics.notify(ctrl, Slot.Generation);
    this.gemmPart(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, 0, parts);
    awaitValue(ctrl, Slot.Done, parts - 1);
  }

  close(): void {
    this.ctrl[Slot.Op] = Op.Stop;
    Atomics.add(this.ctrl, Slot.Generation, 1);
    Atomics.notify(this.ctrl, Slot.Generation);
    for (const w of this.workers) w.terminate();
  }
}

/** Spins, then sleeps, until ctrl[slot] === target. */
function awaitValue(ctrl: Int32Array, slot: number, target: number): void {
  for (let i = 0; i < SPIN_ITERATIONS; i++) if (Atomics.load(ctrl, slot) === target) return;
  for (let v = Atomics.load(ctrl, slot); v !== target; v = Atomics.load(ctrl, slot)) Atomics.wait(ctrl, slot, v);
}
