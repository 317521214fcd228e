// Fused layer norm and RMS norm over the last axis (contiguous [rows, n]).
// Forward, one dispatch: one workgroup per row sums (x - x0) and (x - x0)² with x0 the row's first
// element as a shift (stable for large means), then writes y and the row's (mean, rstd) in stats [rows, 2].
// Backward: one workgroup per row for dx; when weight/bias need gradients, one more dispatch where a
// workgroup owns `cw` columns and 256/cw lanes stride over the rows, reduced in a fixed tree (deterministic).
import { grid } from '../../backend/webgpu/wgsl.js';
import type { DType } from '../../dtype.js';
import { empty, type Tensor } from '../../tensor.js';
import { type Attrs, registerKernel } from '../registry.js';
import { gpuOf } from './elementwise-program.js';
import { rowLanes, treeSum } from './rowreduce.js';

const U = (names: string[]) => names.map((name) => ({ name, type: 'u32' as const }));
const buf = (t: Tensor) => t.storage.handle as GPUBuffer;

registerKernel('layerNorm', 'webgpu', (inputs: Tensor[], a: Attrs) => {
  const [x] = inputs;
  const rms = !!a.rms;
  const w = a.hasWeight ? inputs[1] : null;
  const b = a.hasBias ? inputs[a.hasWeight ? 2 : 1] : null;
  const be = gpuOf(inputs, rms ? 'rmsNorm' : 'layerNorm');
  const n = x.shape[x.rank - 1];
  const rows = n ? x.size / n : 0;
  const y = empty(x.shape, x.dtype, 'webgpu');
  const stats = empty([rows, 2], 'f32', 'webgpu');
  if (!rows) return [y, stats];
  const wg = rowLanes(n, be);
  const red = treeSum(['s1', 's2'], wg);
  let expr = '(v - mean) * rstd';
  if (w) expr = `${expr} * f32(W[u_woff() + j])`;
  if (b) expr = `${expr} + f32(B[u_boff() + j])`;
  be.run(
    {
      key: `layerNorm:${rms ? 'rms' : 'ln'}:${x.dtype}:${w?.dtype ?? '-'}:${b?.dtype ?? '-'}:wg${wg}`,
      bindings: [
        { name: 'X', dtype: x.dtype, access: 'read' },
        ...(w ? [{ name: 'W', dtype: w.dtype, access: 'read' as const }] : []),
        ...(b ? [{ name: 'B', dtype: b.dtype, access: 'read' as const }] : []),
        { name: 'Y', dtype: x.dtype, access: 'read_write' },
        { name: 'ST', dtype: 'f32', access: 'read_write' },
      ],
      uniforms: [...U(['rows', 'n', 'xoff', 'woff', 'boff']), { name: 'eps', type: 'f32' }],
      workgroupSize: [wg, 1, 1],
      helpers: red.decl,
      body: `  let row = wgIndex;
  if (row >= u_rows()) { return; }
  let n = u_n();
  let xb = u_xoff() + row * n;
  let x0 = ${rms ? '0.0' : 'f32(X[xb])'};
  var s1 = 0.0;
  var s2 = 0.0;
  for (var j = lidx; j < n; j += ${wg}u) {
    let d = f32(X[xb + j]) - x0;
    s1 += d;
    s2 = fma(d, d, s2);
  }
${red.code}
  let fn_ = f32(n);
  let m1 = red_s1[0] / fn_;
  let mean = ${rms ? '0.0' : 'x0 + m1'};
  let var_ = ${rms ? 'red_s2[0] / fn_' : 'max(red_s2[0] / fn_ - m1 * m1, 0.0)'};
  let rstd = inverseSqrt(var_ + u_eps());
  if (lidx == 0u) { ST[2u * row] = mean; ST[2u * row + 1u] = rstd; }
  let yb = row * n;
  for (var j = lidx; j < n; j += ${wg}u) {
    let v = f32(X[xb + j]);
    Y[yb + j] = ${x.dtype}(${expr});
  }`,
    },
    [x, ...(w ? [w] : []), ...(b ? [b] : []), y, stats].map(buf),
    { rows, n, xoff: x.offset, woff: w?.offset ?? 0, boff: b?.offset ?? 0, eps: a.eps as number },
    grid(rows),
  );
  return [y, stats];
});

registerKernel('layerNormBackward', 'webgpu', (inputs: Tensor[], a: Attrs) => {
  const [x, g, stats] = inputs;
  const w = a.hasWeight ? inputs[3] : null;
  const rms = !!a.rms;
  const be = gpuOf(inputs, rms ? 'rmsNorm backward' : 'layerNorm backward');
  const n = x.shape[x.rank - 1];
  const rows = n ? x.size / n : 0;
  const dx = empty(x.shape, x.dtype, 'webgpu');
  const outs = [dx];
  const needW = !!a.needWeightGrad;
  const needB = !!a.needBiasGrad;
  const dw = needW ? empty([n], w!.dtype, 'webgpu') : null;
  const db = needB ? empty([n], x.dtype, 'webgpu') : null;
  if (dw) outs.push(dw);
  if (db) outs.push(db);
  if (!n) return outs;
  const offs = { rows, n, xoff: x.offset, goff: g.offset, soff: stats.offset, woff: w?.offset ?? 0 };
  const uniforms = U(['rows', 'n', 'xoff', 'goff', 'soff', 'woff']);
  if (rows) {
    const wg = rowLanes(n, be);
    const red = treeSum(['sg', 'sgx'], wg);
    const gw = w ? 'f32(G[gb + j]) * f32(W[u_woff() + j])' : 'f32(G[gb + j])';
    be.run(
      {
        key: `layerNormBackward:dx:${rms ? 'rms' : 'ln'}:${x.dtype}:${g.dtype}:${w?.dtype ?? '-'}:wg${wg}`,
        bindings: [
          { name: 'X', dtype: x.dtype, access: 'read' },
          { name: 'G', dtype: g.dtype, access: 'read' },
          { name: 'ST', dtype: 'f32', access: 'read' },
          ...(w ? [{ name: 'W', dtype: w.dtype, access: 'read' as const }] : []),
          { name: 'DX', dtype: x.dtype, access: 'read_write' },
        ],
        uniforms,
        workgroupSize: [wg, 1, 1],
        helpers: red.decl,
        body: `  let row = wgIndex;
  if (row >= u_rows()) { return; }
  let n = u_n();
  let xb = u_xoff() + row * n;
  let gb = u_goff() + row * n;
  let mean = ST[u_soff() + 2u * row];
  let rstd = ST[u_soff() + 2u * row + 1u];
  var sg = 0.0;
  var sgx = 0.0;
  for (var j = lidx; j < n; j += ${wg}u) {
    let gw = ${gw};
    sg += gw;
    sgx = fma(gw, (f32(X[xb + j]) - mean) * rstd, sgx);
  }
${red.code}
  let fn_ = f32(n);
  let mg = ${rms ? '0.0' : 'red_sg[0] / fn_'};
  let mgx = red_sgx[0] / fn_;
  let ob = row * n;
  for (var j = lidx; j < n; j += ${wg}u) {
    let xh = (f32(X[xb + j]) - mean) * rstd;
    let gw = ${gw};
    DX[ob + j] = ${x.dtype}(rstd * (gw - mg - xh * mgx));
  }`,
      },
      [x, g, stats, ...(w ? [w] : []), dx].map(buf),
      offs,
      grid(rows),
    );
  }
  if (dw || db) columnSums(be, x, g, stats, dw, db, offs, uniforms);
  return outs;
});

/** dw[j] = Σ_r g·xhat and db[j] = Σ_r g: a workgroup owns cw columns; 256/cw lanes stride the rows. */
function columnSums(
  be: ReturnType<typeof gpuOf>,
  x: Tensor,
  g: Tensor,
  stats: Tensor,
  dw: Tensor | null,
  db: Tensor | null,
  offs: Record<string, number>,
  uniforms: ReturnType<typeof U>,
) {
  const n = offs.n;
  const cw = n < 32 ? 1 : 32; // two variants: narrow rows get one column per workgroup
  const rl = 256 / cw;
  const dt = (t: Tensor | null): DType | '-' => t?.dtype ?? '-';
  const decl = [
    dw ? `var<workgroup> red_w: array<f32, 256>;` : '',
    db ? `var<workgroup> red_b: array<f32, 256>;` : '',
  ];
  const both = (f: (k: 'w' | 'b') => string) => (dw ? f('w') : '') + (db ? f('b') : '');
  be.run(
    {
      key: `layerNormBackward:cols:${x.dtype}:${g.dtype}:${dt(dw)}:${dt(db)}:cw${cw}`,
      bindings: [
        { name: 'X', dtype: x.dtype, access: 'read' },
        { name: 'G', dtype: g.dtype, access: 'read' },
        { name: 'ST', dtype: 'f32', access: 'read' },
        ...(dw ? [{ name: 'DW', dtype: dw.dtype, access: 'read_write' as const }] : []),
        ...(db ? [{ name: 'DB', dtype: db.dtype, access: 'read_write' as const }] : []),
      ],
      uniforms,
      workgroupSize: [256, 1, 1],
      helpers: decl.join('\n'),
      body: `  let c = lidx % ${cw}u;
  let rl = lidx / ${cw}u;
  let col = wgIndex * ${cw}u + c;
  let n = u_n();
  var aw = 0.0;
  var ab = 0.0;
  if (col < n) {
    for (var r = rl; r < u_rows(); r += ${rl}u) {
      let gv = f32(G[u_goff() + r * n + col]);
      ${dw ? 'let xh = (f32(X[u_xoff() + r * n + col]) - ST[u_soff() + 2u * r]) * ST[u_soff() + 2u * r + 1u];\n      aw = fma(gv, xh, aw);' : ''}
      ab += gv;
    }
  }
  ${both((k) => `red_${k}[lidx] = a${k}; `)}
  workgroupBarrier();
  for (var k = ${rl / 2}u; k > 0u; k >>= 1u) {
    if (rl < k) { ${both((k) => `red_${k}[lidx] += red_${k}[lidx + k * ${cw}u]; `)}}
    workgroupBarrier();
  }
  if (rl == 0u && col < n) { ${both((k) => `D${k.toUpperCase()}[col] = ${k === 'w' ? dw?.dtype : db?.dtype}(red_${k}[lidx]); `)}}`,
    },
    [x, g, stats, ...(dw ? [dw] : []), ...(db ? [db] : [])].map(buf),
    offs,
    grid(Math.ceil(n / cw)),
  );
}
