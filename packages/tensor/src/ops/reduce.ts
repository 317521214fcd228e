// Reductions over any set of axes: permute them last, view as [outer, n], run the 'reduce' kernel.
import { noGrad, record } from '../autograd/tape.js';
import { kernel } from '../dispatch.js';
import { Matmul } from '../kernels/declarations.js';
import { tidy } from '../scope.js';
import { fmtShape, normAxis, sameShape } from '../shape.js';
import { full, type Tensor } from '../tensor.js';
import { add, mul, sub } from './elementwise.js';
import { contiguous, permute, reshape, slice } from './movement.js';

function axesOf(x: Tensor, axis: number | number[] | undefined, op: string): number[] {
  if (axis === undefined) return x.shape.map((_, i) => i);
  const a = (Array.isArray(axis) ? axis : [axis]).map((v) => normAxis(v, x.rank, op));
  if (new Set(a).size !== a.length) throw new RangeError(`${op}: repeated axis in [${a.join(', ')}]`);
  return a.sort((p, q) => p - q);
}

function outShape(x: Tensor, axes: number[], keepDims: boolean): number[] {
  return keepDims
    ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d))
    : x.shape.filter((_, i) => !axes.includes(i));
}

/** Raw reduction (no autograd): x viewed as [outer, n] with the reduced axes last. */
function reduceRaw(x: Tensor, axes: number[], op: string): { out: Tensor; n: number } {
  return noGrad(() => reduceRawImpl(x, axes, op));
}

function reduceRawImpl(x: Tensor, axes: number[], op: string): { out: Tensor; n: number } {
  const keep = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const last = axes.every((a, k) => a === x.rank - axes.length + k);
  // A short sum over one inner axis ([.., n, inner..], e.g. a top-k combine [T, k, D].sum(1)): moving the
  // axis last would be a strided transpose copy of all of x; n − 1 adds of strided slices read x once.
  if (!last && op === 'sum' && axes.length === 1 && x.dtype === 'f32') {
    const a = axes[0];
    const n = x.shape[a];
    const inner = x.shape.slice(a + 1).reduce((p, d) => p * d, 1);
    if (n >= 2 && n <= 8 && inner >= 16) {
      let acc = add(slice(x, a, 0, 1), slice(x, a, 1, 2));
      for (let i = 2; i < n; i++) acc = add(acc, slice(x, a, i, i + 1));
      return { out: acc, n };
    }
  }
  // A long sum over the leading axes of a contiguous tensor (a bias gradient: [tokens, out] summed over
  // the tokens): one [1, n] · [n, inner] product with a row of ones instead of a transpose copy.
  if (
    !last &&
    op === 'sum' &&
    x.dtype === 'f32' &&
    axes.every((a, k) => a === k) &&
    x.isContiguous() &&
    x.backend.name !== 'cpu'
  ) {
    const n = axes.reduce((p, a) => p * x.shape[a], 1);
    const inner = x.size / n;
    if (n >= 16 && inner >= 16) {
      const ones = full([1, n], 1, { backend: x.backend.name });
      const x2 = x.view([n, inner], [inner, 1], x.offset);
      const out = Matmul.run([ones, x2], { batch: 1, aBatchStride: 0, bBatchStride: 0, activation: 'none' });
      ones.dispose();
      x2.dispose();
      return { out, n };
    }
  }
  const moved = last ? x : permute(x, [...keep, ...axes]);
  const n = axes.reduce((p, a) => p * x.shape[a], 1);
  const outer = keep.reduce((p, a) => p * x.shape[a], 1);
  const c = contiguous(moved);
  if (n === 0 && op !== 'sum')
    throw new RangeError(`${op}: cannot reduce an empty axis of ${fmtShape(x.shape)}`);
  // Few long rows leave most of the device idle with one workgroup per row: reduce segments first.
  const parts = !op.startsWith('arg') && outer < 64 && n >= 8192 ? Math.min(256, Math.ceil(n / 4096)) : 1;
  if (parts === 1) return { out: kernel('reduce', [c], { op, outer, n }), n };
  const partial = kernel('reduce', [c], { op, outer, n, parts });
  return { out: kernel('reduce', [partial], { op, outer, n: parts }), n };
}

export function sum(x: Tensor, axis?: number | number[], keepDims = false): Tensor {
  const axes = axesOf(x.live('sum'), axis, 'sum');
  return tidy(() => {
    const { out } = reduceRaw(x, axes, 'sum');
    const shaped = reshape(out, outShape(x, axes, keepDims));
    return record('sum', shaped, [x], [], { inShape: x.shape, keepShape: outShape(x, axes, true) });
  });
}

export function mean(x: Tensor, axis?: number | number[], keepDims = false): Tensor {
  const axes = axesOf(x, axis, 'mean');
  const n = axes.reduce((p, a) => p * x.shape[a], 1);
  return tidy(() => mul(sum(x, axes, keepDims), 1 / n));
}

function extreme(
  op: 'max' | 'min',
  x: Tensor,
  axis: number | number[] | undefined,
  keepDims: boolean,
): Tensor {
  const axes = axesOf(x.live(op), axis, op);
  return tidy(() => {
    const { out } = reduceRaw(x, axes, op);
    const shaped = reshape(out, outShape(x, axes, keepDims));
    return record(op, shaped, [x], [x, shaped], { keepShape: outShape(x, axes, true) });
  });
}

export const max = (x: Tensor, axis?: number | number[], keepDims = false) =>
  extreme('max', x, axis, keepDims);
export const min = (x: Tensor, axis?: number | number[], keepDims = false) =>
  extreme('min', x, axis, keepDims);

function argExtreme(op: 'argmax' | 'argmin', x: Tensor, axis: number, keepDims: boolean): Tensor {
  const ax = normAxis(axis, x.live(op).rank, op);
  return tidy(() => reshape(reduceRaw(x, [ax], op).out, outShape(x, [ax], keepDims)));
}

export const argmax = (x: Tensor, axis = -1, keepDims = false) => argExtreme('argmax', x, axis, keepDims);
export const argmin = (x: Tensor, axis = -1, keepDims = false) => argExtreme('argmin', x, axis, keepDims);

/** log(sum(exp(x))) computed stably: the max is subtracted first (and not differentiated). */
export function logsumexp(x: Tensor, axis = -1, keepDims = false): Tensor {
  return tidy(() => {
    const m = max(x.detach(), axis, true);
    const s = sum(sub(x, m).exp(), axis, true).log().add(m);
    return keepDims ? s : reshape(s, outShape(x, [normAxis(axis, x.rank, 'logsumexp')], false));
  });
}

export function variance(x: Tensor, axis?: number | number[], keepDims = false, correction = 0): Tensor {
  const axes = axesOf(x, axis, 'variance');
  const n = axes.reduce((p, a) => p * x.shape[a], 1);
  return tidy(() => {
    const d = sub(x, mean(x, axes, true));
    return mul(sum(d.square(), axes, keepDims), 1 / Math.max(n - correction, 0));
  });
}

/** Sum a broadcast gradient back down to `shape`. */
export function sumTo(g: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  const s = axes.length ? sum(g, axes, true) : g;
  return reshape(s, [...shape]);
}
