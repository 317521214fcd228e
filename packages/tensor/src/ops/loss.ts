// Cross-entropy over logits [N, V] and i32 class ids [N], fused: no one-hot, no separate softmax.
import { registerGradient } from '../autograd/gradients.js';
import { record } from '../autograd/tape.js';
import { kernel } from '../dispatch.js';
import { tidy } from '../scope.js';
import { fmtShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { contiguous } from './movement.js';

export interface CrossEntropyOptions {
  /** Rows whose target equals this contribute nothing (and are not counted by 'mean'). Default -100. */
  ignoreIndex?: number;
  /** Mix the one-hot target with the uniform distribution over the classes: ε in [0, 1]. Default 0. */
  labelSmoothing?: number;
  /**
   * [start, end): only these columns of the logits are the classes (e.g. the image-token range of a
   * unified vocabulary). Targets stay absolute ids and must lie in the range (or be ignoreIndex); the
   * gradient is 0 outside it. Default: all V columns.
   */
  vocabSlice?: [number, number];
  /** 'mean' (over non-ignored rows, like torch), 'sum', or 'none' (per-row losses [N]). Default 'mean'. */
  reduction?: 'mean' | 'sum' | 'none';
}

/**
 * torch.nn.functional.cross_entropy for logits [N, V] (f32 or f16) and targets i32 [N]. The loss is f32.
 * A target outside the classes that is not ignoreIndex is a RangeError on every backend: CPU and WASM throw
 * from the call; on WebGPU (where the host does not see the targets without a read-back) the kernel raises
 * the device check flag and the next read-back or sync throws the same error.
 */
export function crossEntropy(logits: Tensor, targets: Tensor, opts: CrossEntropyOptions = {}): Tensor {
  logits.live('crossEntropy');
  targets.live('crossEntropy');
  if (logits.rank !== 2)
    throw new RangeError(`crossEntropy: logits must be [N, V], got ${fmtShape(logits.shape)}`);
  const [N, V] = logits.shape;
  if (targets.rank !== 1 || targets.shape[0] !== N) {
    throw new RangeError(
      `crossEntropy: targets ${fmtShape(targets.shape)} do not match logits ${fmtShape(logits.shape)} (need [${N}])`,
    );
  }
  if (targets.dtype !== 'i32') throw new TypeError(`crossEntropy: targets must be i32, got ${targets.dtype}`);
  if (logits.dtype !== 'f32' && logits.dtype !== 'f16')
    throw new TypeError(`crossEntropy: logits must be float, got ${logits.dtype}`);
  const [start, end] = opts.vocabSlice ?? [0, V];
  if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && start < end && end <= V)) {
    throw new RangeError(
      `crossEntropy: vocabSlice [${start}, ${end}) is not a non-empty range inside [0, ${V})`,
    );
  }
  const labelSmoothing = opts.labelSmoothing ?? 0;
  if (!(labelSmoothing >= 0 && labelSmoothing <= 1))
    throw new RangeError(`crossEntropy: labelSmoothing ${labelSmoothing} is not in [0, 1]`);
  const reduction = opts.reduction ?? 'mean';
  if (!['mean', 'sum', 'none'].includes(reduction))
    throw new RangeError(`crossEntropy: unknown reduction '${reduction}'`);
  const attrs = { ignoreIndex: opts.ignoreIndex ?? -100, labelSmoothing, start, end, reduction };
  return tidy(() => {
    const x = contiguous(logits);
    const t = contiguous(targets);
    const [out, lse, count] = kernel('crossEntropy', [x, t], attrs) as unknown as Tensor[];
    return record('crossEntropy', out, [x], [x, t, lse, count], attrs);
  });
}

registerGradient('crossEntropy', (g, n) => {
  const [x, t, lse, count] = n.saved;
  return [tidy(() => kernel('crossEntropyBackward', [x, t, lse, contiguous(g), count], n.attrs))];
});
