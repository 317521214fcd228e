// 'gather' and 'scatterAdd' on the WASM backend through kernels/wasm/gather.wat, with the CPU reference's
// contract (backend/cpu/gather.ts): `axis` (0 ≤ axis < rank), index i32 or u32 of any shape (used
// flattened; an out-of-range entry throws naming attrs.op, scatterAdd skips it), and for scatterAdd the
// output `shape`.
// gather copies 32-bit elements, so it serves every dtype; scatterAdd adds f32 (f16: stored widened,
// rounded once at the end like the CPU kernel) or wraps i32/u32. Large jobs are split over the worker
// pool by output rows or columns: the sums keep their order, bit-identical for any thread count.
// Non-contiguous inputs or a float index (the ops never pass them) run the CPU reference on WASM memory.
import { finish } from '../../backend/cpu/util.js';
import type { WasmBackend } from '../../backend/wasm/backend.js';
import { fmtShape } from '../../shape.js';
import { empty, type Tensor } from '../../tensor.js';
import { firstOutOfRange, indexOutOfRange } from '../range-errors.js';
import { type Attrs, registerKernel } from '../registry.js';
import { runReference } from './fallback.js';
import type { WasmExports } from './generated/index.js';

/** The exports of gather.wat, generated from its text. */
export type GatherExports = WasmExports['gather'];

/** Below this many output elements gather runs on one thread. */
const GATHER_PARALLEL_MIN = 1 << 18;
/** Below this many added elements scatterAdd runs on one thread. */
const SCATTER_PARALLEL_MIN = 1 << 16;

/** How many times each WASM kernel (not the fallback) ran: lets tests prove which path they took. */
export const gatherKernelCalls = {
  gather: 0,
  scatterAdd: 0,
  embeddingBackward: 0,
  pooledRows: 0,
  pooledColumns: 0,
};

function split(op: string, shape: readonly number[], axis: unknown) {
  if (!(Number.isInteger(axis) && (axis as number) >= 0 && (axis as number) < shape.length)) {
    throw new RangeError(`${op}: axis ${String(axis)} is not an axis of ${fmtShape(shape)}`);
  }
  const ax = axis as number;
  const pre = shape.slice(0, ax).reduce((p, d) => p * d, 1);
  const post = shape.slice(ax + 1).reduce((p, d) => p * d, 1);
  return { ax, pre, n: shape[ax], post };
}

const isIndex = (t: Tensor) => t.dtype === 'i32' || t.dtype === 'u32';

/** [start, end) of part t of `total` items cut into T parts, each a multiple of `align` but the last. */
export function part(total: number, T: number, t: number, align = 1): [number, number] {
  const per = Math.ceil(total / T / align) * align;
  return [Math.min(total, t * per), Math.min(total, (t + 1) * per)];
}

registerKernel('gather', 'wasm', (inputs: Tensor[], a: Attrs) => {
  const [x, idx] = inputs;
  if (!x.isContiguous() || !idx.isContiguous() || !isIndex(idx)) {
    return runReference('gather', inputs, a);
  }
  gatherKernelCalls.gather++;
  const { ax, pre, n, post } = split('gather', x.shape, a.axis);
  const m = idx.size;
  // the ids are in host-visible memory: check them all before gathering (the kernel itself reads 0)
  const bad = firstOutOfRange(idx.storage.handle as ArrayLike<number>, idx.offset, m, n);
  if (bad) throw indexOutOfRange((a.op as string) ?? 'gather', bad[0], bad[1], n, ax);
  const out = empty([...x.shape.slice(0, ax), ...idx.shape, ...x.shape.slice(ax + 1)], x.dtype, 'wasm');
  if (out.size === 0) return out;
  const be = x.backend as WasmBackend;
  const k = be.kernels<GatherExports>('gather');
  const rows = pre * m;
  const T = be.pool && out.size >= GATHER_PARALLEL_MIN ? Math.min(be.pool.threads, rows) : 1;
  const base = [
    be.addr(x.storage, x.offset),
    be.addr(idx.storage, idx.offset),
    be.addr(out.storage),
    m,
    n,
    post,
  ];
  const args = (t: number) => [...base, ...part(rows, T, t)];
  const run = (p: number[]) => k.gather_rows(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7]);
  if (T > 1) {
    gatherKernelCalls.pooledRows++;
    be.pool!.run('gather.gather_rows', args, run);
  } else run(args(0));
  return out;
});

/**
 * out = zeros(shape) then out[p, idx[j], q] += src[p, j, q] over j in order, on WASM memory: the
 * scatterAdd kernel and the embedding backward (pre = 1). `src` holds [pre, m, post] contiguous elements.
 */
export function scatterAddInto(
  be: WasmBackend,
  out: Tensor,
  idx: Tensor,
  src: Tensor,
  pre: number,
  n: number,
  post: number,
): void {
  if (out.size === 0) return;
  const m = idx.size;
  const k = be.kernels<GatherExports>('gather');
  const kind = src.dtype === 'i32' || src.dtype === 'u32' ? 1 : 0;
  const work = pre * Math.max(m, n) * post;
  const pool = be.pool && work >= SCATTER_PARALLEL_MIN ? be.pool : null;
  // split p when there are enough of them, else columns in multiples of 4 (whole SIMD vectors)
  let T = 1;
  let byP = true;
  if (pool && pre >= pool.threads) T = pool.threads;
  else if (pool && post >= 16 * pool.threads) {
    T = pool.threads;
    byP = false;
  }
  const base = [
    be.addr(idx.storage, idx.offset),
    be.addr(src.storage, src.offset),
    be.addr(out.storage),
    m,
    n,
    post,
  ];
  const args = (t: number) =>
    byP ? [...base, ...part(pre, T, t), 0, post, kind] : [...base, 0, pre, ...part(post, T, t, 4), kind];
  const run = (p: number[]) =>
    k.scatter_add(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10]);
  if (T > 1) {
    if (byP) gatherKernelCalls.pooledRows++;
    else gatherKernelCalls.pooledColumns++;
    pool!.run('gather.scatter_add', args, run);
  } else run(args(0));
  if (out.dtype === 'f16') finish(out);
}

registerKernel('scatterAdd', 'wasm', (inputs: Tensor[], a: Attrs) => {
  const [idx, src] = inputs;
  if (!src.isContiguous() || !idx.isContiguous() || !isIndex(idx)) {
    return runReference('scatterAdd', inputs, a);
  }
  gatherKernelCalls.scatterAdd++;
  const shape = a.shape as number[];
  const { pre, n, post } = split('scatterAdd', shape, a.axis);
  if (src.size !== pre * idx.size * post) {
    throw new RangeError(
      `scatterAdd: src ${fmtShape(src.shape)} does not hold [${pre}, ${idx.size}, ${post}] elements for index ${fmtShape(idx.shape)} into ${fmtShape(shape)} along axis ${a.axis}`,
    );
  }
  const out = empty(shape, src.dtype, 'wasm');
  scatterAddInto(src.backend as WasmBackend, out, idx, src, pre, n, post);
  return out;
});
