// CPU reference for layer norm and RMS norm over the last axis of a contiguous [rows, n] tensor.
// Forward returns [y, stats] with stats [rows, 2] f32 = (mean, rstd) per row (mean = 0 for RMS norm).
// Backward (xhat = (x - mean)·rstd, gw = g·w): layer norm dx = rstd·(gw - mean(gw) - xhat·mean(gw·xhat)),
// RMS norm dx = rstd·(gw - xhat·mean(gw·xhat)); dw = Σ_rows g·xhat, db = Σ_rows g.
import { type Attrs, registerKernel } from '../../kernels/registry.js';
import { empty, type Tensor } from '../../tensor.js';
import { arr, finish } from './util.js';

registerKernel('layerNorm', 'cpu', (inputs: Tensor[], a: Attrs) => {
  const [x] = inputs;
  const w = a.hasWeight ? inputs[1] : null;
  const bias = a.hasBias ? inputs[a.hasWeight ? 2 : 1] : null;
  const rms = !!a.rms;
  const eps = a.eps as number;
  const n = x.shape[x.rank - 1];
  const rows = n ? x.size / n : 0;
  const y = empty(x.shape, x.dtype, 'cpu');
  const stats = empty([rows, 2], 'f32', 'cpu');
  const [o, st, xs] = [arr(y), arr(stats), arr(x)];
  const ws = w ? arr(w) : null;
  const bs = bias ? arr(bias) : null;
  for (let r = 0; r < rows; r++) {
    const b = x.offset + r * n;
    let mean = 0;
    if (!rms) {
      for (let j = 0; j < n; j++) mean += xs[b + j];
      mean /= n;
    }
    let v = 0;
    for (let j = 0; j < n; j++) v += (xs[b + j] - mean) ** 2;
    const rstd = 1 / Math.sqrt(v / n + eps);
    st[2 * r] = mean;
    st[2 * r + 1] = rstd;
    for (let j = 0; j < n; j++) {
      let t = (xs[b + j] - mean) * rstd;
      if (ws) t *= ws[w!.offset + j];
      if (bs) t += bs[bias!.offset + j];
      o[r * n + j] = t;
    }
  }
  return [finish(y), finish(stats)];
});

registerKernel('layerNormBackward', 'cpu', (inputs: Tensor[], a: Attrs) => {
  const [x, g, stats] = inputs;
  const w = a.hasWeight ? inputs[3] : null;
  const rms = !!a.rms;
  const n = x.shape[x.rank - 1];
  const rows = n ? x.size / n : 0;
  const dx = empty(x.shape, x.dtype, 'cpu');
  const [o, xs, gs, st] = [arr(dx), arr(x), arr(g), arr(stats)];
  const ws = w ? arr(w) : null;
  const dwAcc = new Float64Array(n);
  const dbAcc = new Float64Array(n);
  for (let r = 0; r < rows; r++) {
    const xb = x.offset + r * n;
    const gb = g.offset + r * n;
    const mean = st[stats.offset + 2 * r];
    const rstd = st[stats.offset + 2 * r + 1];
    let sg = 0;
    let sgx = 0;
    for (let j = 0; j < n; j++) {
      const xh = (xs[xb + j] - mean) * rstd;
      const gw = ws ? gs[gb + j] * ws[w!.offset + j] : gs[gb + j];
      sg += gw;
      sgx += gw * xh;
      dwAcc[j] += gs[gb + j] * xh;
      dbAcc[j] += gs[gb + j];
    }
    sg = rms ? 0 : sg / n;
    sgx /= n;
    for (let j = 0; j < n; j++) {
      const xh = (xs[xb + j] - mean) * rstd;
      const gw = ws ? gs[gb + j] * ws[w!.offset + j] : gs[gb + j];
      o[r * n + j] = rstd * (gw - sg - xh * sgx);
    }
  }
  const outs = [finish(dx)];
  if (a.needWeightGrad) {
    const dw = empty([n], w!.dtype, 'cpu');
    arr(dw).set(dwAcc);
    outs.push(finish(dw));
  }
  if (a.needBiasGrad) {
    const db = empty([n], x.dtype, 'cpu');
    arr(db).set(dbAcc);
    outs.push(finish(db));
  }
  return outs;
});
