// 'layerNorm' (layer norm and RMS norm forward) on the WASM backend through kernels/wasm/norm.wat, for
// f32 and f16 (stored widened; y rounded to f16 afterwards); inputs [x, weight?, bias?] contiguous
// (ops/norm.ts makes them so), outputs [y, stats [rows, 2]]; big inputs split their rows over the pool.
// 'layerNormBackward' (inputs [x, g, stats, weight?], outputs [dx, dw?, db?]) for f32 and f16 (stored
// widened: computed as f32, outputs rounded to f16 afterwards like the CPU kernel): rows are cut into
// fixed blocks, each block writes its own dw/db partial sums, and the partials are added in block order,
// so the result is the same for any thread count. Other dtypes or layouts run the CPU reference.
import { finish } from '../../backend/cpu/util.js';
import type { WasmBackend } from '../../backend/wasm/backend.js';
import { empty, type Tensor } from '../../tensor.js';
import { type Attrs, registerKernel } from '../registry.js';
import { runReference } from './fallback.js';
import type { WasmExports } from './generated/index.js';
import { runRows } from './rows.js';

/** The exports of norm.wat, generated from its text. */
export type NormExports = WasmExports['norm'];

/** How many times the WASM forward (not the fallback) ran, and on the pool (for tests). */
export const normForwardCalls = { wasm: 0, pooled: 0 };

registerKernel('layerNorm', 'wasm', (inputs: Tensor[], a: Attrs) => {
  const [x] = inputs;
  const w = a.hasWeight ? inputs[1] : null;
  const bias = a.hasBias ? inputs[a.hasWeight ? 2 : 1] : null;
  if (inputs.some((t) => (t.dtype !== 'f32' && t.dtype !== 'f16') || !t.isContiguous())) {
    return runReference('layerNorm', inputs, a);
  }
  normForwardCalls.wasm++;
  const be = x.backend as WasmBackend;
  const n = x.shape[x.rank - 1];
  const rows = n ? x.size / n : 0;
  const y = empty(x.shape, x.dtype, 'wasm');
  const stats = empty([rows, 2], 'f32', 'wasm');
  if (y.size) {
    const at = (t: Tensor | null) => (t ? be.addr(t.storage, t.offset) : 0);
    const [xp, yp, sp] = [at(x), at(y), at(stats)];
    const k = be.kernels<NormExports>('norm');
    const T = runRows(
      be,
      'norm.layer_norm_rows',
      rows,
      x.size,
      (r0, r1) => [
        xp + r0 * n * 4,
        yp + r0 * n * 4,
        sp + r0 * 8,
        r1 - r0,
        n,
        at(w),
        at(bias),
        a.rms ? 1 : 0,
        a.eps as number,
      ],
      (p) => k.layer_norm_rows(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8]),
      1 << 8,
    );
    if (T > 1) normForwardCalls.pooled++;
  }
  return [x.dtype === 'f16' ? finish(y) : y, stats];
});

/** Rows per block of the backward: ≥ 32, and at most 256 blocks (so the partials stay small). */
export function normBlockRows(rows: number): number {
  return Math.max(32, Math.ceil(rows / 256));
}

/** Below this many elements the backward runs on one thread. */
const BACKWARD_PARALLEL_MIN = 1 << 15;

/** How many times the WASM backward (not the fallback) ran, and how often on the pool (for tests). */
export const normBackwardCalls = { wasm: 0, pooled: 0 };

registerKernel('layerNormBackward', 'wasm', (inputs: Tensor[], a: Attrs) => {
  const [x, g, stats] = inputs;
  const w = a.hasWeight ? inputs[3] : null;
  const float = (t: Tensor) => t.dtype === 'f32' || t.dtype === 'f16';
  if (
    inputs.some((t) => !t.isContiguous()) ||
    !float(x) ||
    !float(g) ||
    stats.dtype !== 'f32' ||
    (w && !float(w)) ||
    (a.needWeightGrad && !w)
  ) {
    return runReference('layerNormBackward', inputs, a);
  }
  normBackwardCalls.wasm++;
  const be = x.backend as WasmBackend;
  const nk = be.kernels<NormExports>('norm');
  const n = x.shape[x.rank - 1];
  const rows = n ? x.size / n : 0;
  const dx = empty(x.shape, x.dtype, 'wasm');
  const dw = a.needWeightGrad ? empty([n], w!.dtype, 'wasm') : null;
  const db = a.needBiasGrad ? empty([n], x.dtype, 'wasm') : null;
  const B = normBlockRows(rows);
  const nblocks = Math.ceil(rows / B);
  const at = (t: Tensor | null) => (t ? be.addr(t.storage, t.offset) : 0);
  if (rows === 0) {
    for (const t of [dw, db]) if (t) (t.storage.handle as Float32Array).fill(0);
  } else {
    const dwp = dw ? be.scratch(nblocks * n * 4) : null;
    const dbp = db ? be.scratch(nblocks * n * 4) : null;
    try {
      const T = be.pool && rows * n >= BACKWARD_PARALLEL_MIN ? Math.min(be.pool.threads, nblocks) : 1;
      const per = Math.ceil(nblocks / T);
      const args = (t: number) => [
        at(x),
        at(g),
        at(stats),
        at(dx),
        Math.min(nblocks, t * per),
        Math.min(nblocks, (t + 1) * per),
        B,
        rows,
        n,
        at(w),
        dwp?.ptr ?? 0,
        dbp?.ptr ?? 0,
        a.rms ? 1 : 0,
      ];
      const run = (p: number[]) =>
        nk.layer_norm_backward_rows(
          p[0],
          p[1],
          p[2],
          p[3],
          p[4],
          p[5],
          p[6],
          p[7],
          p[8],
          p[9],
          p[10],
          p[11],
          p[12],
        );
      if (T > 1) {
        normBackwardCalls.pooled++;
        be.pool!.run('norm.layer_norm_backward_rows', args, run);
      } else run(args(0));
      if (dw) nk.layer_norm_sum_partials(dwp!.ptr, nblocks, n, at(dw), 0, n);
      if (db) nk.layer_norm_sum_partials(dbp!.ptr, nblocks, n, at(db), 0, n);
    } finally {
      if (dwp) be.freeScratch(dwp);
      if (dbp) be.freeScratch(dbp);
    }
  }
  const outs = [dx, ...(dw ? [dw] : []), ...(db ? [db] : [])];
  for (const t of outs) if (t.dtype === 'f16') finish(t);
  return outs;
});
