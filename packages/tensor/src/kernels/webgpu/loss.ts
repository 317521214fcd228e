// Fused cross-entropy over logits [N, V] restricted to columns [start, end), targets i32 [N] (absolute ids),
// with ignoreIndex and label smoothing; no one-hot is ever built.
// Forward: one workgroup per row (online max/Σexp plus Σx for smoothing) writes the row loss and its
// logsumexp; for 'sum'/'mean' one more single-workgroup dispatch sums the rows in a fixed tree and counts
// the non-ignored targets. A non-ignored target outside [start, end) makes that row's loss NaN and raises
// the device check flag, so the next read-back or sync throws the CPU reference's error. Backward: one dispatch, one workgroup per row writes
// scale·(softmax - ε/K - (1-ε)·onehot) inside the slice and 0 elsewhere, scale = g (none, sum) or g/count.
import { CHECK_BINDING, CHECK_FN, CHECK_UNIFORM } from '../../backend/webgpu/checks.js';
import { grid } from '../../backend/webgpu/wgsl.js';
import { empty, type Tensor } from '../../tensor.js';
import { targetOutOfRange } from '../range-errors.js';
import { type Attrs, registerKernel } from '../registry.js';
import { gpuOf } from './elementwise-program.js';
import { NEG_FLT_MAX, ONLINE_ABSORB, rowLanes, treeMaxSum, treeSum } from './rowreduce.js';

const buf = (t: Tensor) => t.storage.handle as GPUBuffer;
const UNIFORMS = [
  ...['rows', 'V', 'start', 'end', 'xoff', 'toff', 'aux'].map((name) => ({ name, type: 'u32' as const })),
  { name: 'ignore', type: 'i32' as const },
  { name: 'eps', type: 'f32' as const },
];
const TARGET = `  let t = TG[u_toff() + row];
  let ignored = t == u_ignore();
  let inside = t >= i32(u_start()) && t < i32(u_end());`;

function uniformValues(logits: Tensor, targets: Tensor, a: Attrs, aux = 0) {
  const [rows, V] = logits.shape;
  return {
    rows,
    V,
    start: a.start as number,
    end: a.end as number,
    xoff: logits.offset,
    toff: targets.offset,
    aux,
    ignore: a.ignoreIndex as number,
    eps: a.labelSmoothing as number,
  };
}

registerKernel('crossEntropy', 'webgpu', ([logits, targets], a: Attrs) => {
  const be = gpuOf([logits, targets], 'crossEntropy');
  const [N] = logits.shape;
  const K = (a.end as number) - (a.start as number);
  const reduction = a.reduction as string;
  const rowLoss = empty([N], 'f32', 'webgpu');
  const lse = empty([N], 'f32', 'webgpu');
  const cnt = empty([1], 'f32', 'webgpu');
  const wg = rowLanes(K, be);
  const red = treeMaxSum(wg);
  const sx = treeSum(['sx'], wg);
  const range = { start: a.start as number, end: a.end as number, ignoreIndex: a.ignoreIndex as number };
  const check = be.checks.id(`crossEntropy:${range.start}:${range.end}:${range.ignoreIndex}`, (v, row) =>
    targetOutOfRange(v | 0, row, range),
  );
  be.run(
    {
      key: `crossEntropy:rows:${logits.dtype}:wg${wg}`,
      bindings: [
        { name: 'X', dtype: logits.dtype, access: 'read' },
        { name: 'TG', dtype: 'i32', access: 'read' },
        { name: 'LOSS', dtype: 'f32', access: 'read_write' },
        { name: 'LSE', dtype: 'f32', access: 'read_write' },
        CHECK_BINDING,
      ],
      uniforms: [...UNIFORMS, CHECK_UNIFORM],
      workgroupSize: [wg, 1, 1],
      helpers: `${red.decl}\n${sx.decl}\n${CHECK_FN}\nfn nan_() -> f32 { var b = 0x7fc00000u; return bitcast<f32>(b); }`,
      body: `  let row = wgIndex;
  if (row >= u_rows()) { return; }
  let xb = u_xoff() + row * u_V();
  let e1 = u_end();
  var m = ${NEG_FLT_MAX};
  var s = 0.0;
  var sx = 0.0;
  for (var j = u_start() + lidx; j < e1; j += ${wg}u) {
    let v = f32(X[xb + j]);
    sx += v;
    ${ONLINE_ABSORB}
  }
${red.code}
${sx.code}
  if (lidx != 0u) { return; }
  let lse = red_m[0] + log(red_s[0]);
  LSE[row] = lse;
${TARGET}
  let eps = u_eps();
  var loss = 0.0;
  if (!ignored) {
    if (inside) {
      let xt = f32(X[xb + u32(t)]);
      loss = (1.0 - eps) * (lse - xt) + eps * (lse - red_sx[0] / f32(e1 - u_start()));
    } else {
      loss = nan_();
      fail(bitcast<u32>(t), row);
    }
  }
  LOSS[row] = loss;`,
    },
    [...[logits, targets, rowLoss, lse].map(buf), be.checks.buffer],
    { ...uniformValues(logits, targets, a), check },
    grid(N),
  );
  if (reduction === 'none') return [rowLoss, lse, cnt];
  const out = empty([], 'f32', 'webgpu');
  const sums = treeSum(['acc', 'num'], 256);
  be.run(
    {
      key: `crossEntropy:reduce:${reduction}`,
      bindings: [
        { name: 'LOSS', dtype: 'f32', access: 'read' },
        { name: 'TG', dtype: 'i32', access: 'read' },
        { name: 'OUT', dtype: 'f32', access: 'read_write' },
        { name: 'CNT', dtype: 'f32', access: 'read_write' },
      ],
      uniforms: UNIFORMS,
      workgroupSize: [256, 1, 1],
      helpers: sums.decl,
      body: `  var acc = 0.0;
  var num = 0.0;
  for (var row = lidx; row < u_rows(); row += 256u) {
    acc += LOSS[row];
    num += select(1.0, 0.0, TG[u_toff() + row] == u_ignore());
  }
${sums.code}
  if (lidx == 0u) {
    OUT[0] = ${reduction === 'mean' ? 'red_acc[0] / red_num[0]' : 'red_acc[0]'};
    CNT[0] = red_num[0];
  }`,
    },
    [rowLoss, targets, out, cnt].map(buf),
    uniformValues(logits, targets, a),
    [1, 1, 1],
  );
  rowLoss.dispose();
  return [out, lse, cnt];
});

registerKernel('crossEntropyBackward', 'webgpu', ([logits, targets, lse, g, cnt], a: Attrs) => {
  const be = gpuOf([logits, targets, lse, g, cnt], 'crossEntropy backward');
  const [N, V] = logits.shape;
  const reduction = a.reduction as string;
  const dx = empty([N, V], logits.dtype, 'webgpu');
  if (!N || !V) return dx;
  const wg = rowLanes(V, be);
  const scale =
    reduction === 'none'
      ? 'f32(G[u_aux() + row])'
      : reduction === 'sum'
        ? 'f32(G[u_aux()])'
        : 'f32(G[u_aux()]) / CNT[0]';
  const dt = logits.dtype;
  be.run(
    {
      key: `crossEntropyBackward:${reduction}:${dt}:${g.dtype}:wg${wg}`,
      bindings: [
        { name: 'X', dtype: dt, access: 'read' },
        { name: 'TG', dtype: 'i32', access: 'read' },
        { name: 'LSE', dtype: 'f32', access: 'read' },
        { name: 'G', dtype: g.dtype, access: 'read' },
        { name: 'CNT', dtype: 'f32', access: 'read' },
        { name: 'DX', dtype: dt, access: 'read_write' },
      ],
      uniforms: UNIFORMS,
      workgroupSize: [wg, 1, 1],
      body: `  let row = wgIndex;
  if (row >= u_rows()) { return; }
  let V = u_V();
  let xb = u_xoff() + row * V;
  let ob = row * V;
${TARGET}
  if (ignored) {
    for (var j = lidx; j < V; j += ${wg}u) { DX[ob + j] = ${dt}(0.0); }
    return;
  }
  let sc = ${scale};
  let lse = LSE[row];
  let eps = u_eps();
  let s0 = u_start();
  let e1 = u_end();
  let uni = eps / f32(e1 - s0);
  let tj = u32(t);
  for (var j = lidx; j < V; j += ${wg}u) {
    var d = 0.0;
    if (j >= s0 && j < e1) {
      d = exp(f32(X[xb + j]) - lse) - uni - select(0.0, 1.0 - eps, j == tj);
    }
    DX[ob + j] = ${dt}(d * sc);
  }`,
    },
    [logits, targets, lse, g, cnt, dx].map(buf),
    uniformValues(logits, targets, a, g.offset),
    grid(N),
  );
  return dx;
});
