// 'softmax' on the WASM backend: softmax and log-softmax (attrs.log) over contiguous rows through
// kernels/wasm/softmax.wat (SIMD exp), and both backwards ('softmaxBackward', softmax and log-softmax);
// f32, and f16 (stored widened: computed as f32, rounded to f16 afterwards like the CPU kernel). Big jobs
// split their rows over the worker pool. Other dtypes and layouts run the CPU reference on WASM memory.
import { finish } from '../../backend/cpu/util.js';
import type { WasmBackend } from '../../backend/wasm/backend.js';
import { empty, type Tensor } from '../../tensor.js';
import { type Attrs, registerKernel } from '../registry.js';
import { runReference } from './fallback.js';
import type { WasmExports } from './generated/index.js';
import { runRows } from './rows.js';

/** The exports of softmax.wat, generated from its text. */
export type SoftmaxExports = WasmExports['softmax'];

/** How many times each WASM kernel (not the fallback) ran, and on the pool: lets tests prove the path. */
export const softmaxKernelCalls = { softmax: 0, log: 0, backward: 0, pooled: 0 };

const float = (t: Tensor) => t.dtype === 'f32' || t.dtype === 'f16';

registerKernel('softmax', 'wasm', (inputs: Tensor[], a: Attrs) => {
  const [x] = inputs;
  if (!float(x) || !x.isContiguous()) {
    return runReference('softmax', inputs, a);
  }
  const be = x.backend as WasmBackend;
  const n = x.rank ? x.shape[x.rank - 1] : 1;
  const rows = n ? x.size / n : 0;
  const out = empty(x.shape, x.dtype, 'wasm');
  if (out.size) {
    const k = be.kernels<SoftmaxExports>('softmax');
    const fn = a.log ? k.log_softmax_rows : k.softmax_rows;
    const [src, dst] = [be.addr(x.storage, x.offset), be.addr(out.storage)];
    const T = runRows(
      be,
      a.log ? 'softmax.log_softmax_rows' : 'softmax.softmax_rows',
      rows,
      x.size,
      (r0, r1) => [src + r0 * n * 4, dst + r0 * n * 4, r1 - r0, n],
      (p) => fn(p[0], p[1], p[2], p[3]),
    );
    softmaxKernelCalls[a.log ? 'log' : 'softmax']++;
    if (T > 1) softmaxKernelCalls.pooled++;
  }
  return x.dtype === 'f16' ? finish(out) : out;
});

registerKernel('softmaxBackward', 'wasm', (inputs: Tensor[], a: Attrs) => {
  const [y, g] = inputs;
  if (inputs.some((t) => !float(t) || !t.isContiguous())) {
    return runReference('softmaxBackward', inputs, a);
  }
  const be = y.backend as WasmBackend;
  const n = y.rank ? y.shape[y.rank - 1] : 1;
  const rows = n ? y.size / n : 0;
  const out = empty(y.shape, y.dtype, 'wasm');
  if (out.size) {
    const k = be.kernels<SoftmaxExports>('softmax');
    const [yp, gp, dp] = [be.addr(y.storage, y.offset), be.addr(g.storage, g.offset), be.addr(out.storage)];
    const T = runRows(
      be,
      'softmax.softmax_backward_rows',
      rows,
      y.size,
      (r0, r1) => [yp + r0 * n * 4, gp + r0 * n * 4, dp + r0 * n * 4, r1 - r0, n, a.log ? 1 : 0],
      (p) => k.softmax_backward_rows(p[0], p[1], p[2], p[3], p[4], p[5]),
    );
    softmaxKernelCalls.backward++;
    if (T > 1) softmaxKernelCalls.pooled++;
  }
  return y.dtype === 'f16' ? finish(out) : out;
});
