// 'rotary' on WebGPU: one invocation per (row, channel) of the output; a channel below r/2 or in [r/2, r)
// reads its pair partner and the row position's cos/sin, the others are copied.
import { grid } from '../../backend/webgpu/wgsl.js';
import { empty } from '../../tensor.js';
import { Rotary } from '../declarations.js';
import { WG } from './elementwise-program.js';
import { dispatchProgram } from './program.js';

Rotary.implement('webgpu', ([x, cos, sin], { rotaryDim, offset, inverse }, spec) => {
  const out = empty(spec.shape, spec.dtype, 'webgpu');
  const n = out.size;
  if (!n) return out;
  const D = x.shape[x.rank - 1];
  const S = x.shape[x.rank - 2];
  dispatchProgram(
    {
      key: `rotary:${inverse ? 'inv' : 'fwd'}`,
      bindings: [
        { name: 'X', dtype: 'f32', access: 'read' },
        { name: 'COS', dtype: 'f32', access: 'read' },
        { name: 'SIN', dtype: 'f32', access: 'read' },
        { name: 'OUT', dtype: 'f32', access: 'read_write' },
      ],
      uniforms: ['n', 'd', 's', 'half', 'offset', 'xoff', 'coff', 'soff'].map((name) => ({
        name,
        type: 'u32' as const,
      })),
      workgroupSize: [WG, 1, 1],
      body: `  let e = wgIndex * ${WG}u + lidx;
  if (e >= u_n()) { return; }
  let d = u_d();
  let half = u_half();
  let row = e / d;
  let j = e % d;
  let xo = u_xoff() + row * d;
  if (j >= 2u * half) { OUT[e] = X[xo + j]; return; }
  let i = j % half;
  let t = (u_offset() + row % u_s()) * half + i;
  let c = COS[u_coff() + t];
  let sn = ${inverse ? '-' : ''}SIN[u_soff() + t];
  if (j < half) {
    OUT[e] = X[xo + i] * c - X[xo + half + i] * sn;
  } else {
    OUT[e] = X[xo + half + i] * c + X[xo + i] * sn;
  }`,
    },
    [x, cos, sin, out],
    { n, d: D, s: S, half: rotaryDim / 2, offset, xoff: x.offset, coff: cos.offset, soff: sin.offset },
    grid(Math.ceil(n / WG)),
  );
  return out;
});
