// The WASM backend's memory: one WebAssembly.Memory (shared where SharedArrayBuffer is available, so
// worker threads run kernels on it) and an allocator over it that splits and coalesces free blocks. A Storage's `handle` is a typed
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
    /** Bytes reserved (the allocator's block: `bytes` rounded up to 64). */
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

/** Bins: one per 64-byte size below 4 KiB (exact), then 16 per power of two. */
const EXACT_UNITS = 64;
const SUB_BITS = 4;
const NBINS = EXACT_UNITS + (25 - 6 + 1) * (1 << SUB_BITS); // 2 GiB = 2^25 units of 64 bytes
/** Blocks looked at in a bin whose sizes differ, before the search moves to the next bin (whose blocks all fit). */
const SCAN = 8;

/** A free block (its bytes are not in use): [ptr, ptr + size). */
interface FreeBlock {
  ptr: number;
  size: number;
  bin: number;
  /** Position in bins[bin]. */
  at: number;
}

/** The bin of a block of `units` 64-byte units: exact below 64 units, else 16 sub-bins per power of two. */
function binOf(units: number): number {
  if (units < EXACT_UNITS) return units;
  const fl = 31 - Math.clz32(units); // >= 6
  return EXACT_UNITS + ((fl - 6) << SUB_BITS) + ((units >>> (fl - SUB_BITS)) & ((1 << SUB_BITS) - 1));
}

/** The smallest block of at least `cap` bytes in list[stop..from] (an exact fit ends the search). */
function bestFit(list: FreeBlock[], cap: number, from: number, stop: number): FreeBlock | undefined {
  let best: FreeBlock | undefined;
  for (let i = from; i >= stop; i--) {
    const c = list[i];
    if (c.size === cap) return c;
    if (c.size > cap && (!best || c.size < best.size)) best = c;
  }
  return best;
}

/**
 * The allocator over the backend's memory: segregated free lists with splitting and coalescing, behind a
 * cache of recently freed blocks by exact size.
 *
 * Training repeats the same shapes step after step, so a freed block first goes to the cache (a list per
 * exact size, as in the pool this allocator replaced) and an allocation of that size takes it back: two
 * Map lookups, nothing merged. An allocation the cache cannot serve looks in the free blocks: they sit in
 * bins by size (exact per 64 bytes below 4 KiB, then 16 bins per power of two); it takes a block of its own
 * size when one is free, else the closest larger one (a bin above its own, found through a bitmap of
 * non-empty bins), and gives the rest back as a smaller free block. When none fits it takes new bytes at
 * the top of the heap while the memory has them. When the memory is full, the cache is first emptied into
 * the free blocks, each block merged with its free neighbours on both sides (found by start and by end
 * address), one at the top of the heap given back to the unused space above it; only when still no free
 * block fits does the memory grow (WebAssembly memories cannot shrink). So shapes that vary (sequence
 * lengths, report batches) reuse the same bytes instead of growing the memory until it runs out, as the
 * exact-size lists alone did, and a steady training loop never pays for merging.
 * Every block is 64-byte aligned and a multiple of 64 bytes, the alignment the SIMD kernels want.
 * Bookkeeping lives in JS, not in the memory, so a kernel writing out of bounds cannot corrupt it.
 */
export class Heap {
  /** Everything at or above `top` is unused. */
  private top = HEAP_BASE;
  /** Freed blocks not merged yet: exact size -> addresses (last freed last). */
  private cache = new Map<number, number[]>();
  private cached = 0;
  private readonly byStart = new Map<number, FreeBlock>();
  private readonly byEnd = new Map<number, FreeBlock>();
  private readonly bins: FreeBlock[][] = Array.from({ length: NBINS }, () => []);
  /** Bit b set when bins[b] is not empty. */
  private readonly nonEmpty = new Uint32Array((NBINS + 31) >>> 5);
  /** Live blocks. */
  live = 0;
  /** Bytes in live blocks. */
  inUse = 0;
  /** Bytes in free blocks below `top`, cached or merged (ready for reuse). */
  pooled = 0;

  constructor(readonly memory: WebAssembly.Memory) {}

  /** Bytes from the heap's base to its top: in use + pooled. */
  get allocated(): number {
    return this.top - HEAP_BASE;
  }

  /** Free blocks below the top, cached or merged (for tests and stats). */
  get freeBlocks(): number {
    return this.byStart.size + this.cached;
  }

  /** Byte address of a block of at least `bytes` bytes, 64-byte aligned. */
  alloc(bytes: number): { ptr: number; capacity: number } {
    if (!(bytes <= MAX_PAGES * PAGE)) this.outOfMemory(bytes); // also NaN; keeps sizes in binOf's range
    const units = bytes <= ALIGN ? 1 : Math.ceil(bytes / ALIGN);
    const cap = units * ALIGN;
    let ptr: number;
    const list = this.cache.get(cap);
    if (list !== undefined && list.length > 0) {
      ptr = list.pop()!;
      this.cached--;
      this.pooled -= cap;
    } else {
      let blk = this.findFree(cap, units);
      // new bytes at the top while the memory has them; else merge the cache before the memory grows
      if (!blk && this.cached > 0 && this.top + cap > this.memory.buffer.byteLength) {
        this.consolidate();
        blk = this.findFree(cap, units);
      }
      if (blk) {
        ptr = blk.ptr;
        this.unbin(blk);
        this.byStart.delete(ptr);
        if (blk.size === cap) this.byEnd.delete(ptr + cap);
        else {
          // split: the rest stays free (same end, so byEnd still points at it)
          blk.ptr = ptr + cap;
          blk.size -= cap;
          this.byStart.set(blk.ptr, blk);
          this.addToBin(blk);
        }
        this.pooled -= cap;
      } else {
        ptr = this.top;
        this.ensure(ptr + cap, bytes);
        this.top = ptr + cap;
      }
    }
    this.live++;
    this.inUse += cap;
    return { ptr, capacity: cap };
  }

  /** Gives back a block `alloc` returned (`capacity` as it said). */
  release(ptr: number, capacity: number): void {
    if (
      ptr < HEAP_BASE ||
      ptr + capacity > this.top ||
      ptr % ALIGN !== 0 ||
      capacity % ALIGN !== 0 ||
      capacity <= 0
    )
      throw new RangeError(
        `wasm backend: release of a block that was never allocated (address ${ptr}, ${capacity} bytes; heap [${HEAP_BASE}, ${this.top}))`,
      );
    this.live--;
    this.inUse -= capacity;
    this.pooled += capacity;
    this.cached++;
    const list = this.cache.get(capacity);
    if (list !== undefined) list.push(ptr);
    else this.cache.set(capacity, [ptr]);
  }

  /**
   * Merges every cached block into the free blocks (alloc does it before the memory would grow):
   * afterwards no two free blocks touch, and none touches the top.
   */
  consolidate(): void {
    if (this.cached === 0) return;
    for (const [capacity, ptrs] of this.cache) for (const ptr of ptrs) this.merge(ptr, capacity);
    this.cache = new Map();
    this.cached = 0;
  }

  /** Merges the cache; when nothing is live, starts the heap over (every block is free). */
  trim(): void {
    if (this.live > 0) this.consolidate();
    else {
      this.cache = new Map();
      this.cached = 0;
      this.byStart.clear();
      this.byEnd.clear();
      for (const b of this.bins) b.length = 0;
      this.nonEmpty.fill(0);
      this.pooled = 0;
      this.top = HEAP_BASE;
    }
  }

  /** A free block (counted in `pooled`) joins its free neighbours, or the unused space when it ends at the top. */
  private merge(ptr: number, capacity: number): void {
    const end = ptr + capacity;
    const left = this.byEnd.get(ptr);
    if (end === this.top) {
      if (left) this.drop(left);
      this.top = left ? left.ptr : ptr;
      this.pooled -= capacity;
      return;
    }
    const right = this.byStart.get(end);
    if (left) {
      this.byEnd.delete(ptr);
      left.size += capacity;
      if (right) {
        this.drop(right);
        this.pooled += right.size; // drop() took it off the pool; it is part of `left` now
        left.size += right.size;
      }
      this.byEnd.set(left.ptr + left.size, left);
      this.rebin(left);
    } else if (right) {
      this.byStart.delete(end);
      right.ptr = ptr;
      right.size += capacity;
      this.byStart.set(ptr, right);
      this.rebin(right);
    } else {
      const blk: FreeBlock = { ptr, size: capacity, bin: 0, at: 0 };
      this.byStart.set(ptr, blk);
      this.byEnd.set(end, blk);
      this.addToBin(blk);
    }
  }

  /**
   * A free block of at least `cap` bytes, or none when no free block is that big: its own size first, else
   * the closest larger bin (any of its blocks fits). A bin of mixed sizes is searched from its newest block,
   * a few at first, the whole bin only when no larger bin has a block.
   */
  private findFree(cap: number, units: number): FreeBlock | undefined {
    const b = binOf(units);
    const list = this.bins[b];
    const n = list.length;
    if (n > 0) {
      if (b < EXACT_UNITS) return list[n - 1];
      const best = bestFit(list, cap, n - 1, Math.max(0, n - SCAN));
      if (best) return best;
    }
    const up = this.nextBin(b + 1);
    if (up >= 0) {
      const l = this.bins[up];
      return l[l.length - 1];
    }
    return n > SCAN ? bestFit(list, cap, n - SCAN - 1, 0) : undefined;
  }

  /** The first non-empty bin at or above `from`, or -1. */
  private nextBin(from: number): number {
    if (from >= NBINS) return -1;
    let w = from >>> 5;
    let bits = this.nonEmpty[w] & (~0 << (from & 31));
    while (bits === 0) {
      if (++w >= this.nonEmpty.length) return -1;
      bits = this.nonEmpty[w];
    }
    return (w << 5) + 31 - Math.clz32(bits & -bits);
  }

  private addToBin(blk: FreeBlock): void {
    const b = binOf(blk.size / ALIGN);
    const list = this.bins[b];
    blk.bin = b;
    blk.at = list.length;
    list.push(blk);
    if (blk.at === 0) this.nonEmpty[b >>> 5] |= 1 << (b & 31);
  }

  private unbin(blk: FreeBlock): void {
    const list = this.bins[blk.bin];
    const last = list.pop()!;
    if (last !== blk) {
      list[blk.at] = last;
      last.at = blk.at;
    }
    if (list.length === 0) this.nonEmpty[blk.bin >>> 5] &= ~(1 << (blk.bin & 31));
  }

  private rebin(blk: FreeBlock): void {
    if (binOf(blk.size / ALIGN) === blk.bin) return;
    this.unbin(blk);
    this.addToBin(blk);
  }

  /** Takes a free block out of every structure and off the pool. */
  private drop(blk: FreeBlock): void {
    this.unbin(blk);
    this.byStart.delete(blk.ptr);
    this.byEnd.delete(blk.ptr + blk.size);
    this.pooled -= blk.size;
  }

  /** Grows the memory so that byte `end` exists (by at least a quarter, so a growing model does not grow page by page). */
  private ensure(end: number, bytes: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    const need = Math.ceil((end - have) / PAGE);
    const pages = have / PAGE;
    const grow = Math.min(Math.max(need, pages >> 2), MAX_PAGES - pages);
    let cause: unknown;
    if (grow >= need) {
      try {
        this.memory.grow(grow);
        return;
      } catch (e) {
        cause = e; // the engine's or the memory's own maximum: try the bare need
      }
      try {
        if (grow > need) {
          this.memory.grow(need);
          return;
        }
      } catch (e) {
        cause = e;
      }
    }
    this.outOfMemory(bytes, cause);
  }

  private outOfMemory(bytes: number, cause?: unknown): never {
    throw new RangeError(
      `wasm backend: out of memory allocating ${bytes} bytes (${this.inUse} bytes in use, ${this.pooled} free in blocks too small for it; the memory has ${this.memory.buffer.byteLength} bytes, the heap's maximum is ${MAX_PAGES * PAGE})`,
      cause === undefined ? undefined : { cause },
    );
  }
}
