/**
 * The allocator of the backends that own one memory (the wasm backend's shared WebAssembly.Memory,
 * the native backend's arena): a bump pointer plus free lists per size class. Blocks are 64-byte
 * aligned (a cache line; SIMD needs 16). Views stay valid when the memory grows (a shared wasm
 * memory's old buffer is never detached; the native arena never moves).
 */
import type { DType, Storage } from './backend.ts';
import { MemoryLimitError, formatBytes } from '../errors.ts';

const ALIGN = 64;

/** The memory a heap allocates from. */
export interface HeapMemory {
  /** The buffer new views are made on (a grown wasm memory hands out a new one). */
  readonly buffer: ArrayBufferLike;
  /** Bytes usable now. */
  readonly byteLength: number;
  /** Makes at least `bytes` bytes usable. */
  grow(bytes: number): void;
}

/** Block size for a request: multiples of 64 bytes up to 4 KiB, then 8 classes per power of two. */
function sizeClass(bytes: number): number {
  const aligned = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
  if (aligned <= 4096) return aligned;
  const step = 2 ** (Math.floor(Math.log2(aligned)) - 3);
  return Math.ceil(aligned / step) * step;
}

export class BlockHeap {
  private top: number;
  private readonly freeBlocks = new Map<number, number[]>();
  /** Size class of every live block, by byte offset. */
  private readonly live = new Map<number, number>();
  /**
   * Every buffer object a view was made on: a grow hands out a new one (the old views keep
   * theirs), and V8 may hand out a fresh wrapper of the same shared memory after a GC.
   */
  private readonly buffers = new Set<ArrayBufferLike>();

  /**
   * `zero(offset, bytes)` clears a reused block: a wasm kernel, because TypedArray.fill on shared
   * memory takes V8's slow element-by-element path (it was 15 % of a W3 training step).
   */
  constructor(
    private readonly backendName: string, readonly memory: HeapMemory, base: number, readonly maxBytes: number,
    private readonly zero: (offset: number, bytes: number) => void,
  ) {
    this.top = Math.ceil(base / ALIGN) * ALIGN;
  }

  /** Whether an array is a view into this heap's memory. */
  owns(a: Storage): boolean {
    return this.buffers.has(a.buffer);
  }

  /** Byte offset of a zero-filled block of at least `bytes` bytes. */
  allocBytes(bytes: number): number {
    const size = sizeClass(bytes);
    const reused = this.freeBlocks.get(size)?.pop();
    if (reused !== undefined) {
      this.zero(reused, size);
      this.live.set(reused, size);
      return reused;
    }
    const offset = this.top;
    this.ensureCapacity(offset + size);
    this.top = offset + size;
    this.live.set(offset, size);
    return offset;
  }

  alloc(n: number, dtype: DType): Storage {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`alloc: n must be a non-negative integer, got ${n}`);
    const offset = this.allocBytes(4 * n);
    const buffer = this.memory.buffer;
    this.buffers.add(buffer);
    return dtype === 'int32' ? new Int32Array(buffer, offset, n) : new Float32Array(buffer, offset, n);
  }

  free(a: Storage): void {
    const size = this.live.get(a.byteOffset);
    if (size === undefined || !this.owns(a)) {
      throw new Error(`free: the array (offset ${a.byteOffset}, length ${a.length}) is not a live block of this backend`);
    }
    this.live.delete(a.byteOffset);
    let list = this.freeBlocks.get(size);
    if (!list) this.freeBlocks.set(size, (list = []));
    list.push(a.byteOffset);
  }

  private ensureCapacity(end: number): void {
    const have = this.memory.byteLength;
    if (end <= have) return;
    if (end > this.maxBytes) {
      throw new MemoryLimitError(this.backendName, end, this.maxBytes, `allocating ${formatBytes(end - this.top)} with ${formatBytes(this.top)} in use`);
    }
    // Grow by at least a quarter of the current size so that growth is amortised.
    this.memory.grow(Math.min(this.maxBytes, Math.max(end, have + have / 4)));
  }
}
