/**
 * The wasm backend: every kernel of the Backend contract runs in the AssemblyScript/SIMD128 module
 * built from ./assembly, over storage that lives in the module's memory (arrays are views into it,
 * so no kernel call copies); the translation from arrays to kernel calls is KernelBackend's, shared
 * with the native backend. Big matrix products are split across the GemmTeam.
 * Platform-neutral: the platform object loads the module and starts workers.
 */
import type { F32, I32, Word2VecJob } from '../backend.ts';
import { NOISE_GUIDE_LENGTH, SIGMOID_TABLE, fillNoiseGuide, longestChunk } from '../reference/word2vec.ts';
import { BlockHeap } from '../block-heap.ts';
import { KernelBackend, blockZeroer, type Kernels } from '../kernel-backend.ts';
import type { WasmBackend, WasmBackendOptions } from './types.ts';
import { ValueError } from '../../errors.ts';
import { CONTROL_BYTES, GemmTeam, type WasmPlatform } from './threads.ts';

/** Exports of the kernel module (src/backend/wasm/assembly/index.ts): the shared kernels and the module's own. */
interface ModuleExports extends Kernels {
  heapBase(): number;
  gemmScratchBytes(): number;
  gemmInit(scratch: number): void;
  word2vecScratchBytes(longest: number, dim: number): number;
  word2vecWork(args: number, slot: number, maxJobs: number): number;
}

/** Word index of each field of the word2vec job record (assembly/word2vec.ts, ARG_*). */
const WORD2VEC_ARG = {
  mode: 0, cbowMean: 1, dim: 2, window: 3, negative: 4, input: 5, output: 6, tokens: 7, chunkStarts: 8, chunks: 9,
  keep: 10, noise: 11, vocab: 12, alphas: 13, seeds: 14, jobs: 15, nextJob: 16, sigmoid: 17, scratch: 18, scratchBytes: 19,
  longest: 20, noiseGuide: 21, count: 22,
} as const;

/** Pages of the module's memory (must match `--initialMemory` / `--maximumMemory` in scripts/build-wasm.mjs). */
const INITIAL_PAGES = 64;
const MAXIMUM_PAGES = 32768;
const PAGE = 65536;
/**
 * The builds of the kernel module (scripts/build-wasm.mjs). Each comes with relaxed SIMD, whose
 * fused multiply-add the engine maps to the CPU's FMA instruction (bench/gemm.ts on the W1 shapes:
 * 31 → 39 GFLOP/s per thread on an AMD EPYC), and in plain SIMD128 for engines without it. Products
 * round differently (once per multiply-add, or twice), so runs are bit-identical only on the same
 * kind. The shared builds import a shared, growable memory, for a team of worker threads (Node; a
 * cross-origin-isolated page); the single-thread builds are the same kernels over a memory that is
 * not shared (a page without cross-origin isolation), of a fixed size, since growing a memory that
 * is not shared would detach every tensor's view into it.
 */
export const MODULE_BUILDS = {
  shared: { fused: 'rnnkit-relaxed.wasm', plain: 'rnnkit.wasm' },
  single: { fused: 'rnnkit-relaxed-single.wasm', plain: 'rnnkit-single.wasm' },
} as const;

/** Memory of a single-thread build when WasmBackendOptions.memoryBytes is not given. */
const DEFAULT_SINGLE_MEMORY_BYTES = 256 * 2 ** 20;

/** A compiled build of the kernel module. */
export interface KernelModule {
  module: WebAssembly.Module;
  /** Whether it is a fused multiply-add (relaxed SIMD) build. */
  fused: boolean;
  /** Whether it imports shared memory (a team of threads) or is a single-thread build. */
  shared: boolean;
}

/**
 * Which build to compile: the fused one where the engine validates it (unless `fused` is false),
 * else the plain one. `bytesOf` reads a build (a file name of MODULE_BUILDS).
 */
export function selectBuild(shared: boolean, fused: boolean | undefined, bytesOf: (file: string) => BufferSource): { bytes: BufferSource; fused: boolean } {
  const builds = shared ? MODULE_BUILDS.shared : MODULE_BUILDS.single;
  if (fused !== false) {
    const bytes = bytesOf(builds.fused);
    if (WebAssembly.validate(bytes)) return { bytes, fused: true };
    if (fused) throw new Error('createWasmBackend: fusedMultiplyAdd: true needs relaxed SIMD, which this JavaScript engine lacks');
  }
  const bytes = bytesOf(builds.plain);
  if (!WebAssembly.validate(bytes)) throw new Error(`wasm backend: this JavaScript engine cannot run WebAssembly SIMD128${shared ? ' with threads' : ''}`);
  return { bytes, fused: false };
}

/** Reads and compiles the build selectBuild picks, asynchronously (as a browser must). */
export async function compileKernelModule(platform: WasmPlatform, fused: boolean | undefined): Promise<KernelModule> {
  const shared = platform.sharedMemory;
  const builds = shared ? MODULE_BUILDS.shared : MODULE_BUILDS.single;
  const files = fused === false ? [builds.plain] : [builds.fused, builds.plain];
  const read = new Map<string, BufferSource>(await Promise.all(files.map(async (file) => [file, await platform.readModule(file)] as const)));
  const chosen = selectBuild(shared, fused, (file) => read.get(file)!);
  return { module: await WebAssembly.compile(chosen.bytes), fused: chosen.fused, shared };
}

/** A backend and the promise that its GEMM workers are up (they join its jobs as they come up). */
export interface StartedWasmBackend {
  backend: WasmBackend;
  workersReady: Promise<void>;
}

/**
 * Creates the backend synchronously over a compiled build: instantiates it over a new memory and
 * starts its GEMM workers without waiting for them. Until a worker is up, the calling thread
 * computes the slabs it would have taken, so results do not depend on when workers join.
 */
export function startWasmBackend(kernel: KernelModule, platform: WasmPlatform, options: WasmBackendOptions = {}): StartedWasmBackend {
  const threads = options.threads ?? (kernel.shared ? platform.defaultThreads() : 1);
  if (!Number.isInteger(threads) || threads < 1) throw new ValueError('threads', 'an integer ≥ 1', String(threads));
  if (threads > 1 && !kernel.shared) {
    throw new ValueError('threads', '1 on a page that is not cross-origin isolated (more threads share memory, which needs the COOP/COEP headers)', String(threads));
  }
  const pages = kernel.shared ? MAXIMUM_PAGES : singleBuildPages(options.memoryBytes ?? DEFAULT_SINGLE_MEMORY_BYTES);
  const memory = new WebAssembly.Memory(kernel.shared
    ? { initial: INITIAL_PAGES, maximum: pages, shared: true }
    : { initial: pages, maximum: pages });
  const instance = new WebAssembly.Instance(kernel.module, { env: { memory } });
  const kernels = instance.exports as unknown as ModuleExports;
  let team: GemmTeam | null = null; // big reused blocks are cleared by the team once it exists
  const heap = new BlockHeap('wasm', wasmHeapMemory(memory), kernels.heapBase(), pages * PAGE, blockZeroer(kernels, () => team));
  const scratchBytes = kernels.gemmScratchBytes();
  kernels.gemmInit(heap.allocBytes(scratchBytes));
  const control = heap.allocBytes(CONTROL_BYTES);
  const workers = Array.from({ length: threads - 1 }, () =>
    platform.startWorker({ module: kernel.module, memory, control, scratch: heap.allocBytes(scratchBytes) }));
  team = new GemmTeam(memory, control, workers.map((w) => w.handle), kernels);
  return { backend: new WasmBackendImpl(kernels, heap, team, kernel.fused), workersReady: Promise.all(workers.map((w) => w.ready)).then(() => {}) };
}

/** A wasm memory as the heap sees it: grown in whole pages, a new buffer object after each grow. */
function wasmHeapMemory(memory: WebAssembly.Memory) {
  return {
    get buffer() {
      return memory.buffer;
    },
    get byteLength() {
      return memory.buffer.byteLength;
    },
    grow(bytes: number) {
      memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / PAGE));
    },
  };
}

function singleBuildPages(bytes: number): number {
  const pages = Math.ceil(bytes / 65536);
  if (!Number.isFinite(bytes) || pages < INITIAL_PAGES || pages > MAXIMUM_PAGES) {
    throw new ValueError('memoryBytes', `a size from ${INITIAL_PAGES * 65536} to ${MAXIMUM_PAGES * 65536} bytes`, String(bytes));
  }
  return pages;
}

/** Creates the backend and waits until its GEMM workers are up (closing it if one fails to start). */
export async function instantiateWasmBackend(platform: WasmPlatform, options: WasmBackendOptions = {}): Promise<WasmBackend> {
  const { backend, workersReady } = startWasmBackend(await compileKernelModule(platform, options.fusedMultiplyAdd), platform, options);
  try {
    await workersReady;
  } catch (e) {
    backend.close();
    throw e;
  }
  return backend;
}

export class WasmBackendImpl extends KernelBackend implements WasmBackend {
  declare readonly name: 'wasm';

  /**
   * @param fusedMultiplyAdd whether the kernels are the relaxed-SIMD build (see MODULE_BUILDS)
   */
  constructor(
    private readonly moduleExports: ModuleExports, private readonly blockHeap: BlockHeap, private readonly gemmTeam: GemmTeam,
    readonly fusedMultiplyAdd: boolean,
  ) {
    super('wasm', moduleExports, blockHeap, gemmTeam);
  }

  word2vecTrain(job: Word2VecJob, onProgress?: (jobsDone: number) => void): void {
    const threads = this.gemmTeam.threads, jobs = job.alphas.length, longest = longestChunk(job.chunkStarts);
    const scratchBytes = this.moduleExports.word2vecScratchBytes(longest, job.dim);
    const scratch = this.blockHeap.alloc((threads * scratchBytes) / 4, 'float32');
    const sigmoid = this.blockHeap.alloc(SIGMOID_TABLE.length, 'float32') as F32;
    const record = this.blockHeap.alloc(WORD2VEC_ARG.count, 'int32') as I32;
    const guide = this.blockHeap.alloc(NOISE_GUIDE_LENGTH, 'int32') as I32;
    try {
      sigmoid.set(SIGMOID_TABLE);
      fillNoiseGuide(job.noise, guide);
      const A = WORD2VEC_ARG;
      record[A.mode] = job.mode === 'cbow' ? 1 : 0;
      record[A.cbowMean] = +job.cbowMean;
      record[A.dim] = job.dim; record[A.window] = job.window; record[A.negative] = job.negative;
      record[A.input] = this.addressOf(job.input); record[A.output] = this.addressOf(job.output);
      record[A.tokens] = this.addressOf(job.tokens); record[A.chunkStarts] = this.addressOf(job.chunkStarts);
      record[A.chunks] = job.chunkStarts.length - 1;
      record[A.keep] = this.addressOf(job.keep); record[A.noise] = this.addressOf(job.noise); record[A.vocab] = job.noise.length;
      record[A.alphas] = this.addressOf(job.alphas); record[A.seeds] = this.addressOf(job.seeds); record[A.jobs] = jobs;
      record[A.sigmoid] = this.addressOf(sigmoid); record[A.scratch] = this.addressOf(scratch);
      record[A.scratchBytes] = scratchBytes; record[A.longest] = longest; record[A.noiseGuide] = this.addressOf(guide);
      const args = this.addressOf(record), callerSlot = threads - 1;
      this.gemmTeam.word2vec(args, () => {
        while (this.moduleExports.word2vecWork(args, callerSlot, 1) > 0) onProgress?.(Math.min(jobs, Atomics.load(record, A.nextJob)));
      });
      onProgress?.(jobs);
    } finally {
      this.blockHeap.free(guide);
      this.blockHeap.free(record);
      this.blockHeap.free(sigmoid);
      this.blockHeap.free(scratch);
    }
  }
}
