/**
 * The wasm backend's allocator over its shared WebAssembly.Memory: a bump pointer plus free lists
 * per size class. Blocks are 64-byte aligned (a cache line; SIMD needs 16). Views stay valid when
 * the memory grows, because a shared memory's old buffer is never detached.
 */
import type { DType, Storage } from '../backend.ts';
import { MemoryLimitError, formatBytes } from '../../errors.ts';

const ALIGN = 64;
const PAGE = 65536;

/** Block size for a request: multiples of 64 bytes up to 4 KiB, then 8 classes per power of two. */
function sizeClass(bytes: number): number {
  const aligned = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
  if (aligned <= 4096) return aligned;
  const step = 2 ** (Math.floor(Math.log2(aligned)) - 3);
  return Math.ceil(aligned / step) * step;
}

export class WasmHeap {
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
    readonly memory: WebAssembly.Memory, base: number, readonly maxBytes: number,
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
      throw new Error(`free: the array (offset ${a.byteOffset}, length ${a.length}) is not a live block of this wasm backend`);
    }
    this.live.delete(a.byteOffset);
    let list = this.freeBlocks.get(size);
    if (!list) this.freeBlocks.set(size, (list = []));
    list.push(a.byteOffset);
  }

  private ensureCapacity(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    if (end > this.maxBytes) throw new MemoryLimitError('wasm', end, this.maxBytes, `allocating ${formatBytes(end - this.top)} with ${formatBytes(this.top)} in use`);
    // Grow by at least a quarter of the current size so that growth is amortised.
    const target = Math.min(this.maxBytes, Math.max(end, have + have / 4));
    this.memory.grow(Math.ceil((target - have) / PAGE));
  }
}
