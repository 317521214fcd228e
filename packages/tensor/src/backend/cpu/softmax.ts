// CPU reference for the fused softmax family over the last axis of a contiguous [rows, n] tensor.
// softmax(x)_j = exp(x_j - max) / Σ exp(x_k - max); logSoftmax = x_j - max - log Σ exp(x_k - max).
// Backward: softmax dx = y·(g - Σ g·y); logSoftmax dx = g - exp(y)·Σ g.
import { type Attrs, registerKernel } from '../../kernels/registry.js';
import { empty, type Tensor } from '../../tensor.js';
import { arr, finish } from './util.js';

const rowsOf = (t: Tensor) => {
  const n = t.rank ? t.shape[t.rank - 1] : 1;
  return { n, rows: n ? t.size / n : 0 };
};

registerKernel('softmax', 'cpu', ([x], a: Attrs) => {
  const log = !!a.log;
  const { n, rows } = rowsOf(x);
  const out = empty(x.shape, x.dtype, 'cpu');
  const o = arr(out);
  const src = arr(x);
  for (let r = 0; r < rows; r++) {
    const b = x.offset + r * n;
    let m = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < n; j++) m = Math.max(m, src[b + j]);
    let s = 0;
    for (let j = 0; j < n; j++) s += Math.exp(src[b + j] - m);
    const ls = Math.log(s);
    for (let j = 0; j < n; j++) o[r * n + j] = log ? src[b + j] - m - ls : Math.exp(src[b + j] - m) / s;
  }
  return finish(out);
});

registerKernel('softmaxBackward', 'cpu', ([y, g], a: Attrs) => {
  const log = !!a.log;
  const { n, rows } = rowsOf(y);
  const out = empty(y.shape, y.dtype, 'cpu');
  const o = arr(out);
  const ys = arr(y);
  const gs = arr(g);
  for (let r = 0; r < rows; r++) {
    const yb = y.offset + r * n;
    const gb = g.offset + r * n;
    let s = 0;
    for (let j = 0; j < n; j++) s += log ? gs[gb + j] : gs[gb + j] * ys[yb + j];
    for (let j = 0; j < n; j++) {
      o[r * n + j] = log ? gs[gb + j] - Math.exp(ys[yb + j]) * s : ys[yb + j] * (gs[gb + j] - s);
    }
  }
  return finish(out);
});
