// Embedding lookup: rows of weight [V, D] picked by integer ids (any shape) -> [...ids.shape, D].
// The forward is the 'gather' kernel; the backward is the deterministic 'embeddingBackward' kernel
// (a counting sort of token positions by id, no float atomics: bit-for-bit the same on every run).
import { registerGradient } from '../autograd/gradients.js';
import { record } from '../autograd/tape.js';
import { kernel } from '../dispatch.js';
import { tidy } from '../scope.js';
import { fmtShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { contiguous } from './movement.js';

/** An id outside [0, V) is a RangeError naming it (like torch; on WebGPU at the next read-back or sync). */
export function embedding(weight: Tensor, ids: Tensor): Tensor {
  weight.live('embedding');
  ids.live('embedding');
  if (weight.rank !== 2)
    throw new RangeError(`embedding: weight must be [V, D], got ${fmtShape(weight.shape)}`);
  if (ids.dtype !== 'i32' && ids.dtype !== 'u32')
    throw new TypeError(`embedding: ids must be i32 or u32, got ${ids.dtype}`);
  const [V, D] = weight.shape;
  return tidy(() => {
    const w = contiguous(weight);
    const i = contiguous(ids);
    const out = kernel('gather', [w, i], { axis: 0, op: 'embedding' });
    return record('embedding', out, [w], [i], { V, D, dtype: w.dtype });
  });
}

registerGradient('embedding', (g, n) => [
  tidy(() => kernel('embeddingBackward', [n.saved[0], contiguous(g)], n.attrs)),
]);
