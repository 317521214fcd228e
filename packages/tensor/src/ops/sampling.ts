// Sampling for the discrete diffusion (docs/architecture.md, the unified sequence): top-k (confidence re-masking) and categorical
// sampling from softmax(logits / temperature) or from probabilities. Gumbel noise is in ops/random.ts.
import { registerGradient } from '../autograd/gradients.js';
import { noGrad, record } from '../autograd/tape.js';
import { kernel } from '../dispatch.js';
import { tidy } from '../scope.js';
import { fmtShape, normAxis } from '../shape.js';
import { arange, type Tensor } from '../tensor.js';
import { cast, compare, mul } from './elementwise.js';
import { contiguous, transpose, unsqueeze } from './movement.js';
import { philoxFor, type RandomOptions } from './random.js';
import { argmax, sum } from './reduce.js';

export interface TopK {
  /** The k largest values along the axis, in descending order (x's dtype). */
  values: Tensor;
  /** Their positions along the axis (i32); among equal values the lower index comes first. */
  indices: Tensor;
}

/**
 * The k largest entries along `axis`, sorted descending; ties keep the lower index first, NaN sorts
 * above +inf. `values` carries gradients (scattered back to the chosen positions).
 */
export function topk(x: Tensor, k: number, axis = -1): TopK {
  x.live('topk');
  if (x.rank === 0) throw new RangeError('topk: x is a scalar; it needs at least one axis');
  const ax = normAxis(axis, x.rank, 'topk');
  const n = x.shape[ax];
  if (!Number.isInteger(k) || k < 0 || k > n) {
    throw new RangeError(
      `topk: k = ${k} is out of range for axis ${axis} of ${fmtShape(x.shape)} (size ${n})`,
    );
  }
  const last = ax === x.rank - 1;
  const [v, i] = noGrad(() =>
    tidy(() => {
      const c = contiguous(last ? x : transpose(x, ax, -1));
      const [vals, idx] = kernel('topk', [c], { k }) as unknown as Tensor[];
      return last ? [vals, idx] : [contiguous(transpose(vals, ax, -1)), contiguous(transpose(idx, ax, -1))];
    }),
  );
  return { values: record('topk', v, [x], [i], { axis: ax, n }), indices: i };
}

registerGradient('topk', (g, node) => {
  const ax = node.attrs.axis as number;
  const n = node.attrs.n as number;
  const idx = node.saved[0];
  // grad_x[.., j, ..] = sum over the k picks of g where the pick's index is j.
  const gl = transpose(g, ax, -1);
  const hit = compare('eq', unsqueeze(transpose(idx, ax, -1), -1), arange(n, { backend: g.backend.name }));
  const gx = sum(mul(cast(hit, g.dtype), unsqueeze(gl, -1)), -2);
  return [transpose(gx, ax, -1)];
});

export interface MultinomialOptions extends RandomOptions {
  /** Divide logits by this (or raise probabilities to 1 / temperature); 0 picks the argmax. Default 1. */
  temperature?: number;
  /** x holds logits (softmax is applied) rather than non-negative, possibly unnormalised weights. */
  fromLogits?: boolean;
}

/**
 * One sample per row of x [..., V] (i32, shape x.shape[:-1]) by inverse CDF with a Philox uniform per
 * row: row r uses value r of the draw, so the same seed and offset give the same ids on every
 * backend (up to rounding at exact CDF boundaries). Rows without positive weight give -1.
 */
export function multinomial(x: Tensor, opts: MultinomialOptions = {}): Tensor {
  x.live('multinomial');
  if (x.rank === 0) throw new RangeError('multinomial: x is a scalar; expected [..., V]');
  if (x.dtype !== 'f32' && x.dtype !== 'f16')
    throw new TypeError(`multinomial: x must be f32 or f16, got ${x.dtype}`);
  const t = opts.temperature ?? 1;
  if (!(t >= 0) || !Number.isFinite(t))
    throw new RangeError(`multinomial: temperature must be >= 0, got ${t}`);
  const V = x.shape[x.rank - 1];
  if (V === 0) throw new RangeError(`multinomial: ${fmtShape(x.shape)} has no categories`);
  const rows = x.size / V;
  const rng = philoxFor(rows, opts, 'multinomial');
  return noGrad(() =>
    tidy(() => {
      if (t === 0) return argmax(x, -1);
      const c = contiguous(x);
      return kernel('multinomial', [c], { fromLogits: !!opts.fromLogits, invT: 1 / t, ...rng });
    }),
  );
}
