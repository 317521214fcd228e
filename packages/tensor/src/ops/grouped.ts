// Sparse mixture-of-experts building blocks: a grouped matmul (each expert's contiguous block of rows
// times that expert's weight, all experts in one kernel call) and a stable counting sort by bucket id
// (which also yields the bucket offsets the grouped matmul reads). Backward of the grouped matmul: dx is
// the same kernel against the transposed weights, dw the 'groupedMatmulWgrad' kernel (per expert
// x_eᵀ · dy_e). Offsets live on the device: nothing here reads values back to the host.
import { registerGradient } from '../autograd/rules.js';
import { noGrad } from '../autograd/tape.js';
import { tidy } from '../scope.js';
import { fmtShape } from '../shape.js';
import { type Tensor, tensor } from '../tensor.js';
import { contiguous } from './movement.js';
import { kernel, record } from './run.js';

function checkOffsets(op: string, offsets: Tensor, E: number): void {
  if (offsets.dtype !== 'i32' || offsets.rank !== 1 || offsets.shape[0] !== E + 1) {
    throw new TypeError(
      `${op}: offsets must be i32 [E + 1] = [${E + 1}], got ${offsets.dtype} ${fmtShape(offsets.shape)}`,
    );
  }
}

/**
 * out[n] = x[n] @ w[e] for rows offsets[e] <= n < offsets[e + 1] (x [N, D], w [E, D, H], offsets i32
 * [E + 1], non-decreasing, within [0, N]) -> [N, H]; rows outside [offsets[0], offsets[E]) are zero.
 * Differentiable in x and w.
 */
export function groupedMatmul(x: Tensor, w: Tensor, offsets: Tensor): Tensor {
  x.live('groupedMatmul');
  w.live('groupedMatmul');
  offsets.live('groupedMatmul');
  if (x.rank !== 2 || w.rank !== 3 || x.shape[1] !== w.shape[1]) {
    throw new RangeError(
      `groupedMatmul: needs x [N, D] and w [E, D, H], got x ${fmtShape(x.shape)} and w ${fmtShape(w.shape)}`,
    );
  }
  if (x.dtype !== w.dtype || (x.dtype !== 'f32' && x.dtype !== 'f16')) {
    throw new TypeError(`groupedMatmul: x and w must share a float dtype, got ${x.dtype} and ${w.dtype}`);
  }
  checkOffsets('groupedMatmul', offsets, w.shape[0]);
  return tidy(() => {
    const xc = contiguous(x);
    const wc = contiguous(w);
    const oc = contiguous(offsets);
    const out = noGrad(() => kernel('groupedMatmul', [xc, wc, oc], { transB: false }));
    return record('groupedMatmul', out, [xc, wc], [xc, wc, oc]);
  });
}

registerGradient('groupedMatmul', (g, n) => {
  const [x, w, offsets] = n.saved;
  const gc = contiguous(g);
  return [
    kernel('groupedMatmul', [gc, w, offsets], { transB: true }),
    kernel('groupedMatmulWgrad', [x, gc, offsets], { E: w.shape[0] }),
  ];
});

export interface CountingSort {
  /**
   * A permutation of [0, N) (i32 [N]): positions with bucket 0 in increasing order, then bucket 1, …;
   * positions whose key is outside [0, buckets) or beyond a bucket's capacity come last, in order.
   */
  order: Tensor;
  /** i32 [buckets + 1]: bucket b occupies order[offsets[b] .. offsets[b + 1]); offsets[buckets] = kept. */
  offsets: Tensor;
}

/**
 * Stable counting sort of positions by integer key (i32 [N]) into `buckets` buckets. With `capacity` (one
 * number for every bucket, or one per bucket; negative = unlimited), each bucket keeps its first
 * `capacity` positions (in position order) and the rest join the dropped tail. Not differentiable.
 */
export function countingSort(
  keys: Tensor,
  buckets: number,
  opts: { capacity?: number | readonly number[] } = {},
): CountingSort {
  keys.live('countingSort');
  if (keys.dtype !== 'i32' || keys.rank !== 1) {
    throw new TypeError(`countingSort: keys must be i32 [N], got ${keys.dtype} ${fmtShape(keys.shape)}`);
  }
  if (!Number.isInteger(buckets) || buckets < 1) {
    throw new RangeError(`countingSort: buckets must be a positive integer, got ${buckets}`);
  }
  const c = opts.capacity ?? -1;
  const caps = typeof c === 'number' ? new Array<number>(buckets).fill(c) : [...c];
  if (caps.length !== buckets || caps.some((v) => !Number.isInteger(v))) {
    throw new RangeError(
      `countingSort: capacity must be an integer or ${buckets} integers (one per bucket), got ${JSON.stringify(opts.capacity)}`,
    );
  }
  const [order, offsets] = noGrad(() =>
    tidy(() => {
      const capT = tensor(Int32Array.from(caps), [buckets], { dtype: 'i32', backend: keys.backend.name });
      return kernel('countingSort', [contiguous(keys), capT], { buckets }) as unknown as Tensor[];
    }),
  );
  return { order, offsets };
}
