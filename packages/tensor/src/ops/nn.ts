// Matrix product and the softmax family. matmul folds batch dims and passes strides to the kernel,
// so transposed operands are read in place.
import { noGrad } from '../autograd/tape.js';
import { tidy } from '../scope.js';
import { broadcastShapes, fmtShape, normAxis } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { sub } from './elementwise.js';
import { contiguous, expand, reshape, unsqueeze } from './movement.js';
import { logsumexp, max, sum } from './reduce.js';
import { kernel, record } from './run.js';

/** Can a [..batch, r, c] view be addressed as one batch stride plus row/col strides? */
function foldable(t: Tensor): boolean {
  const nb = t.rank - 2;
  let expect = -1;
  for (let i = nb - 1; i >= 0; i--) {
    if (t.shape[i] === 1) continue;
    if (expect === -1) expect = t.strides[i] * t.shape[i];
    else if (t.strides[i] !== expect) return false;
    else expect = t.strides[i] * t.shape[i];
  }
  return true;
}

function batchStride(t: Tensor): number {
  for (let i = t.rank - 3; i >= 0; i--) if (t.shape[i] !== 1) return t.strides[i];
  return 0;
}

/** Batched matmul kernel on 3-D-addressable operands (no autograd). */
export function matmulRaw(a: Tensor, b: Tensor, opts: { bias?: Tensor; activation?: string } = {}): Tensor {
  return noGrad(() =>
    tidy(() => {
      const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2), 'matmul');
      const A0 = expand(a, [...batch, a.shape[a.rank - 2], a.shape[a.rank - 1]]);
      const B0 = expand(b, [...batch, b.shape[b.rank - 2], b.shape[b.rank - 1]]);
      const A = foldable(A0) ? A0 : contiguous(A0);
      const B = foldable(B0) ? B0 : contiguous(B0);
      const out = kernel('matmul', opts.bias ? [A, B, opts.bias] : [A, B], {
        batch: batch.reduce((p, d) => p * d, 1),
        aBatchStride: batchStride(A),
        bBatchStride: batchStride(B),
        activation: opts.activation ?? 'none',
      });
      return reshape(out, [...batch, a.shape[a.rank - 2], b.shape[b.rank - 1]]);
    }),
  );
}

export function matmul(a: Tensor, b: Tensor): Tensor {
  a.live('matmul');
  b.live('matmul');
  if (a.dtype !== b.dtype) throw new TypeError(`matmul: dtypes differ (${a.dtype} vs ${b.dtype})`);
  if (a.rank === 0 || b.rank === 0) throw new RangeError('matmul: scalars are not matrices; use mul');
  return tidy(() => {
    const A = a.rank === 1 ? unsqueeze(a, 0) : a;
    const B = b.rank === 1 ? unsqueeze(b, 1) : b;
    const k = A.shape[A.rank - 1];
    if (B.shape[B.rank - 2] !== k) {
      throw new RangeError(`matmul: inner dimensions differ: ${fmtShape(a.shape)} @ ${fmtShape(b.shape)}`);
    }
    let out = record('matmul', matmulRaw(A, B), [A, B], [A, B]);
    if (a.rank === 1) out = reshape(out, [...out.shape.slice(0, -2), out.shape[out.rank - 1]]);
    if (b.rank === 1) out = reshape(out, out.shape.slice(0, -1));
    return out;
  });
}

/** Numerically stable softmax along `axis` (composed; a fused kernel replaces it when registered). */
export function softmax(x: Tensor, axis = -1): Tensor {
  const ax = normAxis(axis, x.live('softmax').rank, 'softmax');
  return tidy(() => {
    const e = sub(x, max(x.detach(), ax, true)).exp();
    return e.div(sum(e, ax, true));
  });
}

export function logSoftmax(x: Tensor, axis = -1): Tensor {
  const ax = normAxis(axis, x.live('logSoftmax').rank, 'logSoftmax');
  return tidy(() => sub(x, logsumexp(x, ax, true)));
}
