// Top-k along the last axis of a contiguous [rows, n] view, one workgroup per row. Each invocation
// holds the best not-yet-picked element of its strided slice; k rounds each pick the best candidate
// (tree reduction in the total order: value descending, index ascending), and only the owner of the
// pick rescans its slice for the next one below it. Values are compared as order-preserving u32 keys
// (NaN above +inf, -0 folded into +0). Cost: n / 64 loads per invocation plus k rescans of n / 64 by
// one invocation; fine for k up to a few hundred and rows of ~10^4.

import { grid } from '../../backend/webgpu/wgsl.js';
import type { DType } from '../../dtype.js';
import { empty } from '../../tensor.js';
import { type Attrs, registerKernel } from '../registry.js';
import { gpuOf } from './elementwise-program.js';

const TW = 64;

const KEY: Record<DType, string> = {
  f32: `fn key_(v: f32) -> u32 {
  var b = bitcast<u32>(v);
  if ((b & 0x7fffffffu) > 0x7f800000u) { return 0xffffffffu; }
  if (b == 0x80000000u) { b = 0u; }
  return select(b | 0x80000000u, ~b, (b & 0x80000000u) != 0u);
}`,
  f16: '',
  i32: 'fn key_(v: i32) -> u32 { return bitcast<u32>(v) ^ 0x80000000u; }',
  u32: 'fn key_(v: u32) -> u32 { return v; }',
};
KEY.f16 = KEY.f32;

registerKernel('topk', 'webgpu', ([x], a: Attrs) => {
  const be = gpuOf([x], 'topk');
  const k = a.k as number;
  const n = x.shape[x.rank - 1];
  const rows = n === 0 ? x.size : x.size / n;
  const lead = x.shape.slice(0, -1);
  const values = empty([...lead, k], x.dtype, 'webgpu');
  const indices = empty([...lead, k], 'i32', 'webgpu');
  if (!rows || !k) return [values, indices];
  const load = x.dtype === 'f16' ? 'f32(X[base + j])' : 'X[base + j]';
  be.run(
    {
      key: `topk:${x.dtype}`,
      bindings: [
        { name: 'X', dtype: x.dtype, access: 'read' },
        { name: 'VALS', dtype: x.dtype, access: 'read_write' },
        { name: 'IDX', dtype: 'i32', access: 'read_write' },
      ],
      uniforms: ['rows', 'n', 'k', 'off'].map((name) => ({ name, type: 'u32' as const })),
      workgroupSize: [TW, 1, 1],
      helpers: `${KEY[x.dtype]}
const NONE = 0xffffffffu;
var<workgroup> sk: array<u32, ${TW}>;
var<workgroup> si: array<u32, ${TW}>;`,
      body: `  let row = wgIndex;
  if (row >= u_rows()) { return; }
  let n = u_n();
  let k = u_k();
  let base = u_off() + row * n;
  // This invocation's candidate: the largest element of its slice not yet picked.
  var ck = 0u;
  var ci = NONE;
  for (var j = lidx; j < n; j += ${TW}u) {
    let kk = key_(${load});
    if (ci == NONE || kk > ck) { ck = kk; ci = j; }
  }
  for (var r = 0u; r < k; r++) {
    var bk = ck;
    var bi = ci;
    sk[lidx] = bk;
    si[lidx] = bi;
    workgroupBarrier();
    for (var s = ${TW / 2}u; s > 0u; s >>= 1u) {
      if (lidx < s) {
        let ok = sk[lidx + s];
        let oi = si[lidx + s];
        if (oi != NONE && (bi == NONE || ok > bk || (ok == bk && oi < bi))) { bk = ok; bi = oi; }
        sk[lidx] = bk;
        si[lidx] = bi;
      }
      workgroupBarrier();
    }
    let wk = sk[0];
    let wi = si[0];
    workgroupBarrier();
    if (lidx == 0u) {
      VALS[row * k + r] = X[base + wi];
      IDX[row * k + r] = i32(wi);
    }
    // Only the owner of the pick rescans, for the largest of its slice below the pick.
    if (ci == wi) {
      ci = NONE;
      for (var j = lidx; j < n; j += ${TW}u) {
        let kk = key_(${load});
        if ((kk < wk || (kk == wk && j > wi)) && (ci == NONE || kk > ck)) { ck = kk; ci = j; }
      }
    }
  }`,
    },
    [x, values, indices].map((t) => t.storage.handle as GPUBuffer),
    { rows, n, k, off: x.offset },
    grid(rows),
  );
  return [values, indices];
});
