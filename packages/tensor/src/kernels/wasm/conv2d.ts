// 'conv2d' (forward) on the WASM backend: im2col into WASM scratch memory, then the packed SIMD matmul
// (kernels/wasm/matmul.ts gemmInto, threaded) per image and group: out[n, g] = W_g [Og, Cg·KH·KW] @ col.
// f32 only; other dtypes and the two adjoints run the CPU reference on WASM memory.
import { convGeom } from '../../backend/cpu/conv.js';
import type { WasmBackend } from '../../backend/wasm/backend.js';
import { empty, type Tensor } from '../../tensor.js';
import { type Attrs, type KernelFn, registerKernel } from '../registry.js';
import { cpuOnWasm } from './fallback.js';
import { gemmInto } from './matmul.js';

let reference: KernelFn | null = null;

registerKernel('conv2d', 'wasm', (inputs: Tensor[], a: Attrs) => {
  const [x, w, bias] = inputs;
  if (inputs.some((t) => t.dtype !== 'f32' || !t.isContiguous())) {
    reference ??= cpuOnWasm('conv2d');
    return reference(inputs, a);
  }
  const be = x.backend as WasmBackend;
  const g = convGeom(x.shape, w.shape, a);
  const out = empty([g.N, g.O, g.Ho, g.Wo], 'f32', 'wasm');
  const P = g.Ho * g.Wo;
  const K = g.Cg * g.KH * g.KW;
  if (out.size === 0) return out;
  if (K === 0) {
    (out.storage.handle as Float32Array).fill(0);
  } else {
    const mp = (g.Og + 3) >> 2;
    const nq = (P + 7) >> 3;
    const col = be.scratch(K * P * 4);
    const ap = be.scratch(mp * 4 * K * 4);
    const bp = be.scratch(nq * 8 * K * 4);
    const cp = be.scratch(mp * 4 * nq * 8 * 4);
    try {
      const buf = be.memory.buffer as ArrayBuffer;
      const c = new Float32Array(buf, col.ptr, K * P);
      const xs = x.storage.handle as Float32Array;
      const o = out.storage.handle as Float32Array;
      const cres = new Float32Array(buf, cp.ptr, mp * 4 * nq * 8);
      const bs = bias ? (bias.storage.handle as Float32Array) : null;
      for (let n = 0; n < g.N; n++) {
        for (let grp = 0; grp < g.groups; grp++) {
          // col[(c, ky, kx)][(oy, ox)] = x[n, grp·Cg + c, oy·sh - ph + ky·dh, ox·sw - pw + kx·dw] (0 outside)
          let r = 0;
          for (let ci = 0; ci < g.Cg; ci++) {
            const plane = x.offset + (n * g.C + grp * g.Cg + ci) * g.H * g.W;
            for (let ky = 0; ky < g.KH; ky++) {
              for (let kx = 0; kx < g.KW; kx++, r++) {
                let q = r * P;
                for (let oy = 0; oy < g.Ho; oy++) {
                  const iy = oy * g.sh - g.ph + ky * g.dh;
                  if (iy < 0 || iy >= g.H) {
                    c.fill(0, q, q + g.Wo);
                    q += g.Wo;
                    continue;
                  }
                  const row = plane + iy * g.W;
                  for (let ox = 0; ox < g.Wo; ox++, q++) {
                    const ix = ox * g.sw - g.pw + kx * g.dw;
                    c[q] = ix >= 0 && ix < g.W ? xs[row + ix] : 0;
                  }
                }
              }
            }
          }
          const wg = be.addr(w.storage, w.offset + grp * g.Og * K);
          gemmInto(
            be,
            { ptr: wg, rs: K, cs: 1 },
            { ptr: col.ptr, rs: P, cs: 1 },
            g.Og,
            K,
            P,
            cp.ptr,
            nq * 8,
            {
              ap: ap.ptr,
              bp: bp.ptr,
            },
          );
          const ldc = nq * 8;
          for (let oc = 0; oc < g.Og; oc++) {
            const dst = (n * g.O + grp * g.Og + oc) * P;
            const bv = bs ? bs[bias!.offset + grp * g.Og + oc] : 0;
            for (let p = 0; p < P; p++) o[dst + p] = cres[oc * ldc + p] + bv;
          }
        }
      }
    } finally {
      be.freeScratch(cp);
      be.freeScratch(bp);
      be.freeScratch(ap);
      be.freeScratch(col);
    }
  }
  return out;
});
