// CPU reference for the convolution family (conv2d and its two adjoints, nearest upsampling, average
// pooling): the definitions written out as plain loops, independent of the WGSL kernels. Inputs are
// contiguous (the ops make them so) but may start at an offset.
import { type Attrs, registerKernel } from '../../kernels/registry.js';
import { empty, type Tensor } from '../../tensor.js';
import { arr, finish } from './util.js';

export interface ConvGeom {
  N: number;
  C: number;
  H: number;
  W: number;
  O: number;
  KH: number;
  KW: number;
  Ho: number;
  Wo: number;
  sh: number;
  sw: number;
  ph: number;
  pw: number;
  dh: number;
  dw: number;
  groups: number;
  Cg: number;
  Og: number;
}

/** Geometry from x's shape [N, C, H, W], w's shape [O, C/groups, KH, KW] and the conv attrs. */
export function convGeom(xShape: readonly number[], wShape: readonly number[], a: Attrs): ConvGeom {
  const [N, C, H, W] = xShape;
  const [O, Cg, KH, KW] = wShape;
  const [sh, sw] = a.stride as number[];
  const [ph, pw] = a.padding as number[];
  const [dh, dw] = a.dilation as number[];
  const groups = a.groups as number;
  const Ho = Math.floor((H + 2 * ph - dh * (KH - 1) - 1) / sh) + 1;
  const Wo = Math.floor((W + 2 * pw - dw * (KW - 1) - 1) / sw) + 1;
  return { N, C, H, W, O, KH, KW, Ho, Wo, sh, sw, ph, pw, dh, dw, groups, Cg, Og: O / groups };
}

registerKernel('conv2d', 'cpu', (inputs: Tensor[], a: Attrs) => {
  const [x, w, bias] = inputs;
  const g = convGeom(x.shape, w.shape, a);
  const out = empty([g.N, g.O, g.Ho, g.Wo], x.dtype, 'cpu');
  const o = arr(out);
  const xs = arr(x);
  const ws = arr(w);
  const bs = bias ? arr(bias) : null;
  let i = 0;
  for (let n = 0; n < g.N; n++) {
    for (let oc = 0; oc < g.O; oc++) {
      const grp = Math.floor(oc / g.Og);
      for (let oy = 0; oy < g.Ho; oy++) {
        for (let ox = 0; ox < g.Wo; ox++) {
          let s = bs ? bs[bias!.offset + oc] : 0;
          for (let c = 0; c < g.Cg; c++) {
            const ic = grp * g.Cg + c;
            for (let ky = 0; ky < g.KH; ky++) {
              const iy = oy * g.sh - g.ph + ky * g.dh;
              if (iy < 0 || iy >= g.H) continue;
              for (let kx = 0; kx < g.KW; kx++) {
                const ix = ox * g.sw - g.pw + kx * g.dw;
                if (ix < 0 || ix >= g.W) continue;
                s +=
                  xs[x.offset + ((n * g.C + ic) * g.H + iy) * g.W + ix] *
                  ws[w.offset + ((oc * g.Cg + c) * g.KH + ky) * g.KW + kx];
              }
            }
          }
          o[i++] = s;
        }
      }
    }
  }
  return finish(out);
});

/** dL/dx: every output gradient scattered back through the taps that produced it. */
registerKernel('conv2dBackwardInput', 'cpu', (inputs: Tensor[], a: Attrs) => {
  const [gy, w] = inputs;
  const g = convGeom(a.inShape as number[], w.shape, a);
  const out = empty([g.N, g.C, g.H, g.W], gy.dtype, 'cpu');
  const o = arr(out);
  o.fill(0);
  const gs = arr(gy);
  const ws = arr(w);
  for (let n = 0; n < g.N; n++) {
    for (let oc = 0; oc < g.O; oc++) {
      const grp = Math.floor(oc / g.Og);
      for (let oy = 0; oy < g.Ho; oy++) {
        for (let ox = 0; ox < g.Wo; ox++) {
          const v = gs[gy.offset + ((n * g.O + oc) * g.Ho + oy) * g.Wo + ox];
          for (let c = 0; c < g.Cg; c++) {
            const ic = grp * g.Cg + c;
            for (let ky = 0; ky < g.KH; ky++) {
              const iy = oy * g.sh - g.ph + ky * g.dh;
              if (iy < 0 || iy >= g.H) continue;
              for (let kx = 0; kx < g.KW; kx++) {
                const ix = ox * g.sw - g.pw + kx * g.dw;
                if (ix < 0 || ix >= g.W) continue;
                o[((n * g.C + ic) * g.H + iy) * g.W + ix] +=
                  v * ws[w.offset + ((oc * g.Cg + c) * g.KH + ky) * g.KW + kx];
              }
            }
          }
        }
      }
    }
  }
  return finish(out);
});

/** dL/dw: correlation of the output gradient with the input, summed over the batch. */
registerKernel('conv2dBackwardFilter', 'cpu', (inputs: Tensor[], a: Attrs) => {
  const [x, gy] = inputs;
  const g = convGeom(x.shape, a.wShape as number[], a);
  const out = empty([g.O, g.Cg, g.KH, g.KW], x.dtype, 'cpu');
  const o = arr(out);
  const xs = arr(x);
  const gs = arr(gy);
  let i = 0;
  for (let oc = 0; oc < g.O; oc++) {
    const grp = Math.floor(oc / g.Og);
    for (let c = 0; c < g.Cg; c++) {
      const ic = grp * g.Cg + c;
      for (let ky = 0; ky < g.KH; ky++) {
        for (let kx = 0; kx < g.KW; kx++) {
          let s = 0;
          for (let n = 0; n < g.N; n++) {
            for (let oy = 0; oy < g.Ho; oy++) {
              const iy = oy * g.sh - g.ph + ky * g.dh;
              if (iy < 0 || iy >= g.H) continue;
              for (let ox = 0; ox < g.Wo; ox++) {
                const ix = ox * g.sw - g.pw + kx * g.dw;
                if (ix < 0 || ix >= g.W) continue;
                s +=
                  gs[gy.offset + ((n * g.O + oc) * g.Ho + oy) * g.Wo + ox] *
                  xs[x.offset + ((n * g.C + ic) * g.H + iy) * g.W + ix];
              }
            }
          }
          o[i++] = s;
        }
      }
    }
  }
  return finish(out);
});

/** out[n, c, y, x] = x[n, c, y / s, x / s]. */
registerKernel('upsampleNearest', 'cpu', ([x], a: Attrs) => {
  const s = a.scale as number;
  const [N, C, H, W] = x.shape;
  const out = empty([N, C, H * s, W * s], x.dtype, 'cpu');
  const o = arr(out);
  const xs = arr(x);
  let i = 0;
  for (let p = 0; p < N * C; p++) {
    for (let y = 0; y < H * s; y++) {
      for (let q = 0; q < W * s; q++)
        o[i++] = xs[x.offset + (p * H + Math.floor(y / s)) * W + Math.floor(q / s)];
    }
  }
  return finish(out);
});

/** out = mul × (sum over each k×k window, windows `stride` apart, no padding). */
registerKernel('avgPool2d', 'cpu', ([x], a: Attrs) => {
  const k = a.kernel as number;
  const st = a.stride as number;
  const mul = a.mul as number;
  const [N, C, H, W] = x.shape;
  const Ho = Math.floor((H - k) / st) + 1;
  const Wo = Math.floor((W - k) / st) + 1;
  const out = empty([N, C, Ho, Wo], x.dtype, 'cpu');
  const o = arr(out);
  const xs = arr(x);
  let i = 0;
  for (let p = 0; p < N * C; p++) {
    for (let oy = 0; oy < Ho; oy++) {
      for (let ox = 0; ox < Wo; ox++) {
        let s = 0;
        for (let ky = 0; ky < k; ky++) {
          for (let kx = 0; kx < k; kx++) s += xs[x.offset + (p * H + oy * st + ky) * W + ox * st + kx];
        }
        o[i++] = s * mul;
      }
    }
  }
  return finish(out);
});

/** Adjoint of avgPool2d: each output gradient, times mul, added to every cell of its window. */
registerKernel('avgPool2dBackward', 'cpu', ([gy], a: Attrs) => {
  const k = a.kernel as number;
  const st = a.stride as number;
  const mul = a.mul as number;
  const [N, C, H, W] = a.inShape as number[];
  const [, , Ho, Wo] = gy.shape;
  const out = empty([N, C, H, W], gy.dtype, 'cpu');
  const o = arr(out);
  o.fill(0);
  const gs = arr(gy);
  for (let p = 0; p < N * C; p++) {
    for (let oy = 0; oy < Ho; oy++) {
      for (let ox = 0; ox < Wo; ox++) {
        const v = gs[gy.offset + (p * Ho + oy) * Wo + ox] * mul;
        for (let ky = 0; ky < k; ky++) {
          for (let kx = 0; kx < k; kx++) o[(p * H + oy * st + ky) * W + ox * st + kx] += v;
        }
      }
    }
  }
  return finish(out);
});
