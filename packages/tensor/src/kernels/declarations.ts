// Typed kernel declarations: name, inputs, attrs type and output rule, one entry per kernel (define.ts).
// Kernels declared here are run by their op with `K.run(...)` and implemented by each backend with
// `K.implement(...)`; the older kernels still register untyped (`registerKernel(name, backend, fn)`) and
// move here one at a time. Attrs are object type aliases (not interfaces) so they stay assignable to the
// registry's untyped Attrs where a typed kernel hands a case to an untyped one.
import { fmtShape, normAxis } from '../shape.js';
import { defineKernel } from './define.js';

export type MatmulActivation = 'none' | 'relu' | 'gelu' | 'silu';

export type MatmulAttrs = {
  /** Batch count: the output is [batch, M, N]. */
  batch: number;
  /** Element stride between A's batch entries (0: one A broadcast over the batch); likewise B's. */
  aBatchStride: number;
  bBatchStride: number;
  /** Epilogue applied to (A @ B + bias). */
  activation: MatmulActivation;
};

/**
 * Batched A [.., M, K] @ B [.., K, N] (+ bias [N]) read through the last two dims' strides and one batch
 * stride each (ops/nn.ts folds the batch dims); f32 or f16, accumulated in f32.
 */
export const Matmul = defineKernel<MatmulAttrs>({
  name: 'matmul',
  inputs: ['a', 'b', 'bias?'],
  output: ([a, b], { batch }) => {
    const K = a.shape[a.rank - 1];
    if (a.rank < 2 || b.rank < 2 || b.shape[b.rank - 2] !== K) {
      throw new RangeError(`matmul: inner dimensions differ: ${fmtShape(a.shape)} @ ${fmtShape(b.shape)}`);
    }
    if (a.dtype !== b.dtype) throw new TypeError(`matmul: dtypes differ (${a.dtype} vs ${b.dtype})`);
    return { shape: [batch, a.shape[a.rank - 2], b.shape[b.rank - 1]], dtype: a.dtype };
  },
});

export type CumsumAttrs = {
  /** Axis to scan along (already normalised: 0 <= axis < rank). */
  axis: number;
  /** Scan from the end: out[i] = Σ_{j >= i} x[j] (the gradient of the forward scan). */
  reverse: boolean;
};

/** Inclusive prefix sum along one axis of a contiguous float tensor: out[i] = Σ_{j <= i} x[j]. */
export const Cumsum = defineKernel<CumsumAttrs>({
  name: 'cumsum',
  inputs: ['x'],
  output: ([x], { axis }) => {
    if (x.dtype !== 'f32' && x.dtype !== 'f16') {
      throw new TypeError(`cumsum: needs a float tensor, got ${x.dtype} ${fmtShape(x.shape)}`);
    }
    if (!x.isContiguous())
      throw new RangeError(`cumsum: the kernel reads a contiguous input (ops make it so)`);
    normAxis(axis, x.rank, 'cumsum');
    return { shape: [...x.shape], dtype: x.dtype };
  },
});

export type RotaryAttrs = {
  /** Channels rotated at the start of each row (even, at most the row's length). */
  rotaryDim: number;
  /** Position of the input's first row along the sequence axis (incremental decoding). */
  offset: number;
  /** Rotate by −θ instead of θ (the gradient of the rotation). */
  inverse: boolean;
};

/**
 * Rotary position embedding, GPT-NeoX pairing: x [..., S, D] (contiguous f32), tables cos, sin [P, r/2] with
 * P >= offset + S. Row s (position p = offset + s), channel i < r/2: out_i = x_i·cos − x_{i+r/2}·sin,
 * out_{i+r/2} = x_{i+r/2}·cos + x_i·sin (signs of sin flipped when inverse); channels >= r pass through.
 */
export const Rotary = defineKernel<RotaryAttrs>({
  name: 'rotary',
  inputs: ['x', 'cos', 'sin'],
  output: ([x, cos, sin], { rotaryDim, offset }) => {
    for (const [n, t] of [
      ['x', x],
      ['cos', cos],
      ['sin', sin],
    ] as const) {
      if (t.dtype !== 'f32')
        throw new TypeError(`rotary: ${n} must be f32, got ${t.dtype} ${fmtShape(t.shape)}`);
      if (!t.isContiguous())
        throw new RangeError(`rotary: the kernel reads a contiguous ${n} (ops make it so)`);
    }
    if (x.rank < 2) throw new RangeError(`rotary: x must be [..., S, D], got ${fmtShape(x.shape)}`);
    const S = x.shape[x.rank - 2];
    const D = x.shape[x.rank - 1];
    if (!Number.isInteger(rotaryDim) || rotaryDim < 0 || rotaryDim % 2 || rotaryDim > D)
      throw new RangeError(`rotary: rotaryDim ${rotaryDim} must be even and at most the row length ${D}`);
    const half = rotaryDim / 2;
    for (const t of [cos, sin]) {
      if (t.rank !== 2 || t.shape[1] !== half || t.shape[0] < offset + S)
        throw new RangeError(
          `rotary: tables must be [>= ${offset + S}, ${half}] for offset ${offset} and ${S} rows, got ${fmtShape(t.shape)}`,
        );
    }
    return { shape: [...x.shape], dtype: 'f32' };
  },
});

export type SoftmaxAttrs = {
  /** log-softmax instead of softmax. */
  log: boolean;
};

function floatRows(name: string, x: { dtype: string; shape: number[]; isContiguous(): boolean }): void {
  if (x.dtype !== 'f32' && x.dtype !== 'f16') {
    throw new TypeError(`${name}: needs a float tensor, got ${x.dtype} ${fmtShape(x.shape)}`);
  }
  if (!x.isContiguous()) throw new RangeError(`${name}: the kernel reads contiguous rows (ops make them so)`);
}

/** Softmax (or log-softmax) over the last axis of contiguous rows, fused and stable. */
export const Softmax = defineKernel<SoftmaxAttrs>({
  name: 'softmax',
  inputs: ['x'],
  output: ([x]) => {
    floatRows('softmax', x);
    return { shape: [...x.shape], dtype: x.dtype };
  },
});

/** The fused backward of Softmax: from the saved output y and the output gradient g, the input gradient. */
export const SoftmaxBackward = defineKernel<SoftmaxAttrs>({
  name: 'softmaxBackward',
  inputs: ['y', 'g'],
  output: ([y, g]) => {
    floatRows('softmaxBackward', y);
    floatRows('softmaxBackward', g);
    if (y.shape.length !== g.shape.length || y.shape.some((d, i) => d !== g.shape[i])) {
      throw new RangeError(`softmaxBackward: y ${fmtShape(y.shape)} and g ${fmtShape(g.shape)} differ`);
    }
    return { shape: [...y.shape], dtype: y.dtype };
  },
});

/** [outer, n, inner] of a scan along `axis` of `shape`: the loop nest every backend runs. */
export function scanGeometry(
  shape: readonly number[],
  axis: number,
): { outer: number; n: number; inner: number } {
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i];
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i];
  return { outer, n: shape.length ? shape[axis] : 1, inner };
}
