import { type HostArray, roundF16 } from '../../dtype.js';
import { broadcastStrides, contiguousStrides, numel } from '../../shape.js';
import type { Tensor } from '../../tensor.js';

export const arr = (t: Tensor) => t.storage.handle as HostArray;

/** Storage offsets of every element of `t` read in row-major order of `shape` (broadcasting). */
export function offsets(t: Tensor, shape: readonly number[] = t.shape): Int32Array {
  const n = numel(shape);
  const st = broadcastStrides(t.shape, t.strides, shape);
  const out = new Int32Array(n);
  const idx = new Array<number>(shape.length).fill(0);
  let o = t.offset;
  for (let i = 0; i < n; i++) {
    out[i] = o;
    for (let d = shape.length - 1; d >= 0; d--) {
      idx[d]++;
      o += st[d];
      if (idx[d] < shape[d]) break;
      o -= st[d] * shape[d];
      idx[d] = 0;
    }
  }
  return out;
}

/** Round values stored into an f16 tensor; integer dtypes are already truncated by the typed array. */
export function finish(t: Tensor): Tensor {
  if (t.dtype === 'f16') {
    const a = arr(t);
    for (let i = 0; i < a.length; i++) a[i] = roundF16(a[i]);
  }
  return t;
}

export { contiguousStrides };
