// The WASM heap allocator (src/backend/wasm/memory.ts: segregated free lists, splitting and coalescing)
// against the exact-size free lists it replaced (a copy below), in one run, on the same traces:
//   - "mlp steady": the heap calls of real training steps (2-layer MLP forward + backward + SGD on the wasm
//     backend, recorded once), the same shapes every step: what a training loop does;
//   - "mlp varying": the same with the batch size changing every step (new shapes each step);
//   - "random": random sizes (64 B … 1 MiB), random frees, up to 64 live blocks.
// Per trace and allocator: ns per alloc + free pair (median of --reps samples, the allocators alternating;
// one heap per allocator and trace, on a memory of 1 MiB at first; the first, untimed rounds grow it and
// warm V8 up, so the times are the allocators' bookkeeping in a long run, not memory growth) and the
// heap's high-water mark (bytes from its base to its top; the memory never shrinks). A trace repeated on
// the same heap favours the exact-size lists (the second time round every size has its block): the
// high-water column is the cost of that.
// Run after `pnpm --filter @unif2ace/tensor build`: node bench/alloc.mjs [--steps 20] [--reps 7]
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { steps: { type: 'string', default: '20' }, reps: { type: 'string', default: '7' } },
});
const steps = Number(values.steps);
const reps = Number(values.reps);
if (!(Number.isInteger(steps) && steps >= 1 && Number.isInteger(reps) && reps >= 1))
  throw new Error(`--steps and --reps must be integers >= 1, got ${values.steps}, ${values.reps}`);

const t = await import(new URL('../dist/index.js', import.meta.url).href);
await t.init({ backend: 'wasm', wasm: { threads: 1 } });
const be = t.getBackend();
/** The allocator under test: the backend's own class, on fresh memories. */
const Heap = be.heap.constructor;

/** The allocator before: a bump pointer and exact-size free lists (sizes rounded to 64 bytes), no coalescing. */
class ExactSizeHeap {
  top = 1024;
  free = new Map();
  constructor(memory) {
    this.memory = memory;
  }
  get allocated() {
    return this.top - 1024;
  }
  alloc(bytes) {
    const cap = Math.max(64, Math.ceil(bytes / 64) * 64);
    const list = this.free.get(cap);
    if (list?.length) return { ptr: list.pop(), capacity: cap };
    const ptr = this.top;
    const end = ptr + cap;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      const pages = have / 65536;
      this.memory.grow(Math.max(Math.ceil((end - have) / 65536), pages >> 2));
    }
    this.top = end;
    return { ptr, capacity: cap };
  }
  release(ptr, capacity) {
    const list = this.free.get(capacity);
    if (list) list.push(ptr);
    else this.free.set(capacity, [ptr]);
  }
  trim() {
    this.free.clear();
    this.top = 1024;
  }
}

/** Records the backend heap's alloc/release calls while `fn` runs: [bytes, id] for an alloc, [-1, id] for a free. */
function record(fn) {
  const trace = [];
  const ids = new Map();
  let next = 0;
  const { alloc, release } = be.heap;
  be.heap.alloc = function (bytes) {
    const r = alloc.call(this, bytes);
    ids.set(r.ptr, next);
    trace.push(bytes, next++);
    return r;
  };
  be.heap.release = function (ptr, capacity) {
    const id = ids.get(ptr);
    ids.delete(ptr);
    if (id !== undefined) trace.push(-1, id); // blocks allocated before recording stay live
    return release.call(this, ptr, capacity);
  };
  try {
    fn();
  } finally {
    be.heap.alloc = alloc;
    be.heap.release = release;
  }
  return { trace, allocs: next };
}

function mlpTrace(varying) {
  const D = 128;
  const H = 512;
  const w1 = t.randn([D, H], { requiresGrad: true });
  const w2 = t.randn([H, D], { requiresGrad: true });
  const r = record(() => {
    for (let s = 0; s < steps; s++) {
      const B = varying ? 16 + ((s * 37) % 113) : 64;
      t.tidy(() => {
        const x = t.randn([B, D]);
        const y = t.randn([B, D]);
        const out = x.matmul(w1).gelu().matmul(w2);
        out.sub(y).square().mean().backward();
        t.noGrad(() => {
          for (const w of [w1, w2]) {
            const nw = w.sub(w.grad.mul(1e-3));
            w.grad.dispose();
            w.grad = null;
            nw.dispose();
          }
        });
      });
    }
  });
  w1.dispose();
  w2.dispose();
  return r;
}

function randomTrace(n) {
  let s = 12345;
  const rnd = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const trace = [];
  const live = [];
  let id = 0;
  for (let i = 0; i < n; i++) {
    if (live.length < 4 || (live.length < 64 && rnd() < 0.5)) {
      trace.push(64 + Math.floor(rnd() * (rnd() < 0.5 ? 4096 : 1 << 20)), id);
      live.push(id++);
    } else {
      const j = Math.floor(rnd() * live.length);
      trace.push(-1, live[j]);
      live[j] = live[live.length - 1];
      live.pop();
    }
  }
  for (const j of live) trace.push(-1, j);
  return { trace, allocs: id };
}

/**
 * Replays a trace on `heap`: ms, the high-water mark, or where it ran out of memory. Blocks the trace leaves
 * live are released afterwards (outside the timing); the next replay goes on from the free blocks this one
 * left, as the next steps of a training run would.
 */
function replay(heap, { trace, allocs }) {
  const ptrs = new Int32Array(allocs);
  const caps = new Int32Array(allocs);
  let high = 0;
  let oom;
  const t0 = performance.now();
  for (let i = 0; i < trace.length; i += 2) {
    const bytes = trace[i];
    const id = trace[i + 1];
    if (bytes >= 0) {
      let b;
      try {
        b = heap.alloc(bytes);
      } catch (e) {
        if (!(e instanceof RangeError)) throw e;
        oom = `out of memory at alloc ${id} of ${allocs}`;
        break;
      }
      ptrs[id] = b.ptr;
      caps[id] = b.capacity;
      if (heap.allocated > high) high = heap.allocated;
    } else {
      heap.release(ptrs[id], caps[id]);
      caps[id] = 0;
    }
  }
  const ms = performance.now() - t0;
  for (let id = 0; id < allocs; id++) if (caps[id] > 0) heap.release(ptrs[id], caps[id]);
  return { ms: oom ? Number.NaN : ms, high, oom };
}

/** Untimed rounds first (the first one grows the memories), then each sample averages INNER replays. */
const WARM = 3;
const INNER = 5;
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const traces = [
  ['mlp steady', mlpTrace(false)],
  ['mlp varying', mlpTrace(true)],
  ['random', randomTrace(20000)],
];
const MiB = (b) => (b / 2 ** 20).toFixed(1);
console.log(
  `${steps} steps per MLP trace; median of ${reps} samples of ${INNER} replays each, after ${WARM} untimed rounds; node ${process.version}`,
);
console.log(
  'trace          allocs   before ns/pair  after ns/pair  after/before   before top MiB  after top MiB',
);
for (const [name, tr] of traces) {
  const before = [];
  const after = [];
  let hb = 0;
  let ha = 0;
  const ooms = new Set();
  // one memory per allocator and trace; the first replay grows it and warms V8 up (not timed)
  const heaps = new Map(
    [ExactSizeHeap, Heap].map((H) => [H, new H(new WebAssembly.Memory({ initial: 16, maximum: 32768 }))]),
  );
  for (let r = -WARM; r < reps; r++) {
    const pair = r % 2 ? [Heap, ExactSizeHeap] : [ExactSizeHeap, Heap]; // alternating order
    for (const H of pair) {
      let ms = 0;
      for (let k = 0; k < INNER; k++) {
        const o = replay(heaps.get(H), tr);
        if (o.oom) ooms.add(`${H === Heap ? 'after' : 'before'}: ${o.oom} (2 GiB heap)`);
        ms += o.ms / INNER;
        if (H === Heap) ha = o.high;
        else hb = o.high;
      }
      if (r >= 0) (H === Heap ? after : before).push(ms);
    }
  }
  const nb = (median(before) * 1e6) / tr.allocs;
  const na = (median(after) * 1e6) / tr.allocs;
  console.log(
    `${name.padEnd(14)} ${String(tr.allocs).padStart(6)} ${nb.toFixed(0).padStart(15)} ${na.toFixed(0).padStart(14)} ${(na / nb).toFixed(2).padStart(13)} ${MiB(hb).padStart(16)} ${MiB(ha).padStart(14)}`,
  );
  for (const o of ooms) console.log(`  ${o}`);
}
await be.close?.();
