// The convolution and its two adjoints on the WASM backend: im2col / col2im in conv2d.wat (threads split
// the channels) around the packed SIMD matmul (kernels/wasm/matmul.ts gemmInto, threaded). Per group g:
//   conv2d                out[n, g]  = W_g [Og, K] @ col(x[n, g]) [K, P]              (+ bias)
//   conv2dBackwardInput   dx[n, g]   = col2im(W_gᵀ [K, Og] @ gy[n, g] [Og, P])
//   conv2dBackwardFilter  dW_g       = Σ_n gy[n, g] [Og, P] @ col(x[n, g])ᵀ [P, K]  (one product over n·P)
// with K = Cg·KH·KW, P = Ho·Wo. f32 contiguous inputs (the ops make them so); anything else runs the CPU
// reference on WASM memory. Accumulation is f32 (the reference sums in f64).
import { type ConvGeom, convGeom } from '../../backend/cpu/conv.js';
import type { WasmBackend } from '../../backend/wasm/backend.js';
import { empty, type Tensor } from '../../tensor.js';
import { type Attrs, type KernelFn, registerKernel } from '../registry.js';
import { runReference } from './fallback.js';
import type { WasmExports } from './generated/index.js';
import { gemmInto } from './matmul.js';

/** The exports of conv2d.wat, generated from its text. */
export type Conv2dExports = WasmExports['conv2d'];

/** Below this many elements moved, im2col / col2im run on the calling thread only. */
const PARALLEL_MIN_ELEMS = 1 << 16;
/** The filter gradient's packed im2col holds about this many bytes at most (images are taken in chunks). */
const MAX_COL_BYTES = 32 << 20;

/** The kernels this file registers for 'wasm' (tests check the registry still holds them). */
export const CONV_WASM_KERNELS = new Map<string, KernelFn>();
function register(name: string, fn: KernelFn): void {
  CONV_WASM_KERNELS.set(name, fn);
  registerKernel(name, 'wasm', fn);
}

const wasmable = (inputs: Tensor[]) => inputs.every((t) => t.dtype === 'f32' && t.isContiguous());

/** The geometry block conv2d.wat reads (13 i32 at a 64-byte scratch block). */
function writeGeom(be: WasmBackend, g: ConvGeom, ptr: number): void {
  const K = g.Cg * g.KH * g.KW;
  new Int32Array(be.memory.buffer as ArrayBuffer, ptr, 13).set([
    K,
    g.H,
    g.W,
    g.KH,
    g.KW,
    g.Ho,
    g.Wo,
    g.sh,
    g.sw,
    g.ph,
    g.pw,
    g.dh,
    g.dw,
  ]);
}

/** Run im2col or col2im over channels [0, Cg), split across the pool's threads when large. */
function byChannels(
  be: WasmBackend,
  name: 'im2col' | 'col2im',
  Cg: number,
  work: number,
  args: (c0: number, c1: number) => number[],
): void {
  const k = be.kernels<Conv2dExports>('conv2d');
  const f = k[name] as (...a: number[]) => void;
  const T = be.pool && work >= PARALLEL_MIN_ELEMS ? Math.min(be.pool.threads, Cg) : 1;
  if (T <= 1) {
    f(...args(0, Cg));
    return;
  }
  const part = (t: number) => args(Math.floor((Cg * t) / T), Math.floor((Cg * (t + 1)) / T));
  be.pool!.run(`conv2d.${name}`, part, (a) => f(...a));
}

/** Scratch blocks released together. */
function scratchSet(be: WasmBackend) {
  const blocks: { ptr: number; capacity: number }[] = [];
  return {
    get(bytes: number): number {
      const b = be.scratch(Math.max(bytes, 4));
      blocks.push(b);
      return b.ptr;
    },
    free(): void {
      for (const b of blocks.reverse()) be.freeScratch(b);
    },
  };
}

register('conv2d', (inputs: Tensor[], a: Attrs) => {
  const [x, w, bias] = inputs;
  if (!wasmable(inputs)) return runReference('conv2d', inputs, a);
  const be = x.backend as WasmBackend;
  const g = convGeom(x.shape, w.shape, a);
  const out = empty([g.N, g.O, g.Ho, g.Wo], 'f32', 'wasm');
  if (out.size === 0) return out;
  const P = g.Ho * g.Wo;
  const K = g.Cg * g.KH * g.KW;
  if (K === 0) {
    // no input channels: the bias alone (0 without one)
    const o = out.storage.handle as Float32Array;
    const bs = bias ? (bias.storage.handle as Float32Array) : null;
    for (let i = 0; i < g.N * g.O; i++) o.fill(bs ? bs[bias!.offset + (i % g.O)] : 0, i * P, (i + 1) * P);
    return out;
  }
  const k = be.kernels<Conv2dExports>('conv2d');
  const mp = (g.Og + 3) >> 2;
  const nq = (P + 7) >> 3;
  // gemm writes whole 4×8 blocks: straight into the output when the blocks tile it exactly
  const direct = g.Og % 4 === 0 && P % 8 === 0;
  const s = scratchSet(be);
  try {
    const geom = s.get(64);
    const col = s.get(K * P * 4);
    const ap = s.get(mp * 4 * K * 4);
    const bp = s.get(nq * 8 * K * 4);
    const cp = direct ? 0 : s.get(mp * 4 * nq * 8 * 4);
    writeGeom(be, g, geom);
    for (let n = 0; n < g.N; n++) {
      for (let grp = 0; grp < g.groups; grp++) {
        const xg = be.addr(x.storage, x.offset + (n * g.C + grp * g.Cg) * g.H * g.W);
        byChannels(be, 'im2col', g.Cg, K * P, (c0, c1) => [geom, xg, col, c0, c1, 0]);
        const dst = be.addr(out.storage, (n * g.O + grp * g.Og) * P);
        gemmInto(
          be,
          { ptr: be.addr(w.storage, w.offset + grp * g.Og * K), rs: K, cs: 1 },
          { ptr: col, rs: P, cs: 1 },
          g.Og,
          K,
          P,
          direct ? dst : cp,
          direct ? P : nq * 8,
          { ap, bp },
          // every image reuses the packed weights of a single group
          { a: g.groups > 1 || n === 0, b: true },
        );
        const b = bias ? be.addr(bias.storage, bias.offset + grp * g.Og) : 0;
        if (!direct) k.copy_rows(cp, nq * 8, dst, P, g.Og, P, b, 0);
        else if (b) k.copy_rows(dst, P, dst, P, g.Og, P, b, 0);
      }
    }
  } finally {
    s.free();
  }
  return out;
});

/** dx = col2im(Wᵀ @ gy) per image and group. inputs [gy, w], attrs + inShape. */
register('conv2dBackwardInput', (inputs: Tensor[], a: Attrs) => {
  const [gy, w] = inputs;
  if (!wasmable(inputs)) return runReference('conv2dBackwardInput', inputs, a);
  const be = gy.backend as WasmBackend;
  const g = convGeom(a.inShape as number[], w.shape, a);
  const out = empty([g.N, g.C, g.H, g.W], 'f32', 'wasm');
  if (out.size === 0) return out;
  const P = g.Ho * g.Wo;
  const K = g.Cg * g.KH * g.KW;
  if (g.Og === 0 || P === 0) {
    (out.storage.handle as Float32Array).fill(0);
    return out;
  }
  const mp = (K + 3) >> 2;
  const nq = (P + 7) >> 3;
  const ldc = nq * 8;
  const s = scratchSet(be);
  try {
    const geom = s.get(64);
    const ap = s.get(mp * 4 * g.Og * 4);
    const bp = s.get(nq * 8 * g.Og * 4);
    const cp = s.get(mp * 4 * ldc * 4);
    writeGeom(be, g, geom);
    for (let n = 0; n < g.N; n++) {
      for (let grp = 0; grp < g.groups; grp++) {
        // A = W_gᵀ: A[r][oc] = W[grp·Og + oc][r]
        gemmInto(
          be,
          { ptr: be.addr(w.storage, w.offset + grp * g.Og * K), rs: 1, cs: K },
          { ptr: be.addr(gy.storage, gy.offset + (n * g.O + grp * g.Og) * P), rs: P, cs: 1 },
          K,
          g.Og,
          P,
          cp,
          ldc,
          { ap, bp },
          { a: g.groups > 1 || n === 0, b: true },
        );
        const dx = be.addr(out.storage, (n * g.C + grp * g.Cg) * g.H * g.W);
        byChannels(be, 'col2im', g.Cg, K * P, (c0, c1) => [geom, cp, ldc, dx, c0, c1]);
      }
    }
  } finally {
    s.free();
  }
  return out;
});

/** dW_g = Σ_n gy[n, g] @ col(x[n, g])ᵀ as one product over n·P, images in chunks. inputs [x, gy], attrs + wShape. */
register('conv2dBackwardFilter', (inputs: Tensor[], a: Attrs) => {
  const [x, gy] = inputs;
  if (!wasmable(inputs)) return runReference('conv2dBackwardFilter', inputs, a);
  const be = x.backend as WasmBackend;
  const g = convGeom(x.shape, a.wShape as number[], a);
  const out = empty([g.O, g.Cg, g.KH, g.KW], 'f32', 'wasm');
  if (out.size === 0) return out;
  const P = g.Ho * g.Wo;
  const K = g.Cg * g.KH * g.KW;
  if (g.N === 0 || P === 0) {
    (out.storage.handle as Float32Array).fill(0);
    return out;
  }
  const k = be.kernels<Conv2dExports>('conv2d');
  const chunk = Math.max(1, Math.min(g.N, Math.floor(MAX_COL_BYTES / (P * K * 4))));
  const most = chunk * P;
  const mp = (g.Og + 3) >> 2;
  const nq = (K + 7) >> 3;
  const ldc = nq * 8;
  const s = scratchSet(be);
  try {
    const geom = s.get(64);
    const gcat = s.get(g.Og * most * 4);
    const ap = s.get(mp * 4 * most * 4);
    const bp = s.get(nq * 8 * most * 4);
    const cp = s.get(mp * 4 * ldc * 4);
    writeGeom(be, g, geom);
    for (let grp = 0; grp < g.groups; grp++) {
      for (let n0 = 0; n0 < g.N; n0 += chunk) {
        const nb = Math.min(chunk, g.N - n0);
        const buf = be.memory.buffer as ArrayBuffer;
        const gs = gy.storage.handle as Float32Array;
        // gcat [Og, nb·P]: row oc = gy[n0.., grp·Og + oc, :] side by side
        const gc = new Float32Array(buf, gcat, g.Og * nb * P);
        for (let oc = 0; oc < g.Og; oc++) {
          for (let j = 0; j < nb; j++) {
            const src = gy.offset + ((n0 + j) * g.O + grp * g.Og + oc) * P;
            gc.set(gs.subarray(src, src + P), (oc * nb + j) * P);
          }
        }
        // B = colᵀ [nb·P, K], written by im2col straight into gemm's packed panels (8 columns of K each,
        // the images' P rows one after the other); the last panel's lanes past K stay zero
        const inner = nb * P;
        if (K % 8) new Float32Array(buf, bp + (nq - 1) * inner * 32, inner * 8).fill(0);
        for (let j = 0; j < nb; j++) {
          const xg = be.addr(x.storage, x.offset + ((n0 + j) * g.C + grp * g.Cg) * g.H * g.W);
          const dst = bp + j * P * 32;
          byChannels(be, 'im2col', g.Cg, K * P, (c0, c1) => [geom, xg, dst, c0, c1, inner]);
        }
        gemmInto(
          be,
          { ptr: gcat, rs: inner, cs: 1 },
          { ptr: 0, rs: 0, cs: 0 },
          g.Og,
          inner,
          K,
          cp,
          ldc,
          { ap, bp },
          { a: true, b: false },
        );
        k.copy_rows(cp, ldc, be.addr(out.storage, grp * g.Og * K), K, g.Og, K, 0, n0 > 0 ? 1 : 0);
      }
    }
  } finally {
    s.free();
  }
  return out;
});
