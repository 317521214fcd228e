// The probe's training loss: the mean over heads of each head's cross-entropy (softmax over its own
// columns of the shared logits row; targets are absolute columns, see recordTargets). With per-head weights
// it is the weighted mean, sum_h w_h CE_h / sum_h w_h, so the slow heads can get a larger share of the gradient.
import { ops, type Tensor } from '@unif2ace/tensor';
import type { HeadLayout } from './heads.js';

/** Per-head weights for probeLoss from `{ attribute: weight }` (others 1); unknown names or bad weights throw. */
export function headWeights(layout: HeadLayout, weights: Record<string, number>): Float64Array {
  const out = new Float64Array(layout.heads.length).fill(1);
  for (const [name, w] of Object.entries(weights)) {
    const i = layout.heads.findIndex((h) => h.name === name);
    if (i < 0)
      throw new RangeError(
        `headWeights: "${name}" is not a probe head (one of ${layout.heads.map((h) => h.name).join(', ')})`,
      );
    if (!Number.isFinite(w) || w <= 0)
      throw new RangeError(`headWeights: the weight of ${name} must be a finite number > 0, got ${w}`);
    out[i] = w;
  }
  return out;
}

/** logits [B, width], targets i32 [B, heads] -> scalar loss; `weights` (one per head) makes it a weighted mean. */
export function probeLoss(
  logits: Tensor,
  targets: Tensor,
  layout: HeadLayout,
  weights?: ArrayLike<number>,
): Tensor {
  const [B, H] = targets.shape;
  if (H !== layout.heads.length)
    throw new RangeError(`probeLoss: targets have ${H} columns, the layout ${layout.heads.length} heads`);
  if (weights && weights.length !== H)
    throw new RangeError(`probeLoss: ${weights.length} weights for ${H} heads`);
  let total = 0;
  for (let i = 0; i < H; i++) total += weights ? weights[i] : 1;
  const cols = targets.T.contiguous(); // [H, B]: each head's targets contiguous
  let sum: Tensor | null = null;
  layout.heads.forEach((h, i) => {
    let ce = ops.crossEntropy(logits, cols.slice(0, i, i + 1).reshape([B]), {
      vocabSlice: [h.offset, h.offset + h.classes.length],
    });
    if (weights && weights[i] !== 1) ce = ce.mul(weights[i]);
    sum = sum ? sum.add(ce) : ce;
  });
  return (sum as unknown as Tensor).div(total);
}
