// Philox4x32-10 in WGSL and the kernels built on it: raw bits / uniform / normal / Gumbel / keep-mask
// fills, fused dropout, and multinomial sampling. The stream layout and distributions are specified in
// backend/cpu/random.ts (the bit-exact reference). WGSL has no 64-bit integers: mulhi uses 16-bit limbs.

import type { WebGpuBackend } from '../../backend/webgpu/backend.js';
import { grid, type UniformField } from '../../backend/webgpu/wgsl.js';
import type { DType } from '../../dtype.js';
import { engine } from '../../engine.js';
import { empty, type Tensor } from '../../tensor.js';
import { type Attrs, registerKernel } from '../registry.js';
import { gpuOf, WG } from './elementwise-program.js';

/** Module-scope WGSL: philox_(ctr, key), philox_at_(block) (reads the rng uniforms), u01_, uopen_. */
export const PHILOX_WGSL = `
fn mulhilo_(a: u32, b: u32) -> vec2u {
  let al = a & 0xffffu; let ah = a >> 16u; let bl = b & 0xffffu; let bh = b >> 16u;
  let lh = al * bh; let hl = ah * bl;
  let mid = ((al * bl) >> 16u) + (lh & 0xffffu) + (hl & 0xffffu);
  return vec2u(ah * bh + (lh >> 16u) + (hl >> 16u) + (mid >> 16u), a * b);
}
fn philox_(ctr: vec4u, key: vec2u) -> vec4u {
  var c = ctr;
  var k = key;
  for (var r = 0u; r < 10u; r++) {
    if (r > 0u) { k = k + vec2u(0x9E3779B9u, 0xBB67AE85u); }
    let p0 = mulhilo_(0xD2511F53u, c.x);
    let p1 = mulhilo_(0xCD9E8D57u, c.z);
    c = vec4u(p1.x ^ c.y ^ k.x, p1.y, p0.x ^ c.w ^ k.y, p0.y);
  }
  return c;
}
fn philox_at_(b: u32) -> vec4u {
  let lo = u_ctr(0u) + b;
  let hi = u_ctr(1u) + select(0u, 1u, lo < u_ctr(0u));
  return philox_(vec4u(lo, hi, u_ctr(2u), u_ctr(3u)), vec2u(u_key(0u), u_key(1u)));
}
fn u01_(w: u32) -> f32 { return f32(w >> 8u) * 5.9604644775390625e-8; }
fn uopen_(w: u32) -> f32 { return (f32(w >> 9u) + 0.5) * 1.1920928955078125e-7; }
// -log(u) for u = uopen_(w), accurate near u = 1 too (there 1 - u is exact and log(u) is not).
fn nlog_uopen_(w: u32) -> f32 {
  let t = (f32(0x7fffffu - (w >> 9u)) + 0.5) * 1.1920928955078125e-7;
  if (t < 0.0625) { return t * (1.0 + t * (0.5 + t * (0.33333333 + t * (0.25 + t * (0.2 + t * 0.16666667))))); }
  return -log(uopen_(w));
}
`;

/** Uniform fields for the Philox key and counter (used by philox_at_). */
export const PHILOX_UNIFORMS: UniformField[] = [
  { name: 'key', type: 'u32', length: 2 },
  { name: 'ctr', type: 'u32', length: 4 },
];

export function philoxValues(a: Attrs): { key: number[]; ctr: number[] } {
  return { key: [...(a.key as number[])], ctr: [...(a.ctr as number[])] };
}

// Per block of 4 words: the 4 values (vec4 of the compute type).
const DIST: Record<string, string> = {
  bits: '  let s = w;',
  uniform:
    '  let s = fma(vec4f(f32(w.x >> 8u), f32(w.y >> 8u), f32(w.z >> 8u), f32(w.w >> 8u)) * 5.9604644775390625e-8, vec4f(u_p0()), vec4f(u_p1()));',
  keep: '  let s = select(vec4u(0u), vec4u(1u), vec4f(u01_(w.x), u01_(w.y), u01_(w.z), u01_(w.w)) >= vec4f(u_p0()));',
  gumbel: `  let e = vec4f(nlog_uopen_(w.x), nlog_uopen_(w.y), nlog_uopen_(w.z), nlog_uopen_(w.w));
  let s = fma(-log(e), vec4f(u_p0()), vec4f(u_p1()));`,
  normal: `  let u1 = (vec2f(f32(w.x >> 8u), f32(w.z >> 8u)) + 1.0) * 5.9604644775390625e-8;
  let t = vec2f(u01_(w.y), u01_(w.w)) * 6.283185307179586 - 3.141592653589793;
  let r = sqrt(-2.0 * log(u1));
  let s = fma(vec4f(r.x * cos(t.x), r.x * sin(t.x), r.y * cos(t.y), r.y * sin(t.y)), vec4f(u_p0()), vec4f(u_p1()));`,
};

registerKernel('random', 'webgpu', (_inputs, a: Attrs) => {
  const dist = a.dist as string;
  const dtype = a.dtype as DType;
  const be = engine.backend('webgpu') as WebGpuBackend;
  if (!DIST[dist]) throw new Error(`random: unknown distribution '${dist}'`);
  const out = empty(a.shape as number[], dtype, 'webgpu');
  const n = out.size;
  if (!n) return out;
  const blocks = Math.ceil(n / 4);
  be.run(
    {
      key: `random:${dist}:${dtype}`,
      bindings: [{ name: 'OUT', dtype, access: 'read_write' }],
      uniforms: [
        { name: 'n', type: 'u32' },
        { name: 'p0', type: 'f32' },
        { name: 'p1', type: 'f32' },
        ...PHILOX_UNIFORMS,
      ],
      workgroupSize: [WG, 1, 1],
      helpers: PHILOX_WGSL,
      body: `  let b = wgIndex * ${WG}u + lidx;
  if (b * 4u >= u_n()) { return; }
  let w = philox_at_(b);
${DIST[dist]}
  let i = b * 4u;
  let n = u_n();
  OUT[i] = ${dtype}(s.x);
  if (i + 1u < n) { OUT[i + 1u] = ${dtype}(s.y); }
  if (i + 2u < n) { OUT[i + 2u] = ${dtype}(s.z); }
  if (i + 3u < n) { OUT[i + 3u] = ${dtype}(s.w); }`,
    },
    [out.storage.handle as GPUBuffer],
    { n, p0: (a.p0 as number) ?? 1, p1: (a.p1 as number) ?? 0, ...philoxValues(a) },
    grid(Math.ceil(blocks / WG)),
  );
  return out;
});

registerKernel('dropout', 'webgpu', ([x], a: Attrs) => {
  const be = gpuOf([x], 'dropout');
  const out = empty(x.shape, x.dtype, 'webgpu');
  const n = x.size;
  if (!n) return out;
  const blocks = Math.ceil(n / 4);
  be.run(
    {
      key: `dropout:${x.dtype}`,
      bindings: [
        { name: 'X', dtype: x.dtype, access: 'read' },
        { name: 'OUT', dtype: x.dtype, access: 'read_write' },
      ],
      uniforms: [
        { name: 'n', type: 'u32' },
        { name: 'off', type: 'u32' },
        { name: 'p', type: 'f32' },
        { name: 'scale', type: 'f32' },
        ...PHILOX_UNIFORMS,
      ],
      workgroupSize: [WG, 1, 1],
      helpers: PHILOX_WGSL,
      body: `  let b = wgIndex * ${WG}u + lidx;
  let n = u_n();
  if (b * 4u >= n) { return; }
  let w = philox_at_(b);
  let keep = vec4f(u01_(w.x), u01_(w.y), u01_(w.z), u01_(w.w)) >= vec4f(u_p());
  for (var j = 0u; j < 4u; j++) {
    let i = b * 4u + j;
    if (i < n) { OUT[i] = ${x.dtype}(select(0.0, f32(X[u_off() + i]) * u_scale(), keep[j])); }
  }`,
    },
    [x.storage.handle as GPUBuffer, out.storage.handle as GPUBuffer],
    { n, off: x.offset, p: a.p as number, scale: a.scale as number, ...philoxValues(a) },
    grid(Math.ceil(blocks / WG)),
  );
  return out;
});

const MW = 64;

// One workgroup per row: chunk sums (thread t owns columns [t*c, (t+1)*c)), then thread 0 finds the
// chunk holding u * total and walks it. Same rule as the CPU reference: the smallest j with
// cumsum_j > u * total, falling back to the last positive weight when rounding leaves none.
registerKernel('multinomial', 'webgpu', ([x], a: Attrs) => {
  const be = gpuOf([x], 'multinomial');
  const n = x.shape[x.rank - 1];
  const out = empty(x.shape.slice(0, -1), 'i32', 'webgpu');
  const rows = out.size;
  if (!rows) return out;
  const variant = a.fromLogits ? 'logits' : (a.invT as number) === 1 ? 'probs' : 'probsT';
  const weight =
    variant === 'logits'
      ? 'exp((f32(X[base + j]) - m) * u_invT())'
      : variant === 'probs'
        ? 'max(f32(X[base + j]), 0.0)'
        : 'select(0.0, pow(f32(X[base + j]), u_invT()), f32(X[base + j]) > 0.0)';
  be.run(
    {
      key: `multinomial:${variant}:${x.dtype}`,
      bindings: [
        { name: 'X', dtype: x.dtype, access: 'read' },
        { name: 'OUT', dtype: 'i32', access: 'read_write' },
      ],
      uniforms: [
        { name: 'rows', type: 'u32' },
        { name: 'n', type: 'u32' },
        { name: 'off', type: 'u32' },
        { name: 'invT', type: 'f32' },
        ...PHILOX_UNIFORMS,
      ],
      workgroupSize: [MW, 1, 1],
      helpers: `${PHILOX_WGSL}
fn ninf_() -> f32 { var b = 0xff800000u; return bitcast<f32>(b); }
var<workgroup> red: array<f32, ${MW}>;
var<workgroup> lnz: array<i32, ${MW}>;`,
      body: `  let row = wgIndex;
  if (row >= u_rows()) { return; }
  let n = u_n();
  let base = u_off() + row * n;
  var m = 0.0;
${
  variant === 'logits'
    ? `  var mx = ninf_();
  for (var j = lidx; j < n; j += ${MW}u) { mx = max(mx, f32(X[base + j])); }
  red[lidx] = mx;
  workgroupBarrier();
  for (var s = ${MW / 2}u; s > 0u; s >>= 1u) {
    if (lidx < s) { red[lidx] = max(red[lidx], red[lidx + s]); }
    workgroupBarrier();
  }
  m = red[0];
  workgroupBarrier();`
    : ''
}
  let c = (n + ${MW - 1}u) / ${MW}u;
  let j0 = min(n, lidx * c);
  let j1 = min(n, j0 + c);
  var acc = 0.0;
  var last = -1;
  for (var j = j0; j < j1; j++) {
    let w = ${weight};
    acc += w;
    if (w > 0.0) { last = i32(j); }
  }
  red[lidx] = acc;
  lnz[lidx] = last;
  workgroupBarrier();
  if (lidx != 0u) { return; }
  var total = 0.0;
  for (var t = 0u; t < ${MW}u; t++) { total += red[t]; }
  var res = -1;
  if (total > 0.0) {
    let words = philox_at_(row >> 2u);
    let tgt = u01_(words[row & 3u]) * total;
    var pre = 0.0;
    var cum = 0.0;
    var chunk = ${MW}u;
    for (var t = 0u; t < ${MW}u; t++) {
      if (lnz[t] >= 0) { res = lnz[t]; }
      if (chunk == ${MW}u && red[t] > 0.0 && pre + red[t] > tgt) { chunk = t; cum = pre; }
      pre += red[t];
    }
    if (chunk < ${MW}u) {
      res = lnz[chunk];
      let e = min(n, (chunk + 1u) * c);
      for (var j = chunk * c; j < e; j++) {
        let w = ${weight};
        cum += w;
        if (cum > tgt && w > 0.0) { res = i32(j); break; }
      }
    }
  }
  OUT[row] = res;`,
    },
    [x.storage.handle as GPUBuffer, out.storage.handle as GPUBuffer],
    { rows, n, off: x.offset, invT: a.invT as number, ...philoxValues(a) },
    grid(rows),
  );
  return out;
});

export type { Tensor };
