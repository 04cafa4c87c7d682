/**
 * loadNativeBackend: the C backend — GEMM micro-kernels for AVX-512 or AVX2 + FMA chosen from the
 * CPU's features (a portable C build elsewhere), the cell, optimizer, softmax and embedding
 * kernels, and a pthread team — as a Node-API addon that `npm install` compiles from the sources
 * beside this file (build.mjs). Node only. The JavaScript side is the wasm backend's
 * (KernelBackend): arrays are views into the addon's arena, kernels take byte offsets into it.
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { BlockHeap } from '../block-heap.ts';
import { KernelBackend, blockZeroer, type Kernels, type Team } from '../kernel-backend.ts';
import { ROW_KERNELS } from '../wasm/team-protocol.mjs';
import type { F32, I32, Word2VecJob } from '../backend.ts';
import { NOISE_GUIDE_LENGTH, SIGMOID_TABLE, fillNoiseGuide, longestChunk } from '../reference/word2vec.ts';
import { RnnkitError, ValueError } from '../../errors.ts';

export const NATIVE_ISAS = ['avx512', 'avx2', 'portable'] as const;
/** The kernel builds: AVX-512F, AVX2 + FMA (x86-64), portable C (every CPU; multiply then add). */
export type NativeIsa = (typeof NATIVE_ISAS)[number];

export interface NativeBackendOptions {
  /** Threads (the calling thread included); default: the available cores. */
  threads?: number;
  /** Kernel build; default: the fastest this CPU runs. Builds round differently (FMA or not). */
  isa?: NativeIsa;
}

/** The native addon is not built or cannot load here; the message says why and how to build it. */
export class NativeBackendUnavailableError extends RnnkitError {}

const ADDON_PATH = fileURLToPath(new URL('../../../build/native/rnnkit.node', import.meta.url));
/** Address space the arena reserves: the most one ArrayBuffer over external memory may span in Node. */
const ARENA_BYTES = 2 ** 32;
/** Bytes the addon commits when it creates the arena. */
const INITIAL_COMMIT = 1 << 20;
const COMMIT_UNIT = 65536;

interface AddonTeam {
  gemm: Team['gemm'];
  gemmPacked: Team['gemmPacked'];
  matVecSum: Team['matVecSum'];
  rows(kernelIndex: number, rows: number, argc: number, ...argsThenStrides: number[]): void;
}

/** addon.c's word2vec round (its WORD2VEC case names the arguments, pointers as arena byte offsets). */
type Word2VecRound = (...args: number[]) => void;

interface AddonBackend {
  isa: NativeIsa;
  threads: number;
  memory: ArrayBuffer;
  heapBase: number;
  kernels: Kernels & { word2vec: Word2VecRound };
  team: AddonTeam;
  grow(bytes: number): void;
  close(): void;
}

interface Addon {
  createBackend(isa: string, threads: number, reserveBytes: number): AddonBackend;
  runnableIsas(): NativeIsa[];
}

let addon: Addon | undefined;

function loadAddon(): Addon {
  if (addon) return addon;
  try {
    addon = createRequire(import.meta.url)(ADDON_PATH) as Addon;
    return addon;
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' ? 'it is not built' : (e as Error).message.split('\n')[0];
    throw new NativeBackendUnavailableError(`native backend unavailable: ${ADDON_PATH}: ${reason} (build it with \`npx rnnkit build-native\`)`);
  }
}

/** The kernel builds this CPU runs, fastest first (throws NativeBackendUnavailableError without the addon). */
export function nativeIsas(): NativeIsa[] {
  return loadAddon().runnableIsas();
}

/** word2vec progress: about this many reports per run (rounds of one to 32 jobs per thread). */
const WORD2VEC_REPORTS = 20;

export class NativeBackend extends KernelBackend {
  private readonly word2vecRound: Word2VecRound;

  constructor(kernels: Kernels & { word2vec: Word2VecRound }, private readonly blocks: BlockHeap, team: Team, readonly isa: NativeIsa) {
    super('native', kernels, blocks, team);
    this.word2vecRound = kernels.word2vec;
  }

  /**
   * word2vec on the team's threads, which claim jobs from a shared counter and update the vectors
   * without locks; handed out in rounds of a few jobs per thread, with progress between rounds (a
   * thread that finishes its last job of a round early waits for the others).
   */
  word2vecTrain(job: Word2VecJob, onProgress?: (jobsDone: number) => void): void {
    const jobs = job.alphas.length, longest = longestChunk(job.chunkStarts), threads = this.threads;
    const scratchBytes = Math.ceil(((2 * longest + 2 * job.dim) * 4) / 64) * 64;
    const scratch = this.blocks.alloc((threads * scratchBytes) / 4, 'float32');
    const sigmoid = this.blocks.alloc(SIGMOID_TABLE.length, 'float32') as F32;
    const guide = this.blocks.alloc(NOISE_GUIDE_LENGTH, 'int32') as I32;
    const counter = this.blocks.alloc(1, 'int32') as I32;
    try {
      sigmoid.set(SIGMOID_TABLE);
      fillNoiseGuide(job.noise, guide);
      const at = (x: F32 | I32 | null) => this.addressOf(x);
      const round = Math.min(32 * threads, Math.max(threads, Math.ceil(jobs / WORD2VEC_REPORTS)));
      for (let first = 0; first < jobs;) {
        const last = Math.min(jobs, first + round);
        counter[0] = first;
        this.word2vecRound(
          job.mode === 'cbow' ? 1 : 0, +job.cbowMean, job.dim, job.window, job.negative, job.chunkStarts.length - 1, job.noise.length,
          at(job.input), at(job.output), at(job.tokens), at(job.chunkStarts), at(job.keep), at(job.noise), at(guide), at(job.seeds),
          at(job.alphas), at(sigmoid), at(scratch), scratchBytes, longest, at(counter), last,
        );
        first = last;
        onProgress?.(last);
      }
    } finally {
      for (const block of [counter, guide, sigmoid, scratch]) this.blocks.free(block);
    }
  }
}

/**
 * The native backend with `threads` threads on the kernel build `isa`, synchronously; throws
 * NativeBackendUnavailableError when the addon is not built, ValueError for bad options.
 */
export function loadNativeBackend(options: NativeBackendOptions = {}): NativeBackend {
  const threads = options.threads ?? availableParallelism();
  if (!Number.isInteger(threads) || threads < 1) throw new ValueError('threads', 'an integer ≥ 1', String(threads));
  const { isa } = options;
  if (isa !== undefined && !NATIVE_ISAS.includes(isa)) throw new ValueError('isa', `one of ${NATIVE_ISAS.join(', ')}`, JSON.stringify(isa));
  const native = loadAddon();
  if (isa !== undefined && !native.runnableIsas().includes(isa)) {
    throw new ValueError('isa', `a kernel build this CPU runs (${native.runnableIsas().join(', ')})`, isa);
  }
  const backend = native.createBackend(isa ?? '', threads, ARENA_BYTES);
  let committed = INITIAL_COMMIT;
  const memory = {
    buffer: backend.memory,
    get byteLength() {
      return committed;
    },
    grow(bytes: number) {
      backend.grow(bytes);
      committed = Math.ceil(bytes / COMMIT_UNIT) * COMMIT_UNIT;
    },
  };
  const team: Team = {
    threads: backend.threads,
    gemm: backend.team.gemm,
    gemmPacked: backend.team.gemmPacked,
    matVecSum: backend.team.matVecSum,
    rows: (kernel, rows, args, strides) => backend.team.rows(ROW_KERNELS.indexOf(kernel), rows, args.length, ...args, ...strides),
    close: () => backend.close(),
  };
  const heap = new BlockHeap('native', memory, backend.heapBase, ARENA_BYTES, blockZeroer(backend.kernels, () => team));
  return new NativeBackend(backend.kernels, heap, team, backend.isa);
}
