// Rotary position embedding as one kernel (GPT-NeoX pairing, partial rotary): what nn's RotaryEmbedding
// composed from ten slices, products and concatenations. The gradient is the inverse rotation.
import { registerGradient } from '../autograd/gradients.js';
import { record } from '../autograd/tape.js';
import { Rotary } from '../kernels/declarations.js';
import { tidy } from '../scope.js';
import type { Tensor } from '../tensor.js';
import { contiguous } from './movement.js';

export interface RotaryOptions {
  /** Position of x's first row along the sequence axis (default 0). */
  offset?: number;
  /** Rotate by −θ (the inverse rotation). Default false. */
  inverse?: boolean;
}

/**
 * x [..., S, D] f32 rotated by position: for row s (position p = offset + s) and i < r/2, with r =
 * 2·cos.shape[1], (x_i, x_{i+r/2}) -> (x_i·cos[p,i] − x_{i+r/2}·sin[p,i], x_{i+r/2}·cos[p,i] + x_i·sin[p,i]);
 * channels >= r unchanged. cos, sin: [P, r/2] tables (P >= offset + S), not differentiated.
 */
export function rotary(x: Tensor, cos: Tensor, sin: Tensor, opts: RotaryOptions = {}): Tensor {
  for (const t of [x, cos, sin]) t.live('rotary');
  const offset = opts.offset ?? 0;
  if (!Number.isInteger(offset) || offset < 0)
    throw new RangeError(`rotary: offset must be an integer >= 0, got ${offset}`);
  if (cos.rank !== 2) throw new RangeError(`rotary: cos must be [P, r/2], got [${cos.shape.join(', ')}]`);
  const attrs = { rotaryDim: 2 * cos.shape[1], offset, inverse: opts.inverse ?? false };
  return tidy(() => {
    const xc = contiguous(x);
    const cc = contiguous(cos);
    const sc = contiguous(sin);
    return record('rotary', Rotary.run([xc, cc, sc], attrs), [xc], [cc, sc], attrs);
  });
}

registerGradient('rotary', (g, node) => {
  const [cos, sin] = node.saved;
  const { offset, inverse } = node.attrs as { offset: number; inverse: boolean };
  return [rotary(g, cos, sin, { offset, inverse: !inverse })];
});
