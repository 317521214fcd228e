// Fused attention on WebGPU: picks the mask form and the tiling, packs arbitrary masks / key padding
// into a bitmap, and dispatches the programs in programs/attention-*.ts (forward; dQ then dK/dV).

import type { WebGpuBackend } from '../../backend/webgpu/backend.js';
import { STORAGE_USAGE } from '../../backend/webgpu/buffers.js';
import { grid, type Program } from '../../backend/webgpu/wgsl.js';
import { attentionDkvProgram, attentionDqProgram } from '../../programs/attention-backward.js';
import {
  type AttnVariant,
  LOG2E,
  MAX_HEAD_DIM,
  type MaskMode,
  paddedDim,
} from '../../programs/attention-common.js';
import { attentionForwardProgram, type ForwardTiling } from '../../programs/attention-forward.js';
import { fmtShape } from '../../shape.js';
import { empty, type Tensor } from '../../tensor.js';
import { type Attrs, registerKernel } from '../registry.js';
import { gpuOf } from './elementwise-program.js';

/**
 * Rows (keys) per invocation, chosen per padded head width so that the named vec4 registers of one
 * invocation stay near 128: lavapipe's LLVM compile time explodes past that (measured: a dK/dV program
 * with 256 live vec4s took 35 s to compile at Dh 32 and minutes at Dh 64; 128 compile in 1-3 s).
 * Registers: forward q + O = 2·R·Dh/4, dQ q + dO + dQ = 3·R·Dh/4, dK/dV k + v + dK + dV = 4·R·Dh/4.
 * 8 invocations per workgroup = one lavapipe SIMD group.
 */
const rowsFor = (perRow: number, dp: number) => {
  let r = 8;
  while (r > 1 && r * perRow * (dp / 4) > 128) r >>= 1;
  return r;
};

export const TILING = {
  forward: (dp: number): ForwardTiling => ({ R: rowsFor(2, dp), T: 1, WG: 8 }),
  dq: (dp: number): ForwardTiling => ({ R: rowsFor(3, dp), T: 1, WG: 8 }),
  dkv: (dp: number) => ({ R: rowsFor(4, dp), WG: 8 }),
};

const PACK_WG = 64;

/** Bitmap [Bm, Sq, ceil(Sk/32)]: bit j%32 of word j/32 = may query i attend key j. */
function packProgram(maskDtype: string | null, kp: string | null, causal: boolean): Program {
  const conds: string[] = [];
  if (maskDtype) conds.push(`MASK[mo + j] != ${maskDtype}(0)`);
  if (kp) conds.push(`KP[ko + j] != ${kp}(0)`);
  if (causal) conds.push('i32(j) <= i32(i) + u_off()');
  return {
    key: `attention:pack:${maskDtype ?? '-'}:${kp ?? '-'}:${causal ? 'causal' : 'full'}`,
    bindings: [
      ...(maskDtype ? [{ name: 'MASK', dtype: maskDtype as 'u32', access: 'read' as const }] : []),
      ...(kp ? [{ name: 'KP', dtype: kp as 'u32', access: 'read' as const }] : []),
      { name: 'BITS', dtype: 'u32', access: 'read_write' },
    ],
    uniforms: [
      ...['total', 'Sq', 'Sk', 'W', 'mOff', 'mB', 'kOff'].map((name) => ({ name, type: 'u32' as const })),
      { name: 'off', type: 'i32' },
    ],
    workgroupSize: [PACK_WG, 1, 1],
    body: `  let w = wgIndex * ${PACK_WG}u + lidx;
  if (w >= u_total()) { return; }
  let Sq = u_Sq(); let Sk = u_Sk(); let W = u_W();
  let b = w / (Sq * W); let rem = w - b * Sq * W; let i = rem / W; let wc = rem - i * W;
  let mo = u_mOff() + b * u_mB() + i * Sk; let ko = u_kOff() + b * Sk;
  let j0 = wc * 32u; let n = min(Sk - j0, 32u);
  var bits = 0u;
  for (var c = 0u; c < n; c++) {
    let j = j0 + c;
    if (${conds.length ? conds.join(' && ') : 'true'}) { bits |= 1u << c; }
  }
  BITS[w] = bits;`,
  };
}

interface Geometry {
  B: number;
  H: number;
  Sq: number;
  Sk: number;
  Dh: number;
}

function geometry(q: Tensor, k: Tensor): Geometry {
  const g = { B: q.shape[0], H: q.shape[1], Sq: q.shape[2], Sk: k.shape[2], Dh: q.shape[3] };
  if (g.Dh > MAX_HEAD_DIM) {
    throw new RangeError(
      `attention: head dim ${g.Dh} of q ${fmtShape(q.shape)} exceeds ${MAX_HEAD_DIM} on WebGPU`,
    );
  }
  return g;
}

const modeOf = (a: Attrs): MaskMode => (a.mask || a.keyPadding ? 'bits' : a.causal ? 'causal' : 'none');

/** One program per dtype and head-width bucket: the mask form and Dh are uniforms (attention-common). */
const variant = (dtype: Tensor['dtype'], Dh: number): AttnVariant => ({ dtype, dp: paddedDim(Dh) });

function baseUniforms(g: Geometry, a: Attrs, bits: Tensor | null) {
  const W = Math.ceil(g.Sk / 32);
  return {
    BH: g.B * g.H,
    Sq: g.Sq,
    Sk: g.Sk,
    Dh: g.Dh,
    H: g.H,
    W: bits ? W : 0,
    mB: bits && bits.shape[0] > 1 ? g.Sq * W : 0,
    bits: bits ? 1 : 0,
    // no causal limit: an offset past every key (the bitmap, when there is one, holds causal already,
    // but the offset still trims the key loop)
    off: a.causal ? g.Sk - g.Sq : g.Sk,
    sc2: (a.scale as number) * LOG2E,
    scale: a.scale as number,
  };
}

const buf = (t: Tensor) => t.storage.handle as GPUBuffer;

/** Bound as MB when there is no bitmap (the programs read it only when the uniform `bits` is set). */
const noBits = new WeakMap<WebGpuBackend, GPUBuffer>();
function bitsBuffer(be: WebGpuBackend, bits: Tensor | null): GPUBuffer {
  if (bits) return buf(bits);
  let b = noBits.get(be);
  if (!b) {
    b = be.device.createBuffer({ label: 'attention: no mask', size: 16, usage: STORAGE_USAGE });
    noBits.set(be, b);
  }
  return b;
}

// inputs: q, k, v, [mask], [keyPadding]; outputs: out, lse (log2 units), and the packed mask (bits mode).
registerKernel('attention', 'webgpu', (inputs: Tensor[], a: Attrs) => {
  const [q, k, v] = inputs;
  const be = gpuOf(inputs, 'attention') as WebGpuBackend;
  const g = geometry(q, k);
  const mode = modeOf(a);
  let at = 3;
  const mask = a.mask ? inputs[at++] : null;
  const kp = a.keyPadding ? inputs[at++] : null;
  const out = empty(q.shape, q.dtype, 'webgpu');
  const lse = empty([g.B, g.H, g.Sq], 'f32', 'webgpu');
  let bits: Tensor | null = null;
  if (mode === 'bits') {
    const batched = !!kp || (!!mask && mask.rank === 3 && mask.shape[0] !== 1);
    const Bm = batched ? g.B : 1;
    const W = Math.ceil(g.Sk / 32);
    bits = empty([Bm, g.Sq, W], 'u32', 'webgpu');
    const total = Bm * g.Sq * W;
    be.run(
      packProgram(mask?.dtype ?? null, kp?.dtype ?? null, !!a.causal),
      [...(mask ? [buf(mask)] : []), ...(kp ? [buf(kp)] : []), buf(bits)],
      {
        total,
        Sq: g.Sq,
        Sk: g.Sk,
        W,
        mOff: mask?.offset ?? 0,
        mB: mask && mask.rank === 3 && mask.shape[0] !== 1 ? g.Sq * g.Sk : 0,
        kOff: kp?.offset ?? 0,
        off: g.Sk - g.Sq,
      },
      grid(Math.ceil(total / PACK_WG)),
    );
  }
  const vt = variant(q.dtype, g.Dh);
  const tiling = TILING.forward(vt.dp);
  const nB = Math.ceil(g.Sq / (tiling.R * tiling.WG));
  be.run(
    attentionForwardProgram(vt, tiling),
    [buf(q), buf(k), buf(v), bitsBuffer(be, bits), buf(out), buf(lse)],
    { ...baseUniforms(g, a, bits), nB, qOff: q.offset, kOff: k.offset, vOff: v.offset },
    grid(g.B * g.H * nB),
  );
  return bits ? [out, lse, bits] : [out, lse];
});

// inputs: q, k, v, out, lse, dOut, [bits]; outputs: dq, dk, dv.
registerKernel('attentionBackward', 'webgpu', (inputs: Tensor[], a: Attrs) => {
  const [q, k, v, o, lse, go, bits0] = inputs;
  const be = gpuOf(inputs, 'attentionBackward') as WebGpuBackend;
  const g = geometry(q, k);
  const mode = modeOf(a);
  const bits = mode === 'bits' ? bits0 : null;
  if (mode === 'bits' && !bits)
    throw new Error('attentionBackward: the packed mask from the forward is missing');
  const dq = empty(q.shape, q.dtype, 'webgpu');
  const dk = empty(k.shape, k.dtype, 'webgpu');
  const dv = empty(v.shape, v.dtype, 'webgpu');
  const delta = empty([g.B * g.H * g.Sq], 'f32', 'webgpu');
  const vt = variant(q.dtype, g.Dh);
  const base = {
    ...baseUniforms(g, a, bits),
    qOff: q.offset,
    kOff: k.offset,
    vOff: v.offset,
    gOff: go.offset,
  };
  const mb = [bitsBuffer(be, bits)];
  const tq = TILING.dq(vt.dp);
  const nQ = Math.ceil(g.Sq / (tq.R * tq.WG));
  be.run(
    attentionDqProgram(vt, tq),
    [buf(q), buf(k), buf(v), buf(o), buf(lse), buf(go), ...mb, buf(dq), buf(delta)],
    { ...base, nB: nQ, oOff: o.offset, lOff: lse.offset },
    grid(g.B * g.H * nQ),
  );
  const tk = TILING.dkv(vt.dp);
  const nK = Math.ceil(g.Sk / (tk.R * tk.WG));
  be.run(
    attentionDkvProgram(vt, tk),
    [buf(q), buf(k), buf(v), buf(lse), buf(go), buf(delta), ...mb, buf(dk), buf(dv)],
    { ...base, nB: nK, lOff: lse.offset },
    grid(g.B * g.H * nK),
  );
  delta.dispose();
  return [dq, dk, dv];
});
