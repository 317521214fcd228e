// The sparse-MoE kernels on the WASM backend. groupedMatmul / groupedMatmulWgrad pack every expert's
// operands with matmul.wat's packers and run all experts' products as ONE threaded job
// (matmul.wat `gemm_grouped`: threads split the B panels of every group), so E experts cost one pool
// dispatch and the inner loops are the packed matmul's. countingSort is integer bookkeeping over N keys
// (two passes, no arithmetic to vectorise): the CPU reference, run in place on the WASM memory.

import { groupRanges } from '../../backend/cpu/grouped.js';
import type { WasmBackend } from '../../backend/wasm/backend.js';
import { empty, type Tensor } from '../../tensor.js';
import { type Attrs, registerKernel } from '../registry.js';
import { runReference } from './fallback.js';

interface GroupedExports {
  pack_a(src: number, rs: number, cs: number, m: number, k: number, dst: number): void;
  pack_b(src: number, rs: number, cs: number, k: number, n: number, dst: number): void;
  gemm_grouped(desc: number, n: number, ldc: number, q0: number, q1: number): void;
}

/** Below this many multiply-adds in all one thread is faster than waking the workers. */
const PARALLEL_MIN_FLOPS = 64 * 64 * 64;

/** One group's product: A [m, k] and B [k, n] as strided views (byte addresses, element strides). */
interface Group {
  a: { ptr: number; rs: number; cs: number };
  b: { ptr: number; rs: number; cs: number };
  m: number;
  k: number;
  /** Byte address of its C block (ldc elements per row), or -1 for a padded scratch block. */
  c: number;
  /** Reuse the packed B of group `bFrom` (same B: two row pieces of one expert). */
  bFrom?: number;
}

/**
 * Scratch sizes rounded up to one of 8 steps per power of two: the heap reuses only blocks of the same
 * size, and the exact sizes here follow the routing, which changes every step.
 */
function sizeClass(bytes: number): number {
  const b = Math.max(64, bytes);
  const step = 2 ** Math.max(6, Math.ceil(Math.log2(b)) - 3);
  return Math.ceil(b / step) * step;
}

/**
 * Computes every group's A @ B (all with n columns, ldc >= 8 * ceil(n / 8) elements per row of C).
 * Groups with c = -1 write into a scratch C (4-row panels, so a block has 4 * ceil(m / 4) rows); the
 * others (m a multiple of 4) straight into their c. Then `read(scratch, rowBase)` runs while the scratch
 * is alive (rowBase[g]: the group's first scratch row).
 */
function groupedGemm(
  be: WasmBackend,
  groups: Group[],
  n: number,
  ldc: number,
  read: (c: Float32Array, rowBase: number[]) => void = () => {},
): void {
  const mm = be.kernels<GroupedExports>('matmul');
  const nq = (n + 7) >> 3;
  const rowBase: number[] = [];
  let rows = 0;
  let aBytes = 0;
  let bBytes = 0;
  let flops = 0;
  for (const g of groups) {
    rowBase.push(rows);
    const mp = (g.m + 3) >> 2;
    if (g.c < 0) rows += mp * 4;
    aBytes += mp * 16 * g.k;
    if (g.bFrom === undefined) bBytes += nq * 32 * g.k;
    flops += g.m * g.k * n;
  }
  const ap = be.scratch(sizeClass(aBytes));
  const bp = be.scratch(sizeClass(bBytes));
  const cp = be.scratch(sizeClass(rows * ldc * 4));
  const desc = be.scratch(sizeClass(groups.length * 20));
  try {
    const d = new Int32Array(be.memory.buffer as ArrayBuffer, desc.ptr, groups.length * 5);
    let pa = ap.ptr;
    let pb = bp.ptr;
    let live = 0;
    const packedB: number[] = [];
    groups.forEach((g, i) => {
      const c = g.c < 0 ? cp.ptr + rowBase[i] * ldc * 4 : g.c;
      if (!g.m) return;
      if (!g.k) {
        // no rows to sum over (an expert without tokens in the weight gradient): its block is zero
        new Float32Array(be.memory.buffer as ArrayBuffer, c, (g.m - 1) * ldc + n).fill(0);
        return;
      }
      mm.pack_a(g.a.ptr, g.a.rs, g.a.cs, g.m, g.k, pa);
      let b = g.bFrom === undefined ? -1 : packedB[g.bFrom];
      if (b < 0) {
        mm.pack_b(g.b.ptr, g.b.rs, g.b.cs, g.k, n, pb);
        b = pb;
        pb += nq * 32 * g.k;
      }
      packedB[i] = b;
      d.set([pa, b, c, (g.m + 3) >> 2, g.k], live * 5);
      live++;
      pa += ((g.m + 3) >> 2) * 16 * g.k;
    });
    const T = be.pool && flops >= PARALLEL_MIN_FLOPS ? Math.min(be.pool.threads, nq) : 1;
    if (T <= 1) mm.gemm_grouped(desc.ptr, live, ldc, 0, nq);
    else {
      const part = (t: number) => [
        desc.ptr,
        live,
        ldc,
        Math.floor((nq * t) / T),
        Math.floor((nq * (t + 1)) / T),
      ];
      be.pool!.run('matmul.gemm_grouped', part, (p) => mm.gemm_grouped(p[0], p[1], p[2], p[3], p[4]));
    }
    read(new Float32Array(be.memory.buffer as ArrayBuffer, cp.ptr, rows * ldc), rowBase);
  } finally {
    for (const s of [ap, bp, cp, desc]) be.freeScratch(s);
  }
}

const i32s = (be: WasmBackend, t: Tensor) =>
  new Int32Array(be.memory.buffer as ArrayBuffer, be.addr(t.storage, t.offset), t.size);

registerKernel('groupedMatmul', 'wasm', (inputs: Tensor[], at: Attrs) => {
  const [x, w, off] = inputs;
  if (x.dtype !== 'f32' || w.dtype !== 'f32') return runReference('groupedMatmul', inputs, at);
  const be = x.backend as WasmBackend;
  const transB = at.transB as boolean;
  const [N, K] = x.shape;
  const [E, P, Q] = w.shape;
  const H = transB ? P : Q;
  const out = empty([N, H], 'f32', 'wasm');
  if (out.size === 0) return out;
  const ranges = groupRanges(i32s(be, off), 0, E, N);
  const o = () => out.storage.handle as Float32Array;
  if (K === 0) {
    o().fill(0);
    return out;
  }
  // Whole 4-row panels go straight into the output when its rows are whole 8-column panels (H % 8 = 0);
  // each group's leftover rows (< 4) go through the scratch, so no block spills into other rows.
  const direct = H % 8 === 0;
  const ldc = direct ? H : ((H + 7) >> 3) * 8;
  const base = be.addr(out.storage);
  const groups: Group[] = [];
  const placed: { row: number; m: number; g: number }[] = []; // scratch blocks to copy out
  ranges.forEach(([s, t], e) => {
    const b = { ptr: be.addr(w.storage, w.offset + e * P * Q), rs: transB ? 1 : Q, cs: transB ? Q : 1 };
    const a = (row: number) => ({ ptr: be.addr(x.storage, x.offset + row * K), rs: K, cs: 1 });
    const m = t - s;
    const whole = direct ? m & ~3 : 0;
    if (whole) groups.push({ a: a(s), b, m: whole, k: K, c: base + s * H * 4 });
    if (m > whole) {
      placed.push({ row: s + whole, m: m - whole, g: groups.length });
      groups.push({
        a: a(s + whole),
        b,
        m: m - whole,
        k: K,
        c: -1,
        bFrom: whole ? groups.length - 1 : undefined,
      });
    }
  });
  groupedGemm(be, groups, H, ldc, (c, rowBase) => {
    const y = o();
    for (const p of placed) {
      for (let r = 0; r < p.m; r++)
        y.set(c.subarray((rowBase[p.g] + r) * ldc, (rowBase[p.g] + r) * ldc + H), (p.row + r) * H);
    }
  });
  // rows outside every group
  const lo = ranges.length ? ranges[0][0] : N;
  const hi = ranges.length ? Math.max(lo, ranges[ranges.length - 1][1]) : N;
  o().fill(0, 0, lo * H);
  o().fill(0, hi * H);
  return out;
});

registerKernel('groupedMatmulWgrad', 'wasm', (inputs: Tensor[], at: Attrs) => {
  const [x, dy, off] = inputs;
  if (x.dtype !== 'f32' || dy.dtype !== 'f32') return runReference('groupedMatmulWgrad', inputs, at);
  const be = x.backend as WasmBackend;
  const E = at.E as number;
  const [N, D] = x.shape;
  const H = dy.shape[1];
  const out = empty([E, D, H], 'f32', 'wasm');
  if (out.size === 0) return out;
  const ranges = groupRanges(i32s(be, off), 0, E, N);
  // dw[e] is written in place when it is whole panels (D % 4 = 0, H % 8 = 0), else through the scratch
  const direct = D % 4 === 0 && H % 8 === 0;
  const ldc = direct ? H : ((H + 7) >> 3) * 8;
  const base = be.addr(out.storage);
  const groups: Group[] = ranges.map(([s, t], e) => ({
    a: { ptr: be.addr(x.storage, x.offset + s * D), rs: 1, cs: D }, // x_eᵀ [D, n_e]
    b: { ptr: be.addr(dy.storage, dy.offset + s * H), rs: H, cs: 1 }, // dy_e [n_e, H]
    m: D,
    k: t - s,
    c: direct ? base + e * D * H * 4 : -1,
  }));
  groupedGemm(be, groups, H, ldc, (c, rowBase) => {
    if (direct) return;
    const o = out.storage.handle as Float32Array;
    for (let e = 0; e < E; e++) {
      for (let d = 0; d < D; d++)
        o.set(c.subarray((rowBase[e] + d) * ldc, (rowBase[e] + d) * ldc + H), (e * D + d) * H);
    }
  });
  return out;
});

registerKernel('countingSort', 'wasm', (inputs: Tensor[], at: Attrs) =>
  runReference('countingSort', inputs, at),
);
