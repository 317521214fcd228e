import { noGrad, type Tensor, tidy } from '@unif2ace/tensor';

/**
 * Gradient accumulation over k micro-batches: for i = 0..k-1, `fn(i)` returns micro-batch i's loss,
 * which is divided by k and back-propagated (by `backward`, e.g. `(l) => mp.backward(l)` with mixed
 * precision). Parameter grads add up across calls, so when each loss is a mean over equally sized
 * micro-batches they end up equal to one batch k times bigger. Each micro-batch runs in its own scope,
 * so only one micro-batch's activations are alive at a time. Returns the mean loss (0-d f32 tensor).
 */
export function accumulate(
  k: number,
  fn: (i: number) => Tensor,
  { backward = (l: Tensor) => l.backward() }: { backward?: (loss: Tensor) => void } = {},
): Tensor {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`accumulate: k must be an integer >= 1, got ${k}`);
  let total = null as Tensor | null;
  for (let i = 0; i < k; i++) {
    const part = tidy(() => {
      const loss = fn(i);
      if (loss.size !== 1)
        throw new RangeError(
          `accumulate: micro-batch ${i} returned a loss of shape [${loss.shape.join(', ')}], not a scalar`,
        );
      const l = loss.dtype === 'f32' ? loss.div(k) : loss.cast('f32').div(k);
      backward(l);
      return noGrad(() => l.detach().reshape([]).clone());
    });
    const prev: Tensor | null = total;
    total = prev ? tidy(() => noGrad(() => prev.add(part))) : part;
    if (prev) {
      prev.dispose();
      part.dispose();
    }
  }
  return total!;
}
