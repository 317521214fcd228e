// Fused softmax / log-softmax over the last axis (contiguous [rows, n]): one workgroup per row, one
// dispatch. Pass 1 keeps an online (max, Σexp) per lane (one exp per element) and combines the lanes in a
// tree; pass 2 writes. f16 inputs are read and accumulated in f32. The backward is one dispatch as well:
// a Σ(g·y) (Σg for log-softmax) tree, then dx = y·(g - Σ) or g - exp(y)·Σ.
import { grid } from '../../backend/webgpu/wgsl.js';
import { empty, type Tensor } from '../../tensor.js';
import { type Attrs, registerKernel } from '../registry.js';
import { gpuOf } from './elementwise-program.js';
import { NEG_FLT_MAX, ONLINE_ABSORB, rowLanes, treeMaxSum, treeSum } from './rowreduce.js';

const ROW_UNIFORMS = ['rows', 'n', 'xoff', 'goff'].map((name) => ({ name, type: 'u32' as const }));
const HEAD = `  let row = wgIndex;
  if (row >= u_rows()) { return; }
  let n = u_n();
  let xb = u_xoff() + row * n;
  let gb = u_goff() + row * n;
  let ob = row * n;`;

function shapeOf(x: Tensor) {
  const n = x.rank ? x.shape[x.rank - 1] : 1;
  return { n, rows: n ? x.size / n : 0 };
}

registerKernel('softmax', 'webgpu', ([x], a: Attrs) => {
  const log = !!a.log;
  const be = gpuOf([x], log ? 'logSoftmax' : 'softmax');
  const out = empty(x.shape, x.dtype, 'webgpu');
  const { n, rows } = shapeOf(x);
  if (!rows) return out;
  const wg = rowLanes(n, be);
  const red = treeMaxSum(wg);
  const dt = x.dtype;
  be.run(
    {
      key: `softmax:${log ? 'log' : 'exp'}:${dt}:wg${wg}`,
      bindings: [
        { name: 'X', dtype: dt, access: 'read' },
        { name: 'Y', dtype: dt, access: 'read_write' },
      ],
      uniforms: ROW_UNIFORMS,
      workgroupSize: [wg, 1, 1],
      helpers: red.decl,
      body: `${HEAD}
  var m = ${NEG_FLT_MAX};
  var s = 0.0;
  for (var j = lidx; j < n; j += ${wg}u) {
    let v = f32(X[xb + j]);
    ${ONLINE_ABSORB}
  }
${red.code}
  let mx = red_m[0];
  ${log ? 'let lse = mx + log(red_s[0]);' : 'let inv = 1.0 / red_s[0];'}
  for (var j = lidx; j < n; j += ${wg}u) {
    let v = f32(X[xb + j]);
    Y[ob + j] = ${dt}(${log ? 'v - lse' : 'exp(v - mx) * inv'});
  }`,
    },
    [x.storage.handle as GPUBuffer, out.storage.handle as GPUBuffer],
    { rows, n, xoff: x.offset, goff: 0 },
    grid(rows),
  );
  return out;
});

registerKernel('softmaxBackward', 'webgpu', ([y, g], a: Attrs) => {
  const log = !!a.log;
  const be = gpuOf([y, g], log ? 'logSoftmax backward' : 'softmax backward');
  const out = empty(y.shape, y.dtype, 'webgpu');
  const { n, rows } = shapeOf(y);
  if (!rows) return out;
  const wg = rowLanes(n, be);
  const red = treeSum(['acc'], wg);
  const dt = y.dtype;
  be.run(
    {
      key: `softmaxBackward:${log ? 'log' : 'exp'}:${dt}:${g.dtype}:wg${wg}`,
      bindings: [
        { name: 'Yv', dtype: dt, access: 'read' },
        { name: 'G', dtype: g.dtype, access: 'read' },
        { name: 'DX', dtype: dt, access: 'read_write' },
      ],
      uniforms: ROW_UNIFORMS,
      workgroupSize: [wg, 1, 1],
      helpers: red.decl,
      body: `${HEAD}
  var acc = 0.0;
  for (var j = lidx; j < n; j += ${wg}u) {
    ${log ? 'acc += f32(G[gb + j]);' : 'acc = fma(f32(G[gb + j]), f32(Yv[xb + j]), acc);'}
  }
${red.code}
  let tot = red_acc[0];
  for (var j = lidx; j < n; j += ${wg}u) {
    let yv = f32(Yv[xb + j]);
    let gv = f32(G[gb + j]);
    DX[ob + j] = ${dt}(${log ? 'gv - exp(yv) * tot' : 'yv * (gv - tot)'});
  }`,
    },
    [y.storage.handle as GPUBuffer, g.storage.handle as GPUBuffer, out.storage.handle as GPUBuffer],
    { rows, n, xoff: y.offset, goff: g.offset },
    grid(rows),
  );
  return out;
});
