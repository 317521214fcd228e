import { firstOutOfRange, indexOutOfRange } from '../../kernels/range-errors.js';
import { type Attrs, registerKernel } from '../../kernels/registry.js';
import { empty } from '../../tensor.js';
import { arr, finish } from './util.js';

function split(shape: readonly number[], axis: number) {
  const pre = shape.slice(0, axis).reduce((p, d) => p * d, 1);
  const post = shape.slice(axis + 1).reduce((p, d) => p * d, 1);
  return { pre, n: shape[axis], post };
}

registerKernel('gather', 'cpu', ([x, idx], a: Attrs) => {
  const axis = a.axis as number;
  const { pre, n, post } = split(x.shape, axis);
  const bad = firstOutOfRange(arr(idx), idx.offset, idx.size, n);
  if (bad) throw indexOutOfRange((a.op as string) ?? 'gather', bad[0], bad[1], n, axis);
  const out = empty([...x.shape.slice(0, axis), ...idx.shape, ...x.shape.slice(axis + 1)], x.dtype, 'cpu');
  const o = arr(out);
  const xs = arr(x);
  const is = arr(idx);
  const m = idx.size;
  for (let p = 0; p < pre; p++) {
    for (let j = 0; j < m; j++) {
      const r = is[idx.offset + j];
      for (let q = 0; q < post; q++) o[(p * m + j) * post + q] = xs[x.offset + (p * n + r) * post + q];
    }
  }
  return finish(out);
});

registerKernel('scatterAdd', 'cpu', ([idx, src], a: Attrs) => {
  const axis = a.axis as number;
  const shape = a.shape as number[];
  const { pre, n, post } = split(shape, axis);
  const out = empty(shape, src.dtype, 'cpu');
  const o = arr(out);
  o.fill(0);
  const s = arr(src);
  const is = arr(idx);
  const m = idx.size;
  for (let p = 0; p < pre; p++) {
    for (let j = 0; j < m; j++) {
      const r = is[idx.offset + j];
      if (r < 0 || r >= n) continue;
      for (let q = 0; q < post; q++) o[(p * n + r) * post + q] += s[src.offset + (p * m + j) * post + q];
    }
  }
  return finish(out);
});
