/**
 * The wasm backend: every kernel of the Backend contract runs in the AssemblyScript/SIMD128 module
 * built from ./assembly, over storage that lives in the module's shared memory (arrays are views
 * into it, so no kernel call copies). Big matrix products are split across the GemmTeam.
 * Platform-neutral: the platform object loads the module and starts workers.
 */
import { BlockHeap } from '../block-heap.ts';
import { KernelBackend, blockZeroer, type Kernels } from '../kernel-backend.ts';
import { CONTROL_BYTES, GemmTeam, type WasmPlatform, type WorkerHandle } from './threads.ts';

/** Exports of the kernel module (src/backend/wasm/assembly/index.ts): the kernels and the module's own setup. */
interface ModuleExports extends Kernels {
  heapBase(): number;
  gemmScratchBytes(): number;
  gemmInit(scratch: number): void;
}

/** Pages of the module's memory (must match `--initialMemory` / `--maximumMemory` of build:wasm). */
const INITIAL_PAGES = 64;
const MAXIMUM_PAGES = 32768;
const PAGE = 65536;
/**
 * The two builds of the kernel module (package.json, build:wasm): with relaxed SIMD, whose fused
 * multiply-add the engine maps to the CPU's FMA instruction (bench/gemm.ts on the W1 shapes: 31 →
 * 39 GFLOP/s per thread on an AMD EPYC), and plain SIMD128 for engines without it. Products round
 * differently (once per multiply-add, or twice), so runs are bit-identical only on the same build.
 */
export const MODULE_BUILDS = { fused: 'rnnkit-relaxed.wasm', plain: 'rnnkit.wasm' } as const;

export interface WasmBackendOptions {
  /** Threads for big matrix products (the calling thread included); default: the platform's core count. */
  threads?: number;
  /**
   * Use the fused multiply-add build: true requires it, false takes the plain SIMD128 build;
   * default: fused where the engine runs relaxed SIMD.
   */
  fusedMultiplyAdd?: boolean;
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

async function loadKernelModule(platform: WasmPlatform, fused: boolean | undefined): Promise<{ module: WebAssembly.Module; fused: boolean }> {
  if (fused !== false) {
    const module = await platform.loadModule(MODULE_BUILDS.fused);
    if (module) return { module, fused: true };
    if (fused) throw new Error('createWasmBackend: fusedMultiplyAdd: true needs relaxed SIMD, which this JavaScript engine lacks');
  }
  const module = await platform.loadModule(MODULE_BUILDS.plain);
  if (!module) throw new Error('wasm backend: this JavaScript engine cannot run WebAssembly SIMD128 with threads');
  return { module, fused: false };
}

export async function instantiateWasmBackend(platform: WasmPlatform, options: WasmBackendOptions = {}): Promise<WasmBackend> {
  const threads = options.threads ?? platform.defaultThreads();
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`createWasmBackend: threads must be an integer ≥ 1, got ${threads}`);
  const { module, fused } = await loadKernelModule(platform, options.fusedMultiplyAdd);
  const memory = new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum: MAXIMUM_PAGES, shared: true });
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  const kernels = instance.exports as unknown as ModuleExports;
  let team: GemmTeam | null = null; // big reused blocks are cleared by the team once it exists
  const heap = new BlockHeap('wasm', wasmHeapMemory(memory), kernels.heapBase(), MAXIMUM_PAGES * 65536, blockZeroer(kernels, () => team));
  const scratchBytes = kernels.gemmScratchBytes();
  kernels.gemmInit(heap.allocBytes(scratchBytes));
  const control = heap.allocBytes(CONTROL_BYTES);
  const workers: WorkerHandle[] = await Promise.all(
    Array.from({ length: threads - 1 }, () =>
      platform.startWorker({ module, memory, control, scratch: heap.allocBytes(scratchBytes) })),
  );
  team = new GemmTeam(memory, control, workers, kernels);
  return new WasmBackend(kernels, heap, team, fused);
}

export class WasmBackend extends KernelBackend {
  /**
   * @param fusedMultiplyAdd whether the kernels are the relaxed-SIMD build (see MODULE_BUILDS)
   */
  constructor(kernels: Kernels, heap: BlockHeap, team: GemmTeam, readonly fusedMultiplyAdd: boolean) {
    super('wasm', kernels, heap, team);
  }
}
