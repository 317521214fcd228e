// The WASM backend's memory: one WebAssembly.Memory (shared where SharedArrayBuffer is available, so
// worker threads run kernels on it) and a size-class allocator over it. A Storage's `handle` is a typed
// array viewing its bytes, shaped exactly like the CPU backend's (Float32Array for f32/f16, Int32Array,
// Uint32Array), so the CPU reference kernels run unchanged on WASM storage.
import { type DType, type HostArray, hostArray } from '../../dtype.js';
import type { Backend, Storage } from '../backend.js';

const PAGE = 65536;
/** Every element takes 4 bytes, f16 included (stored widened, rounded, like the CPU backend). */
export const ELEM = 4;
const ALIGN = 64;
/** First 1 KiB is never handed out: address 0 stays a null pointer. */
const HEAP_BASE = 1024;
/** 2 GiB: wasm32 addresses above that would not fit the i32 arguments we pass. */
export const MAX_PAGES = 32768;

export function createMemory(shared: boolean, initialPages = 256): WebAssembly.Memory {
  return new WebAssembly.Memory({ initial: initialPages, maximum: MAX_PAGES, shared });
}

export class WasmStorage implements Storage {
  refs = 0;
  private view: HostArray | null = null;

  constructor(
    readonly backend: Backend,
    private readonly heap: Heap,
    /** Byte address in the memory. */
    readonly ptr: number,
    /** Elements. */
    readonly length: number,
    readonly dtype: DType,
    /** Bytes reserved (the allocator's size class). */
    readonly capacity: number,
  ) {}

  get bytes(): number {
    return this.length * ELEM;
  }

  /** A typed array over this storage's bytes (re-made when the memory grew and the old buffer went stale). */
  get handle(): HostArray {
    const buf = this.heap.memory.buffer;
    if (!this.view || this.view.buffer !== buf) {
      if (this.length === 0) this.view = hostArray(this.dtype, 0);
      else if (this.dtype === 'i32') this.view = new Int32Array(buf as ArrayBuffer, this.ptr, this.length);
      else if (this.dtype === 'u32') this.view = new Uint32Array(buf as ArrayBuffer, this.ptr, this.length);
      else this.view = new Float32Array(buf as ArrayBuffer, this.ptr, this.length);
    }
    return this.view;
  }
}

/**
 * Bump allocator with exact size-class free lists (sizes rounded to 64 bytes), like the GPU buffer
 * pool: training loops reuse the same shapes, so freed blocks are taken again by the next step.
 * The memory only grows (WebAssembly memories cannot shrink); trim() drops the free lists when
 * nothing is live.
 */
export class Heap {
  private top = HEAP_BASE;
  private readonly free = new Map<number, number[]>();
  live = 0;
  inUse = 0;
  pooled = 0;

  constructor(readonly memory: WebAssembly.Memory) {}

  get allocated(): number {
    return this.top - HEAP_BASE;
  }

  /** Byte address of a block of at least `bytes` bytes, 64-byte aligned. */
  alloc(bytes: number): { ptr: number; capacity: number } {
    const cap = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
    this.live++;
    this.inUse += cap;
    const list = this.free.get(cap);
    if (list?.length) {
      this.pooled -= cap;
      return { ptr: list.pop()!, capacity: cap };
    }
    const ptr = this.top;
    const end = ptr + cap;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      const need = Math.ceil((end - have) / PAGE);
      const pages = have / PAGE;
      // grow by at least a quarter so a growing model does not grow page by page
      const grow = Math.min(Math.max(need, pages >> 2), MAX_PAGES - pages);
      if (grow < need) {
        this.live--;
        this.inUse -= cap;
        throw new RangeError(
          `wasm backend: out of memory allocating ${bytes} bytes (${have} in use of the ${MAX_PAGES * PAGE}-byte maximum)`,
        );
      }
      this.memory.grow(grow);
    }
    this.top = end;
    return { ptr, capacity: cap };
  }

  release(ptr: number, capacity: number): void {
    this.live--;
    this.inUse -= capacity;
    this.pooled += capacity;
    const list = this.free.get(capacity);
    if (list) list.push(ptr);
    else this.free.set(capacity, [ptr]);
  }

  /** Forget free blocks; when nothing is live, start the heap over. */
  trim(): void {
    if (this.live === 0) {
      this.free.clear();
      this.pooled = 0;
      this.top = HEAP_BASE;
    }
  }
}
