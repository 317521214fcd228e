// Views (no copy when the layout allows) and data movement: reshape, permute, slice, expand,
// concat, index select. Views share storage; `contiguous` copies only when needed.
import { tidy } from '../scope.js';
import { assertShape, contiguousStrides, fmtShape, normAxis, numel } from '../shape.js';
import { empty, type Tensor } from '../tensor.js';
import { kernel, record } from './run.js';

function inferShape(x: Tensor, shape: number[]): number[] {
  const s = [...shape];
  const neg = s.indexOf(-1);
  if (neg >= 0) {
    const rest = numel(s.filter((_, i) => i !== neg));
    if (rest === 0 || x.size % rest !== 0) {
      throw new RangeError(`reshape: cannot reshape ${fmtShape(x.shape)} to ${fmtShape(shape)}`);
    }
    s[neg] = x.size / rest;
  }
  assertShape(s, 'reshape');
  if (numel(s) !== x.size) {
    throw new RangeError(
      `reshape: ${fmtShape(x.shape)} has ${x.size} elements, ${fmtShape(shape)} has ${numel(s)}`,
    );
  }
  return s;
}

export function contiguous(x: Tensor): Tensor {
  if (x.live('contiguous').isContiguous()) return x;
  return record('copy', kernel('copy', [x]), [x]);
}

export function reshape(x: Tensor, shape: number[]): Tensor {
  const s = inferShape(x.live('reshape'), shape);
  if (!x.isContiguous()) return tidy(() => reshape(contiguous(x), s));
  return record('reshape', x.view(s, contiguousStrides(s), x.offset), [x], [], { from: x.shape });
}

export function permute(x: Tensor, dims: number[]): Tensor {
  x.live('permute');
  if (dims.length !== x.rank) throw new RangeError(`permute: ${dims.length} dims given for rank ${x.rank}`);
  const d = dims.map((a) => normAxis(a, x.rank, 'permute'));
  if (new Set(d).size !== d.length) throw new RangeError(`permute: repeated axis in [${dims.join(', ')}]`);
  const out = x.view(
    d.map((i) => x.shape[i]),
    d.map((i) => x.strides[i]),
    x.offset,
  );
  return record('permute', out, [x], [], { dims: d });
}

export function transpose(x: Tensor, a: number, b: number): Tensor {
  const d = x.shape.map((_, i) => i);
  const i = normAxis(a, x.rank, 'transpose');
  const j = normAxis(b, x.rank, 'transpose');
  [d[i], d[j]] = [d[j], d[i]];
  return permute(x, d);
}

export function slice(x: Tensor, axis: number, start: number, end?: number): Tensor {
  const ax = normAxis(axis, x.live('slice').rank, 'slice');
  const n = x.shape[ax];
  const s = start < 0 ? start + n : start;
  const e = end === undefined ? n : end < 0 ? end + n : end;
  if (s < 0 || e > n || s > e) {
    throw new RangeError(
      `slice: range [${start}, ${end ?? n}) is out of bounds for axis ${axis} of ${fmtShape(x.shape)}`,
    );
  }
  const shape = [...x.shape];
  shape[ax] = e - s;
  const out = x.view(shape, [...x.strides], x.offset + s * x.strides[ax]);
  return record('slice', out, [x], [], { axis: ax, start: s, inShape: x.shape });
}

export function expand(x: Tensor, shape: number[]): Tensor {
  x.live('expand');
  if (shape.length < x.rank)
    throw new RangeError(`expand: ${fmtShape(x.shape)} to fewer dims ${fmtShape(shape)}`);
  const off = shape.length - x.rank;
  const strides = shape.map((d, i) => {
    if (i < off) return 0;
    const xd = x.shape[i - off];
    if (xd === d) return x.strides[i - off];
    if (xd === 1) return 0;
    throw new RangeError(`expand: cannot expand ${fmtShape(x.shape)} to ${fmtShape(shape)}`);
  });
  return record('expand', x.view([...shape], strides, x.offset), [x], [], { inShape: x.shape });
}

export function unsqueeze(x: Tensor, axis: number): Tensor {
  const ax = normAxis(axis, x.rank + 1, 'unsqueeze');
  const s = [...x.shape];
  s.splice(ax, 0, 1);
  return reshape(x, s);
}

export function squeeze(x: Tensor, axis?: number): Tensor {
  if (axis === undefined)
    return reshape(
      x,
      x.shape.filter((d) => d !== 1),
    );
  const ax = normAxis(axis, x.rank, 'squeeze');
  if (x.shape[ax] !== 1) throw new RangeError(`squeeze: axis ${axis} of ${fmtShape(x.shape)} is not 1`);
  return reshape(
    x,
    x.shape.filter((_, i) => i !== ax),
  );
}

export function concat(xs: Tensor[], axis = 0): Tensor {
  if (!xs.length) throw new RangeError('concat: no tensors');
  const ax = normAxis(axis, xs[0].rank, 'concat');
  const shape = [...xs[0].shape];
  shape[ax] = 0;
  for (const t of xs) {
    t.live('concat');
    if (
      t.rank !== shape.length ||
      t.dtype !== xs[0].dtype ||
      t.shape.some((d, i) => i !== ax && d !== xs[0].shape[i])
    ) {
      throw new RangeError(
        `concat: ${xs.map((u) => `${fmtShape(u.shape)} ${u.dtype}`).join(', ')} do not match on axis ${axis}`,
      );
    }
    shape[ax] += t.shape[ax];
  }
  const out = empty(shape, xs[0].dtype, xs[0].backend.name);
  let at = 0;
  for (const t of xs) {
    const dst = out.view(t.shape, out.strides, at * out.strides[ax]);
    kernel('assign', [dst, t]);
    dst.dispose();
    at += t.shape[ax];
  }
  return record('concat', out, xs, [], { axis: ax, sizes: xs.map((t) => t.shape[ax]) });
}

export function stack(xs: Tensor[], axis = 0): Tensor {
  return tidy(() =>
    concat(
      xs.map((t) => unsqueeze(t, axis)),
      axis,
    ),
  );
}

/** Rows of x along `axis` picked by an i32 index tensor (any shape): torch.index_select, embedding. */
export function indexSelect(x: Tensor, axis: number, index: Tensor): Tensor {
  const ax = normAxis(axis, x.live('indexSelect').rank, 'indexSelect');
  if (index.dtype !== 'i32' && index.dtype !== 'u32') {
    throw new TypeError(`indexSelect: index must be i32 or u32, got ${index.dtype}`);
  }
  return tidy(() => {
    const xc = contiguous(x);
    const ic = contiguous(index);
    const out = kernel('gather', [xc, ic], { axis: ax });
    return record('indexSelect', out, [xc], [ic], { axis: ax, inShape: x.shape });
  });
}

/**
 * out = zeros(shape) with src rows added at `index` along axis (torch index_add into zeros).
 * Differentiable in src (its gradient gathers the output gradient's rows at `index`).
 */
export function indexAdd(shape: number[], axis: number, index: Tensor, src: Tensor): Tensor {
  const ax = normAxis(axis, shape.length, 'indexAdd');
  return tidy(() => {
    const ic = contiguous(index);
    const sc = contiguous(src);
    return record('indexAdd', kernel('scatterAdd', [ic, sc], { axis: ax, shape }), [sc], [ic], { axis: ax });
  });
}
