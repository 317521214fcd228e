// Inclusive cumulative sum along an axis, and its gradient: the same scan run backwards (the gradient
// of a reverse scan is the forward one, so gradients of gradients work too).
import { registerGradient } from '../autograd/gradients.js';
import { record } from '../autograd/tape.js';
import { Cumsum } from '../kernels/declarations.js';
import { tidy } from '../scope.js';
import { normAxis } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { contiguous, reshape } from './movement.js';

export interface CumsumOptions {
  /** Sum from the end: out[i] = Σ_{j >= i} x[j]. */
  reverse?: boolean;
}

/** out[i] = Σ_{j <= i} x[j] along `axis` (like torch.cumsum), for f32 and f16 tensors. */
export function cumsum(x: Tensor, axis: number, opts: CumsumOptions = {}): Tensor {
  x.live('cumsum');
  if (x.rank === 0) return tidy(() => reshape(cumsum(reshape(x, [1]), 0, opts), []));
  const attrs = { axis: normAxis(axis, x.rank, 'cumsum'), reverse: opts.reverse ?? false };
  return tidy(() => {
    const xc = contiguous(x);
    return record('cumsum', Cumsum.run([xc], attrs), [xc], [], attrs);
  });
}

registerGradient('cumsum', (g, node) => {
  const { axis, reverse } = node.attrs as { axis: number; reverse: boolean };
  return [cumsum(g, axis, { reverse: !reverse })];
});
