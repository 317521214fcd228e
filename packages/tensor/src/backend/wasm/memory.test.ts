// The WASM heap allocator on its own memory (no backend): splitting, coalescing, reuse, alignment, a
// randomized run checked against a model of the live blocks, and the fragmentation that ended long
// trainings in out-of-memory with the exact-size free lists it replaced.
import { Rng } from '@unif2ace/common';
import { describe, expect, it, vi } from 'vitest';
import { Heap } from './memory.js';

const KiB = 1024;
const heapOf = (pages = 1) => new Heap(new WebAssembly.Memory({ initial: pages, maximum: 32768 }));

describe('wasm heap allocator', () => {
  it('reuses a freed block of the same size, and hands out 64-byte aligned blocks', () => {
    const h = heapOf();
    const a = h.alloc(1000);
    expect(a.capacity).toBe(1024);
    const guard = h.alloc(10);
    expect(guard.capacity).toBe(64);
    h.release(a.ptr, a.capacity);
    expect(h.pooled).toBe(1024);
    const top = h.allocated;
    const b = h.alloc(1001);
    expect(b.ptr).toBe(a.ptr);
    expect(h.allocated).toBe(top);
    expect(h.pooled).toBe(0);
    for (const bytes of [1, 63, 64, 65, 4095, 4097, 100_000]) {
      const x = h.alloc(bytes);
      expect(x.ptr % 64, `address of a ${bytes}-byte block`).toBe(0);
      expect(x.capacity % 64).toBe(0);
      expect(x.capacity).toBeGreaterThanOrEqual(bytes);
      expect(x.capacity).toBeLessThan(bytes + 64);
    }
  });

  it('splits a larger free block and gives the rest back as a free block', () => {
    const h = heapOf();
    const big = h.alloc(64 * KiB);
    const guard = h.alloc(64);
    h.release(big.ptr, big.capacity);
    h.consolidate(); // else the 10 KiB would come from the top: the memory has room there
    const top = h.allocated;
    const a = h.alloc(10 * KiB);
    expect(a.ptr).toBe(big.ptr);
    expect(h.pooled).toBe(54 * KiB);
    expect(h.freeBlocks).toBe(1);
    const b = h.alloc(20 * KiB); // from the remainder, not from the top
    expect(b.ptr).toBe(big.ptr + 10 * KiB);
    const c = h.alloc(34 * KiB); // exactly what is left
    expect(c.ptr).toBe(big.ptr + 30 * KiB);
    expect(h.pooled).toBe(0);
    expect(h.freeBlocks).toBe(0);
    expect(h.allocated).toBe(top);
    expect(guard.ptr).toBe(big.ptr + 64 * KiB);
  });

  it('merges a freed block with free neighbours on both sides', () => {
    const h = heapOf();
    const [a, b, c, guard] = [h.alloc(3 * KiB), h.alloc(5 * KiB), h.alloc(7 * KiB), h.alloc(64)];
    h.release(a.ptr, a.capacity);
    h.release(c.ptr, c.capacity);
    h.consolidate();
    expect(h.freeBlocks).toBe(2);
    h.release(b.ptr, b.capacity);
    expect(h.freeBlocks, 'b waits in the cache').toBe(3);
    h.consolidate(); // b joins a (left) and c (right)
    expect(h.freeBlocks).toBe(1);
    expect(h.pooled).toBe(15 * KiB);
    const top = h.allocated;
    const all = h.alloc(15 * KiB);
    expect(all.ptr).toBe(a.ptr);
    expect(h.allocated).toBe(top);
    expect(h.freeBlocks).toBe(0);
    // left only, then right only
    h.release(all.ptr, all.capacity);
    const [x, y] = [h.alloc(6 * KiB), h.alloc(9 * KiB)];
    h.release(x.ptr, x.capacity);
    h.consolidate();
    h.release(y.ptr, y.capacity);
    h.consolidate(); // y merges with x on its left
    expect(h.freeBlocks).toBe(1);
    const [p, q] = [h.alloc(6 * KiB), h.alloc(9 * KiB)];
    expect([p.ptr, q.ptr]).toEqual([a.ptr, a.ptr + 6 * KiB]);
    h.release(q.ptr, q.capacity);
    h.consolidate();
    h.release(p.ptr, p.capacity);
    h.consolidate(); // p merges with q on its right
    expect(h.freeBlocks).toBe(1);
    expect(h.alloc(15 * KiB).ptr).toBe(a.ptr);
    expect(guard.ptr).toBe(a.ptr + 15 * KiB);
  });

  it('gives a freed block at the top back to the unused space, merged with a free neighbour below', () => {
    const h = heapOf();
    const a = h.alloc(8 * KiB);
    const b = h.alloc(8 * KiB);
    const c = h.alloc(8 * KiB);
    h.release(b.ptr, b.capacity);
    h.consolidate();
    expect(h.allocated).toBe(24 * KiB);
    h.release(c.ptr, c.capacity);
    h.consolidate();
    expect(h.allocated).toBe(8 * KiB);
    expect(h.pooled).toBe(0);
    expect(h.freeBlocks).toBe(0);
    h.release(a.ptr, a.capacity);
    h.consolidate();
    expect([h.allocated, h.live, h.inUse, h.pooled]).toEqual([0, 0, 0, 0]);
  });

  it('takes a freed block of the same size back unmerged, and merges the cache only when the memory is full', () => {
    const h = heapOf(1);
    const blocks = [1, 2, 3, 4].map(() => h.alloc(4 * KiB));
    const guard = h.alloc(16 * KiB);
    for (const b of blocks) h.release(b.ptr, b.capacity);
    expect(h.freeBlocks).toBe(4);
    // last freed, first taken
    expect(h.alloc(4 * KiB).ptr).toBe(blocks[3].ptr);
    expect(h.alloc(4 * KiB).ptr).toBe(blocks[2].ptr);
    expect(h.freeBlocks, 'nothing merged yet').toBe(2);
    // 8 KiB while the memory has room at the top: new bytes there, the cache stays as it is
    const fill = h.alloc(8 * KiB);
    expect(fill.ptr).toBe(guard.ptr + 16 * KiB);
    expect(h.freeBlocks).toBe(2);
    const rest = h.alloc(64 * KiB - 1024 - h.allocated); // the memory's last bytes
    expect(h.memory.buffer.byteLength).toBe(64 * KiB);
    // now no room at the top: the two cached 4 KiB neighbours merge and take it, the memory does not grow
    expect(h.alloc(8 * KiB).ptr).toBe(blocks[0].ptr);
    expect(h.memory.buffer.byteLength).toBe(64 * KiB);
    expect([h.freeBlocks, h.pooled]).toEqual([0, 0]);
    expect(rest.ptr + rest.capacity).toBe(64 * KiB);
  });

  it('grows the memory only when no free block fits, and names the sizes when it cannot', () => {
    const h = heapOf(1);
    const a = h.alloc(40 * KiB);
    const guard = h.alloc(64);
    h.release(a.ptr, a.capacity);
    expect(h.memory.buffer.byteLength).toBe(64 * KiB);
    h.alloc(30 * KiB); // fits in a's block
    expect(h.memory.buffer.byteLength).toBe(64 * KiB);
    h.alloc(30 * KiB); // does not: grows
    expect(h.memory.buffer.byteLength).toBeGreaterThan(64 * KiB);
    // a memory whose own maximum (9 pages) is below the heap's: grow() fails, the error says what was asked
    const small = new Heap(new WebAssembly.Memory({ initial: 8, maximum: 9 }));
    small.alloc(8 * 64 * KiB - 1024); // fills the 8 pages
    expect(() => small.alloc(100 * KiB)).toThrow(
      /out of memory allocating 102400 bytes \(523264 bytes in use/,
    );
    // a quarter more (2 pages) does not fit under the maximum, the bare need (1 page) does
    expect(small.alloc(60 * KiB).ptr).toBe(8 * 64 * KiB);
    expect(small.memory.buffer.byteLength).toBe(9 * 64 * KiB);
    expect(() => h.release(guard.ptr + 1, 64)).toThrow(/never allocated/);
    expect(() => h.alloc(2 ** 31)).toThrow(/out of memory allocating 2147483648 bytes/);
    expect(() => h.alloc(2 ** 40)).toThrow(/out of memory allocating 1099511627776 bytes/);
    expect(() => h.alloc(Number.NaN)).toThrow(/out of memory allocating NaN bytes/);
    // trim() merges what the cache holds while blocks are live, and starts over when none is
    const t = heapOf();
    const [x, y] = [t.alloc(4 * KiB), t.alloc(4 * KiB)];
    t.release(y.ptr, y.capacity);
    expect(t.allocated).toBe(8 * KiB);
    t.trim();
    expect([t.allocated, t.freeBlocks]).toEqual([4 * KiB, 0]);
    t.release(x.ptr, x.capacity);
    t.trim();
    expect([t.allocated, t.freeBlocks, t.pooled, t.live]).toEqual([0, 0, 0, 0]);
  });

  it('never hands out overlapping blocks under random allocs and frees (checked against a model)', () => {
    const rng = new Rng(7);
    const h = heapOf(1);
    const merges = vi.spyOn(h, 'consolidate');
    let explicit = 0;
    const mem = () => new Uint32Array(h.memory.buffer);
    // the model: live blocks, each tagged with its id in its first and last word
    const live: { ptr: number; cap: number; id: number }[] = [];
    let inUse = 0;
    const gapsBelowTop = (top: number) => {
      const s = [...live].sort((u, v) => u.ptr - v.ptr);
      let at = 1024;
      let largest = 0;
      let gaps = 0;
      for (const b of s) {
        largest = Math.max(largest, b.ptr - at);
        if (b.ptr > at) gaps++;
        at = b.ptr + b.cap;
      }
      if (top > at) gaps++;
      return { largest: Math.max(largest, top - at), free: top - 1024 - inUse, gaps };
    };
    for (let step = 0; step < 4000; step++) {
      const grow = live.length < 4 || (live.length < 60 && rng.next() < 0.55);
      if (grow) {
        // mostly tensor-sized blocks (a few KiB to a MiB), some tiny ones
        const bytes = rng.next() < 0.3 ? 1 + rng.int(4096) : 1 + rng.int(rng.bool() ? 64 * KiB : 1024 * KiB);
        const top = 1024 + h.allocated;
        const size = h.memory.buffer.byteLength;
        const { largest } = gapsBelowTop(top);
        const { ptr, capacity: cap } = h.alloc(bytes);
        expect(ptr % 64).toBe(0);
        expect(cap).toBe(Math.max(64, Math.ceil(bytes / 64) * 64));
        expect(ptr).toBeGreaterThanOrEqual(1024);
        expect(ptr + cap).toBeLessThanOrEqual(h.memory.buffer.byteLength);
        for (const o of live)
          if (ptr < o.ptr + o.cap && o.ptr < ptr + cap)
            throw new Error(
              `step ${step}: [${ptr}, ${ptr + cap}) overlaps live [${o.ptr}, ${o.ptr + o.cap})`,
            );
        // new bytes at the top only while the memory has them or when no free block below it fits; the
        // memory grows only when neither fits
        if (ptr + cap > top && top + cap > size)
          expect(largest, `step ${step}: a free block of ${largest} bytes fits ${cap}`).toBeLessThan(cap);
        if (h.memory.buffer.byteLength > size) expect(Math.max(largest, size - top)).toBeLessThan(cap);
        const id = step + 1;
        const m = mem();
        m[ptr >>> 2] = id;
        m[(ptr + cap - 4) >>> 2] = id;
        live.push({ ptr, cap, id });
        inUse += cap;
      } else {
        const i = rng.int(live.length);
        const b = live[i];
        const m = mem();
        expect([m[b.ptr >>> 2], m[(b.ptr + b.cap - 4) >>> 2]], `block ${b.id} was overwritten`).toEqual([
          b.id,
          b.id,
        ]);
        live[i] = live[live.length - 1];
        live.pop();
        h.release(b.ptr, b.cap);
        inUse -= b.cap;
      }
      expect(h.live).toBe(live.length);
      expect(h.inUse).toBe(inUse);
      expect(h.inUse + h.pooled).toBe(h.allocated);
      // every free byte below the top is pooled
      const { free, gaps } = gapsBelowTop(1024 + h.allocated);
      expect(h.pooled).toBe(free);
      if (rng.next() < 0.02) {
        // merged, no two free blocks touch and none touches the top: one free block per gap
        h.consolidate();
        explicit++;
        const after = gapsBelowTop(1024 + h.allocated);
        expect(after.free).toBe(h.pooled);
        expect(h.freeBlocks, `step ${step}: free blocks after consolidate()`).toBe(after.gaps);
        expect(after.gaps).toBeLessThanOrEqual(gaps);
      }
    }
    // the run filled the memory often enough that alloc merged the cache itself
    expect(merges.mock.calls.length - explicit).toBeGreaterThan(20);
    for (const b of live) h.release(b.ptr, b.cap);
    h.consolidate();
    expect([h.allocated, h.pooled, h.freeBlocks, h.live]).toEqual([0, 0, 0, 0]);
  });

  // The allocator this one replaced kept exact-size free lists: a freed block was reused only by a request
  // of the very same size (rounded to 64 bytes), so a training run whose shapes vary (sequence lengths,
  // report batches) took new bytes from the top for every new size and ran out of memory after hours.
  it('keeps a long run of varying shapes within a bound of its peak live bytes (fragmentation regression)', () => {
    const rng = new Rng(11);
    const h = heapOf(16);
    const d = 64;
    // parameters and optimizer state: allocated once, live throughout
    const params = [512 * d, d * d * 4, d * d * 4, d * 4 * d, 4 * d].map((n) => h.alloc(n * 4));
    let peak = h.inUse;
    let high = h.allocated;
    const kept: { ptr: number; capacity: number }[] = [];
    for (let step = 0; step < 600; step++) {
      const seq = 16 + rng.int(497); // tokens this step: every step has new shapes
      const acts = [];
      for (let layer = 0; layer < 4; layer++)
        for (const width of [d, 3 * d, 4 * d, d, seq]) acts.push(h.alloc(seq * width * 4));
      peak = Math.max(peak, h.inUse);
      high = Math.max(high, h.allocated);
      // backward frees activations in reverse while gradients of other sizes appear between them (holes),
      // freed after the optimizer step; a small value (the loss) is kept a few steps
      const grads = [];
      for (let i = acts.length - 1; i >= 0; i--) {
        if (i % 3 === 0) grads.push(h.alloc(acts[i].capacity / 2 + 4 * rng.int(4 * d)));
        peak = Math.max(peak, h.inUse);
        high = Math.max(high, h.allocated);
        h.release(acts[i].ptr, acts[i].capacity);
      }
      for (const g of rng.shuffle(grads)) h.release(g.ptr, g.capacity);
      kept.push(h.alloc(4));
      if (kept.length > 5) {
        const k = kept.shift()!;
        h.release(k.ptr, k.capacity);
      }
    }
    const bound = 2 * peak;
    const size = h.memory.buffer.byteLength;
    console.log(
      `fragmentation run: memory ${size} bytes (heap top at most ${high}), peak live ${peak} bytes: ${(size / peak).toFixed(2)}×`,
    );
    expect(size, `memory after 600 steps vs 2 × the peak live ${peak} bytes`).toBeLessThanOrEqual(bound);
    expect(high).toBeLessThanOrEqual(size);
    for (const p of params) h.release(p.ptr, p.capacity);
  });
});
