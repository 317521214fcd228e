// conv2d and its two adjoints on WebGPU: picks the register-block variant for the shape, fills the
// uniforms, dispatches one flat grid (64 invocations per workgroup, folded into 2-D past 65535).
import { type ConvGeom, convGeom } from '../../backend/cpu/conv.js';
import { grid } from '../../backend/webgpu/wgsl.js';
import { convTuning } from '../../flags.js';
import { conv2dDgrad } from '../../programs/conv2d-dgrad.js';
import { CONV_WG, conv2dDirect } from '../../programs/conv2d-direct.js';
import { conv2dWgrad } from '../../programs/conv2d-wgrad.js';
import { fmtShape } from '../../shape.js';
import { empty, type Tensor } from '../../tensor.js';
import { type Attrs, getKernel, registerKernel } from '../registry.js';
import { gpuOf } from './elementwise-program.js';

const buf = (t: Tensor) => t.storage.handle as GPUBuffer;

/** The shape uniforms all three conv programs share. */
const geometry = (g: ConvGeom) => ({
  C: g.C,
  H: g.H,
  W: g.W,
  O: g.O,
  Og: g.Og,
  Cg: g.Cg,
  KH: g.KH,
  Ho: g.Ho,
  Wo: g.Wo,
  SH: g.sh,
  PH: g.ph,
});
/** Largest power of two <= min(n, cap). */
const block = (n: number, cap: number) => {
  let b = 1;
  while (b * 2 <= Math.min(n, cap)) b *= 2;
  return b;
};

function checkSize(op: string, invocations: number, shapes: string): void {
  if (invocations > 0xffffffff - CONV_WG)
    throw new RangeError(`${op}: ${shapes} needs too many invocations (${invocations})`);
}

function tuning(g: ConvGeom) {
  const k1 = g.KW === 1;
  return {
    fwdOB: convTuning.fwdOB ?? 8,
    fwdPB: convTuning.fwdPB ?? (g.Wo <= 4 ? 4 : 8),
    dgradCB: convTuning.dgradCB ?? (k1 ? 8 : 4),
    dgradPB: convTuning.dgradPB ?? g.sw * (g.sw <= 2 ? 8 : 4),
    wgradOB: convTuning.wgradOB ?? 8,
    wgradCB: convTuning.wgradCB ?? (k1 ? 8 : 4),
    wgradPB: convTuning.wgradPB ?? (k1 ? 1 : 4),
    wgradTarget: convTuning.wgradTarget ?? 1024,
  };
}

registerKernel('conv2d', 'webgpu', (inputs: Tensor[], a: Attrs) => {
  const [x, w, bias] = inputs;
  const be = gpuOf(inputs, 'conv2d');
  const g = convGeom(x.shape, w.shape, a);
  const out = empty([g.N, g.O, g.Ho, g.Wo], 'f32', 'webgpu');
  if (out.size === 0) return out;
  const tu = tuning(g);
  const OB = block(g.Og, tu.fwdOB);
  const PB = tu.fwdPB;
  const nbx = Math.ceil(g.Wo / PB);
  const nob = Math.ceil(g.Og / OB);
  const total = g.N * g.groups * nob * g.Ho * nbx;
  checkSize('conv2d', total, `${fmtShape(x.shape)} * ${fmtShape(w.shape)}`);
  const program = conv2dDirect({ OB, PB, KW: g.KW, SW: g.sw, DW: g.dw, bias: !!bias });
  be.run(
    program,
    [x, w, ...(bias ? [bias] : []), out].map(buf),
    {
      total,
      nbx,
      nob,
      nobAll: g.groups * nob,
      ...geometry(g),
      PW: g.pw,
      DH: g.dh,
      xOff: x.offset,
      wOff: w.offset,
      bOff: bias ? bias.offset : 0,
    },
    grid(Math.ceil(total / CONV_WG)),
  );
  return out;
});

registerKernel('conv2dBackwardInput', 'webgpu', (inputs: Tensor[], a: Attrs) => {
  const [gy, w] = inputs;
  const be = gpuOf(inputs, 'conv2d backward (input)');
  const g = convGeom(a.inShape as number[], w.shape, a);
  const out = empty([g.N, g.C, g.H, g.W], 'f32', 'webgpu');
  if (out.size === 0) return out;
  const tu = tuning(g);
  const CB = block(g.Cg, tu.dgradCB);
  const PB = g.sw * Math.max(1, Math.round(tu.dgradPB / g.sw));
  const nbx = Math.ceil(g.W / PB);
  const ncb = Math.ceil(g.Cg / CB);
  const total = g.N * g.groups * ncb * g.H * nbx;
  checkSize('conv2d backward (input)', total, `${fmtShape(gy.shape)} * ${fmtShape(w.shape)}`);
  const program = conv2dDgrad({ CB, PB, KW: g.KW, SW: g.sw, DW: g.dw, PWR: g.pw % g.sw });
  be.run(
    program,
    [gy, w, out].map(buf),
    {
      total,
      nbx,
      ncb,
      ncbAll: g.groups * ncb,
      ...geometry(g),
      PWQ: Math.floor(g.pw / g.sw),
      DH: g.dh,
      gOff: gy.offset,
      wOff: w.offset,
    },
    grid(Math.ceil(total / CONV_WG)),
  );
  return out;
});

registerKernel('conv2dBackwardFilter', 'webgpu', (inputs: Tensor[], a: Attrs) => {
  const [x, gy] = inputs;
  const be = gpuOf(inputs, 'conv2d backward (filter)');
  const wShape = a.wShape as number[];
  const g = convGeom(x.shape, wShape, a);
  const numel = g.O * g.Cg * g.KH * g.KW;
  if (numel === 0 || g.N * g.Ho * g.Wo === 0) {
    const z = getKernel('fill', 'webgpu')([], { shape: wShape, value: 0, dtype: 'f32' }) as Tensor;
    return z;
  }
  const tu = tuning(g);
  const OB = block(g.Og, tu.wgradOB);
  const CB = block(g.Cg, tu.wgradCB);
  const PB = tu.wgradPB;
  const nob = Math.ceil(g.Og / OB);
  const ncb = Math.ceil(g.Cg / CB);
  const base = g.groups * nob * ncb * g.KH;
  const rows = g.N * g.Ho;
  // Split the (n, oy) rows so that there are about `wgradTarget` invocations, each with >= 4 rows.
  const S = Math.max(1, Math.min(Math.ceil(tu.wgradTarget / base), Math.floor(rows / 4)));
  const rps = Math.ceil(rows / S);
  const total = base * S;
  checkSize('conv2d backward (filter)', total, `${fmtShape(x.shape)} * ${fmtShape(gy.shape)}`);
  const partial = empty(S === 1 ? wShape : [numel, S], 'f32', 'webgpu');
  be.run(
    conv2dWgrad({ OB, CB, PB, KW: g.KW, SW: g.sw, DW: g.dw }),
    [x, gy, partial].map(buf),
    {
      total,
      S,
      rps,
      rows,
      nob,
      ncb,
      ...geometry(g),
      PW: g.pw,
      DH: g.dh,
      xOff: x.offset,
      gOff: gy.offset,
    },
    grid(Math.ceil(total / CONV_WG)),
  );
  if (S === 1) return partial;
  // Sum the S partials of each weight: one invocation per weight (the row-reduce kernel's workgroup
  // tree is far too heavy for rows this short).
  const out = empty(wShape, 'f32', 'webgpu');
  be.run(
    {
      key: 'conv2d:wgrad-sum',
      bindings: [
        { name: 'P', dtype: 'f32', access: 'read' },
        { name: 'OUT', dtype: 'f32', access: 'read_write' },
      ],
      uniforms: [
        { name: 'n', type: 'u32' },
        { name: 'S', type: 'u32' },
      ],
      workgroupSize: [CONV_WG, 1, 1],
      body: `  let i = wgIndex * ${CONV_WG}u + lidx;
  if (i >= u_n()) { return; }
  let S = u_S();
  var acc = 0.0;
  for (var s = 0u; s < S; s++) { acc += P[i * S + s]; }
  OUT[i] = acc;`,
    },
    [partial, out].map(buf),
    { n: numel, S },
    grid(Math.ceil(numel / CONV_WG)),
  );
  partial.dispose();
  return out;
});
