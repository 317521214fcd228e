// 'topk' on the WASM backend through kernels/wasm/topk.wat: a k-heap per row (O(n log k)), threads
// splitting the rows. Same total order as the CPU reference (value descending, NaN first, -0 = +0, ties by
// ascending index), so values and indices are identical. x contiguous [rows, n], f32 (or f16, stored as
// f32); other dtypes run the CPU reference on WASM memory.
import type { WasmBackend } from '../../backend/wasm/backend.js';
import { empty, type Tensor } from '../../tensor.js';
import { type Attrs, type KernelFn, registerKernel } from '../registry.js';
import { runReference } from './fallback.js';
import type { WasmExports } from './generated/index.js';

/** The exports of topk.wat, generated from its text. */
export type TopkExports = WasmExports['topk'];

/** Below this many elements scanned one thread is faster than waking the workers. */
const PARALLEL_MIN_ELEMS = 1 << 15;

/** The kernels this file registers for 'wasm' (tests check the registry still holds them). */
export const TOPK_WASM_KERNELS = new Map<string, KernelFn>();

const topk: KernelFn = (inputs: Tensor[], a: Attrs) => {
  const [x] = inputs;
  if ((x.dtype !== 'f32' && x.dtype !== 'f16') || !x.isContiguous()) {
    return runReference('topk', inputs, a);
  }
  const k = a.k as number;
  const n = x.shape[x.rank - 1];
  const rows = n === 0 ? x.size : x.size / n;
  const lead = x.shape.slice(0, -1);
  const values = empty([...lead, k], x.dtype, 'wasm');
  const indices = empty([...lead, k], 'i32', 'wasm');
  if (values.size === 0) return [values, indices];
  const be = x.backend as WasmBackend;
  const kern = be.kernels<TopkExports>('topk');
  const T = be.pool && rows * n >= PARALLEL_MIN_ELEMS ? Math.min(be.pool.threads, rows) : 1;
  const heap = be.scratch(T * k * 4);
  try {
    const xa = be.addr(x.storage, x.offset);
    const va = be.addr(values.storage);
    const ia = be.addr(indices.storage);
    const part = (t: number) => [
      xa,
      n,
      k,
      Math.floor((rows * t) / T),
      Math.floor((rows * (t + 1)) / T),
      va,
      ia,
      heap.ptr + t * k * 4,
    ];
    const run = (p: number[]) => kern.topk_rows(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7]);
    if (T <= 1) run(part(0));
    else be.pool!.run('topk.topk_rows', part, run);
  } finally {
    be.freeScratch(heap);
  }
  return [values, indices];
};

TOPK_WASM_KERNELS.set('topk', topk);
registerKernel('topk', 'wasm', topk);
