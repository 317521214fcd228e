// Top-k along the last axis of a contiguous [rows, n] view: the k largest values in descending order,
// ties broken by the lower index; NaN counts as larger than +inf, and -0 equals +0 (like torch.topk).
import { type Attrs, registerKernel } from '../../kernels/registry.js';
import { empty } from '../../tensor.js';
import { arr, finish } from './util.js';

/** Descending order of (value, then ascending index). */
function before(a: number, ia: number, b: number, ib: number): boolean {
  const na = Number.isNaN(a);
  const nb = Number.isNaN(b);
  if (na !== nb) return na;
  if (!na && a !== b) return a > b;
  return ia < ib;
}

registerKernel('topk', 'cpu', ([x], a: Attrs) => {
  const k = a.k as number;
  const n = x.shape[x.rank - 1];
  const rows = n === 0 ? x.size : x.size / n;
  const lead = x.shape.slice(0, -1);
  const values = empty([...lead, k], x.dtype, 'cpu');
  const indices = empty([...lead, k], 'i32', 'cpu');
  const vo = arr(values);
  const io = arr(indices);
  const src = arr(x);
  const order = new Array<number>(n);
  for (let r = 0; r < rows && k > 0; r++) {
    const base = x.offset + r * n;
    for (let j = 0; j < n; j++) order[j] = j;
    order.sort((p, q) => (before(src[base + p], p, src[base + q], q) ? -1 : 1));
    for (let j = 0; j < k; j++) {
      vo[r * k + j] = src[base + order[j]];
      io[r * k + j] = order[j];
    }
  }
  return [finish(values), indices];
});
