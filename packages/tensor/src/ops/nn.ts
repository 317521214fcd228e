// Matrix product and the softmax family. matmul folds batch dims and passes strides to the kernel,
// so transposed operands are read in place.
import { registerGradient } from '../autograd/gradients.js';
import { needsGrad, noGrad, record } from '../autograd/tape.js';
import { kernel } from '../dispatch.js';
import { Matmul, type MatmulActivation, Softmax, SoftmaxBackward } from '../kernels/declarations.js';
import { tidy } from '../scope.js';
import { broadcastShapes, contiguousStrides, fmtShape, normAxis } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { unary, where } from './elementwise.js';
import { contiguous, permute, reshape, transpose, unsqueeze } from './movement.js';
import { sum } from './reduce.js';

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

/** `t` seen as [...batch, rows, cols]: new and size-1 batch dims get stride 0 (a view, no gradient). */
function batchView(t: Tensor, batch: number[]): Tensor {
  const shape = [...batch, t.shape[t.rank - 2], t.shape[t.rank - 1]];
  const lead = shape.length - t.rank;
  const strides = shape.map((d, i) => (i < lead || t.shape[i - lead] !== d ? 0 : t.strides[i - lead]));
  return t.view(shape, strides, t.offset);
}

/**
 * Batched matmul kernel on 3-D-addressable operands (no autograd). Straight down: batch views (a copy
 * only when the batch dims cannot be read through one stride), one Matmul kernel, a view of its output.
 */
export function matmulRaw(a: Tensor, b: Tensor, opts: { bias?: Tensor; activation?: string } = {}): Tensor {
  const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2), 'matmul');
  const temps: Tensor[] = [];
  const operand = (t: Tensor): Tensor => {
    let v = batchView(t, batch);
    temps.push(v);
    if (!foldable(v)) {
      v = kernel('copy', [v]);
      temps.push(v);
    }
    return v;
  };
  try {
    const A = operand(a);
    const B = operand(b);
    const out = Matmul.run(opts.bias ? [A, B, opts.bias] : [A, B], {
      batch: batch.reduce((p, d) => p * d, 1),
      aBatchStride: batchStride(A),
      bBatchStride: batchStride(B),
      activation: (opts.activation ?? 'none') as MatmulActivation,
    });
    const shape = [...batch, A.shape[A.rank - 2], B.shape[B.rank - 1]];
    temps.push(out);
    return out.view(shape, contiguousStrides(shape), out.offset);
  } finally {
    for (const t of temps) t.dispose();
  }
}

export function matmul(a: Tensor, b: Tensor): Tensor {
  a.live('matmul');
  b.live('matmul');
  if (a.dtype !== b.dtype) throw new TypeError(`matmul: dtypes differ (${a.dtype} vs ${b.dtype})`);
  if (a.rank === 0 || b.rank === 0) throw new RangeError('matmul: scalars are not matrices; use mul');
  const innerB = b.rank === 1 ? b.shape[0] : b.shape[b.rank - 2];
  if (a.shape[a.rank - 1] !== innerB) {
    throw new RangeError(`matmul: inner dimensions differ: ${fmtShape(a.shape)} @ ${fmtShape(b.shape)}`);
  }
  if (a.rank > 1 && b.rank > 1) return record('matmul', matmulRaw(a, b), [a, b], [a, b]);
  return tidy(() => {
    const A = a.rank === 1 ? unsqueeze(a, 0) : a;
    const B = b.rank === 1 ? unsqueeze(b, 1) : b;
    let out = record('matmul', matmulRaw(A, B), [A, B], [A, B]);
    if (a.rank === 1) out = reshape(out, [...out.shape.slice(0, -2), out.shape[out.rank - 1]]);
    if (b.rank === 1) out = reshape(out, out.shape.slice(0, -1));
    return out;
  });
}

/**
 * Numerically stable softmax along `axis`: the fused 'softmax' kernel over the last axis (another axis is
 * permuted last and back). Its gradient is the fused 'softmaxBackward' kernel (rules.ts).
 */
export function softmax(x: Tensor, axis = -1): Tensor {
  return softmaxFamily(x, axis, false);
}

/** log(softmax(x)) along `axis`, fused and stable (x - max - log Σ exp(x - max)). */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return softmaxFamily(x, axis, true);
}

function softmaxFamily(x: Tensor, axis: number, log: boolean): Tensor {
  const op = log ? 'logSoftmax' : 'softmax';
  const ax = normAxis(axis, x.live(op).rank, op);
  if (x.dtype !== 'f32' && x.dtype !== 'f16') {
    throw new TypeError(`${op}: needs a float tensor, got ${x.dtype} ${fmtShape(x.shape)}`);
  }
  const last = x.rank - 1;
  return tidy(() => {
    if (ax !== last) {
      const perm = x.shape.map((_, i) => (i === ax ? last : i === last ? ax : i));
      return permute(softmaxFamily(permute(x, perm), -1, log), perm);
    }
    const xc = contiguous(x);
    const y = Softmax.run([xc], { log });
    return record(op, y, [xc], [y], { log });
  });
}

/** The fused backward of softmax / logSoftmax over the last axis, given the saved output y. */
export function softmaxGrad(y: Tensor, g: Tensor, log: boolean): Tensor {
  return tidy(() => SoftmaxBackward.run([y, contiguous(g)], { log }));
}

export type LinearActivation = 'none' | 'relu' | 'gelu' | 'silu';
const LINEAR_ACTS: readonly LinearActivation[] = ['none', 'relu', 'gelu', 'silu'];

/**
 * y = activation(x @ w + bias), with w laid out [in, out] (row-major [in, out] lets the kernel vector-load
 * w's rows; pass `transpose(wT, 0, 1)` for a PyTorch-style [out, in] weight). x is [..., in]; bias [out].
 * Bias and activation run in the matmul's epilogue (one dispatch). When gradients are needed, gelu/silu
 * keep the pre-activation z = x @ w + bias (the kernel writes z, one elementwise dispatch applies the
 * activation); relu's gradient only needs the output.
 */
export function linear(
  x: Tensor,
  w: Tensor,
  bias?: Tensor | null,
  activation: LinearActivation = 'none',
): Tensor {
  x.live('linear');
  w.live('linear');
  bias?.live('linear');
  if (!LINEAR_ACTS.includes(activation)) {
    throw new RangeError(`linear: unknown activation '${activation}' (${LINEAR_ACTS.join(', ')})`);
  }
  if (w.rank !== 2) throw new RangeError(`linear: weight must be [in, out], got ${fmtShape(w.shape)}`);
  const [nIn, nOut] = w.shape;
  if (x.rank === 0 || x.shape[x.rank - 1] !== nIn) {
    throw new RangeError(
      `linear: input ${fmtShape(x.shape)} does not end in ${nIn} (weight ${fmtShape(w.shape)})`,
    );
  }
  if (bias && (bias.rank !== 1 || bias.shape[0] !== nOut)) {
    throw new RangeError(
      `linear: bias must be [${nOut}], got ${fmtShape(bias.shape)} (weight ${fmtShape(w.shape)})`,
    );
  }
  for (const t of bias ? [w, bias] : [w]) {
    if (t.dtype !== x.dtype)
      throw new TypeError(`linear: dtypes differ (input ${x.dtype}, parameter ${t.dtype})`);
  }
  const inputs = bias ? [x, w, bias] : [x, w];
  const rows = x.size / nIn;
  const outShape = [...x.shape.slice(0, -1), nOut];
  return tidy(() => {
    const grad = needsGrad(inputs);
    const { y, saved } = noGrad(() => {
      const x2 = reshape(x, [rows, nIn]);
      const b = bias ? contiguous(bias) : undefined;
      if (grad && (activation === 'gelu' || activation === 'silu')) {
        const z = matmulRaw(x2, w, { bias: b });
        return { y: unary(activation, z), saved: [x2, w, z] };
      }
      const y2 = matmulRaw(x2, w, { bias: b, activation });
      return { y: y2, saved: activation === 'relu' ? [x2, w, y2] : [x2, w] };
    });
    return record('linear', reshape(y, outShape), inputs, saved, { activation, hasBias: !!bias });
  });
}

registerGradient('linear', (g, node) => {
  const [x2, w, s] = node.saved;
  const act = node.attrs.activation as LinearActivation;
  const xShape = node.inputs[0].shape;
  let gz = reshape(g, [x2.shape[0], w.shape[1]]);
  if (act === 'relu') gz = where(s.gt(0), gz, 0);
  else if (act === 'gelu' || act === 'silu') gz = gz.mul(unary(`${act}_grad`, s.detach()));
  const dx = reshape(matmulRaw(gz, transpose(w, 0, 1)), [...xShape]);
  const dw = matmulRaw(transpose(x2, 0, 1), gz);
  return node.attrs.hasBias ? [dx, dw, sum(gz, 0)] : [dx, dw];
});
