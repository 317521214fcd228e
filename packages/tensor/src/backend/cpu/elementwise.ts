import type { DType } from '../../dtype.js';
import { BINARY_TS, COMPARE_OPS, UNARY_TS } from '../../kernels/exprs.js';
import { type Attrs, registerKernel } from '../../kernels/registry.js';
import { broadcastShapes } from '../../shape.js';
import { empty, type Tensor } from '../../tensor.js';
import { arr, finish, offsets } from './util.js';

function map(inputs: Tensor[], shape: number[], dtype: DType, f: (...v: number[]) => number): Tensor {
  const out = empty(shape, dtype, 'cpu');
  const o = arr(out);
  const offs = inputs.map((t) => offsets(t, shape));
  const srcs = inputs.map(arr);
  const vals = new Array<number>(inputs.length);
  for (let i = 0; i < o.length; i++) {
    for (let k = 0; k < inputs.length; k++) vals[k] = srcs[k][offs[k][i]];
    o[i] = f(...vals);
  }
  return finish(out);
}

registerKernel('unary', 'cpu', ([x], a: Attrs) => {
  const f = UNARY_TS[a.op as string];
  if (!f) throw new Error(`unary: unknown op '${a.op}'`);
  const p0 = (a.p0 as number) ?? 0;
  const p1 = (a.p1 as number) ?? 0;
  return map([x], x.shape, x.dtype, (v) => f(v, p0, p1));
});

registerKernel('binary', 'cpu', (inputs: Tensor[], a: Attrs) => {
  const op = a.op as string;
  const f = BINARY_TS[op];
  if (!f) throw new Error(`binary: unknown op '${op}'`);
  const [x, y] = inputs;
  const dt: DType = COMPARE_OPS.has(op) ? 'u32' : x.dtype;
  const isInt = x.dtype === 'i32' || x.dtype === 'u32';
  const g = isInt && op === 'div' ? (p: number, q: number) => Math.trunc(p / q) : f;
  if (y) return map([x, y], broadcastShapes(x.shape, y.shape, op), dt, g);
  const s = a.scalar as number;
  return map([x], x.shape, dt, a.scalarFirst ? (v) => g(s, v) : (v) => g(v, s));
});

registerKernel('where', 'cpu', (inputs: Tensor[], a: Attrs) => {
  const [c, x, y] = inputs;
  if (y) {
    const shape = broadcastShapes(broadcastShapes(c.shape, x.shape, 'where'), y.shape, 'where');
    return map([c, x, y], shape, x.dtype, (cv, xv, yv) => (cv !== 0 ? xv : yv));
  }
  const s = a.scalar as number;
  return map([c, x], broadcastShapes(c.shape, x.shape, 'where'), x.dtype, (cv, xv) => (cv !== 0 ? xv : s));
});

registerKernel('cast', 'cpu', ([x], a: Attrs) => map([x], x.shape, a.dtype as DType, (v) => v));
registerKernel('copy', 'cpu', ([x]) => map([x], x.shape, x.dtype, (v) => v));

registerKernel('fill', 'cpu', (_i, a: Attrs) => {
  const out = empty(a.shape as number[], a.dtype as DType, 'cpu');
  arr(out).fill(a.value as number);
  return finish(out);
});

registerKernel('assign', 'cpu', ([dst, src]) => {
  const d = arr(dst);
  const s = arr(src);
  const od = offsets(dst);
  const os = offsets(src, dst.shape);
  for (let i = 0; i < od.length; i++) d[od[i]] = s[os[i]];
  if (dst.dtype === 'f16') finish(dst);
  return dst;
});
