// 'crossEntropy' and 'crossEntropyBackward' on the WASM backend through kernels/wasm/loss.wat (SIMD over
// the vocabulary slice, rows split over the worker pool when the logits are large). Same contract as the
// CPU reference (backend/cpu/loss.ts): logits [N, V] f32 or f16 (f16 is stored widened: the same kernel
// reads it; the f16 gradient is rounded afterwards), i32 targets [N], outputs [loss, lse [N], count [1]];
// an out-of-range target throws the CPU kernel's RangeError. Non-contiguous inputs (the op never passes
// them) run the CPU reference on WASM memory.
import { finish } from '../../backend/cpu/util.js';
import type { WasmBackend } from '../../backend/wasm/backend.js';
import { empty, type Tensor } from '../../tensor.js';
import { targetOutOfRange } from '../range-errors.js';
import { type Attrs, registerKernel } from '../registry.js';
import { runReference } from './fallback.js';
import type { WasmExports } from './generated/index.js';

/** The exports of loss.wat, generated from its text. */
export type LossExports = WasmExports['loss'];

interface CeAttrs {
  ignoreIndex: number;
  labelSmoothing: number;
  start: number;
  end: number;
  reduction: 'mean' | 'sum' | 'none';
}

/** Below this many logits in the slice, one thread does the whole job (a pool round trip costs ~10 µs). */
export const CE_PARALLEL_MIN = 1 << 16;

/** Row ranges [r0, r1) for T threads (thread t gets the t-th). */
function rowSplit(rows: number, T: number): (t: number) => [number, number] {
  const per = Math.ceil(rows / T);
  return (t) => [Math.min(rows, t * per), Math.min(rows, (t + 1) * per)];
}

function threadsFor(be: WasmBackend, rows: number, work: number): number {
  return be.pool && work >= CE_PARALLEL_MIN ? Math.max(1, Math.min(be.pool.threads, rows)) : 1;
}

const usable = (inputs: Tensor[]) =>
  inputs.every((t) => t.isContiguous()) &&
  (inputs[0].dtype === 'f32' || inputs[0].dtype === 'f16') &&
  inputs[1].dtype === 'i32';

/** How many times the WASM kernels (not the fallback) ran: lets tests prove which path they took. */
export const lossKernelCalls = { forward: 0, backward: 0, pooled: 0 };

registerKernel('crossEntropy', 'wasm', (inputs: Tensor[], at: Attrs) => {
  if (!usable(inputs)) {
    return runReference('crossEntropy', inputs, at);
  }
  lossKernelCalls.forward++;
  const a = at as unknown as CeAttrs;
  const [logits, targets] = inputs;
  const be = logits.backend as WasmBackend;
  const ce = be.kernels<LossExports>('loss');
  const [N, V] = logits.shape;
  const K = a.end - a.start;
  const T = threadsFor(be, N, N * K);
  const lse = empty([N], 'f32', 'wasm');
  const out = empty(a.reduction === 'none' ? [N] : [], 'f32', 'wasm');
  const cnt = empty([1], 'f32', 'wasm');
  // row losses (f64) and per thread [count, first bad row]
  const rowLoss = be.scratch(Math.max(8, N * 8));
  const info = be.scratch(T * 8);
  try {
    const x = be.addr(logits.storage, logits.offset);
    const t = be.addr(targets.storage, targets.offset);
    const ls = be.addr(lse.storage);
    const rows = rowSplit(N, T);
    const args = (th: number) => {
      const [r0, r1] = rows(th);
      return [
        x,
        t,
        ls,
        rowLoss.ptr,
        r0,
        r1,
        V,
        a.start,
        a.end,
        a.ignoreIndex,
        a.labelSmoothing,
        info.ptr + th * 8,
      ];
    };
    const run = (p: number[]) =>
      ce.ce_rows(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10], p[11]);
    if (T > 1) {
      lossKernelCalls.pooled++;
      be.pool!.run('loss.ce_rows', args, run, 1 << 10);
    } else run(args(0));
    const inf = new Int32Array(be.memory.buffer as ArrayBuffer, info.ptr, T * 2);
    let count = 0;
    for (let th = 0; th < T; th++) {
      count += inf[2 * th];
      const bad = inf[2 * th + 1];
      if (bad >= 0) {
        // the first thread with a bad row holds the lowest one (threads own increasing row ranges)
        const tv = (targets.storage.handle as Int32Array)[targets.offset + bad];
        throw targetOutOfRange(tv, bad, a);
      }
    }
    if (a.reduction === 'none') {
      ce.ce_demote(rowLoss.ptr, be.addr(out.storage), N);
    } else {
      const total = ce.ce_sum(rowLoss.ptr, N);
      (out.storage.handle as Float32Array)[0] = a.reduction === 'sum' ? total : total / count;
    }
    (cnt.storage.handle as Float32Array)[0] = count;
  } catch (e) {
    for (const z of [lse, out, cnt]) z.dispose();
    throw e;
  } finally {
    be.freeScratch(rowLoss);
    be.freeScratch(info);
  }
  return [out, lse, cnt];
});

registerKernel('crossEntropyBackward', 'wasm', (inputs: Tensor[], at: Attrs) => {
  const [logits, targets, lse, g, cnt] = inputs;
  if (!usable(inputs) || lse.dtype !== 'f32' || g.dtype !== 'f32') {
    return runReference('crossEntropyBackward', inputs, at);
  }
  lossKernelCalls.backward++;
  const a = at as unknown as CeAttrs;
  const be = logits.backend as WasmBackend;
  const [N, V] = logits.shape;
  const dx = empty([N, V], logits.dtype, 'wasm');
  if (dx.size === 0) return dx;
  const gs = g.storage.handle as Float32Array;
  const perRow = a.reduction === 'none';
  const scale = perRow
    ? 0
    : a.reduction === 'sum'
      ? gs[g.offset]
      : gs[g.offset] / (cnt.storage.handle as Float32Array)[cnt.offset];
  const T = threadsFor(be, N, N * V);
  const rows = rowSplit(N, T);
  const p0 = [
    be.addr(logits.storage, logits.offset),
    be.addr(targets.storage, targets.offset),
    be.addr(lse.storage, lse.offset),
    perRow ? be.addr(g.storage, g.offset) : 0,
    be.addr(dx.storage),
  ];
  const args = (th: number) => [
    ...p0,
    ...rows(th),
    V,
    a.start,
    a.end,
    a.ignoreIndex,
    a.labelSmoothing,
    scale,
  ];
  const ce = be.kernels<LossExports>('loss');
  const run = (p: number[]) =>
    ce.ce_backward_rows(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10], p[11], p[12]);
  if (T > 1) {
    lossKernelCalls.pooled++;
    be.pool!.run('loss.ce_backward_rows', args, run, (1 << 11) | (1 << 12));
  } else run(args(0));
  return logits.dtype === 'f16' ? finish(dx) : dx;
});
