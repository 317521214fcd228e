// 'avgPool2d', 'avgPool2dBackward' and 'upsampleNearest' on the WASM backend through kernels/wasm/pooling.wat,
// bit-identical to the CPU reference (same f64 sums in the same order); threads split the N·C planes.
// The upsampling's adjoint is 'avgPool2d' with mul = 1 (ops/conv.ts), so it runs here too. Inputs are
// contiguous (the ops make them so); non-f32 or strided inputs run the CPU reference on WASM memory.
import type { WasmBackend } from '../../backend/wasm/backend.js';
import { empty, type Tensor } from '../../tensor.js';
import { type Attrs, type KernelFn, registerKernel } from '../registry.js';
import { runReference } from './fallback.js';
import type { WasmExports } from './generated/index.js';

/** The exports of pooling.wat, generated from its text. */
export type PoolingExports = WasmExports['pooling'];

/** Below this many elements touched one thread is faster than waking the workers. */
const PARALLEL_MIN_ELEMS = 1 << 17;

/** The kernels this file registers for 'wasm' (tests check the registry still holds them). */
export const POOL_WASM_KERNELS = new Map<string, KernelFn>();
function register(name: string, fn: KernelFn): void {
  POOL_WASM_KERNELS.set(name, fn);
  registerKernel(name, 'wasm', fn);
}

/** Run `name` over planes [0, planes), split across threads when `work` elements are many. */
function byPlanes(
  be: WasmBackend,
  name: keyof PoolingExports,
  planes: number,
  work: number,
  args: (p0: number, p1: number) => number[],
): void {
  const f = be.kernels<PoolingExports>('pooling')[name] as (...a: number[]) => void;
  const T = be.pool && work >= PARALLEL_MIN_ELEMS ? Math.min(be.pool.threads, planes) : 1;
  if (T <= 1) f(...args(0, planes));
  else
    be.pool!.run(
      `pooling.${name}`,
      (t) => args(Math.floor((planes * t) / T), Math.floor((planes * (t + 1)) / T)),
      (a) => f(...a),
    );
}

/** An f64 in scratch memory for the kernels' `mulp`. */
function withMul<T>(be: WasmBackend, mul: number, f: (mulp: number) => T): T {
  const s = be.scratch(8);
  try {
    new Float64Array(be.memory.buffer as ArrayBuffer, s.ptr, 1)[0] = mul;
    return f(s.ptr);
  } finally {
    be.freeScratch(s);
  }
}

/**
 * avg_pool and its backward over N·C planes: both take (src, dst, plane range, H, W, Ho, Wo, k, stride,
 * address of the f64 multiplier).
 */
function avgPoolPlanes(
  be: WasmBackend,
  name: 'avg_pool' | 'avg_pool_backward',
  planes: number,
  work: number,
  [src, dst]: [number, number],
  geometry: number[],
  mul: number,
): void {
  withMul(be, mul, (mulp) =>
    byPlanes(be, name, planes, work, (p0, p1) => [src, dst, p0, p1, ...geometry, mulp]),
  );
}

const plain = (t: Tensor) => t.dtype === 'f32' && t.isContiguous();

/** out = mul × (sum over each k×k window, windows `stride` apart, no padding). */
register('avgPool2d', (inputs: Tensor[], a: Attrs) => {
  const [x] = inputs;
  if (!plain(x)) return runReference('avgPool2d', inputs, a);
  const k = a.kernel as number;
  const st = a.stride as number;
  const [N, C, H, W] = x.shape;
  const Ho = Math.floor((H - k) / st) + 1;
  const Wo = Math.floor((W - k) / st) + 1;
  const out = empty([N, C, Ho, Wo], 'f32', 'wasm');
  if (out.size === 0) return out;
  const be = x.backend as WasmBackend;
  const src = be.addr(x.storage, x.offset);
  const dst = be.addr(out.storage);
  avgPoolPlanes(be, 'avg_pool', N * C, out.size * k * k, [src, dst], [H, W, Ho, Wo, k, st], a.mul as number);
  return out;
});

/** Adjoint of avgPool2d: each output gradient, times mul, added to every cell of its window. */
register('avgPool2dBackward', (inputs: Tensor[], a: Attrs) => {
  const [gy] = inputs;
  if (!plain(gy)) return runReference('avgPool2dBackward', inputs, a);
  const k = a.kernel as number;
  const st = a.stride as number;
  const [N, C, H, W] = a.inShape as number[];
  const [, , Ho, Wo] = gy.shape;
  const out = empty([N, C, H, W], 'f32', 'wasm');
  if (out.size === 0) return out;
  const be = gy.backend as WasmBackend;
  const src = be.addr(gy.storage, gy.offset);
  const dst = be.addr(out.storage);
  const work = out.size + gy.size * k * k;
  avgPoolPlanes(be, 'avg_pool_backward', N * C, work, [src, dst], [H, W, Ho, Wo, k, st], a.mul as number);
  return out;
});

/** out[n, c, y, x] = x[n, c, y / s, x / s]. */
register('upsampleNearest', (inputs: Tensor[], a: Attrs) => {
  const [x] = inputs;
  if (!plain(x)) return runReference('upsampleNearest', inputs, a);
  const s = a.scale as number;
  const [N, C, H, W] = x.shape;
  const out = empty([N, C, H * s, W * s], 'f32', 'wasm');
  if (out.size === 0) return out;
  const be = x.backend as WasmBackend;
  const src = be.addr(x.storage, x.offset);
  const dst = be.addr(out.storage);
  byPlanes(be, 'upsample_nearest', N * C, out.size, (p0, p1) => [src, dst, p0, p1, H, W, s]);
  return out;
});
