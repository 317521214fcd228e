// The probe's training loss: the mean over heads of each head's cross-entropy (softmax over its own
// columns of the shared logits row; targets are absolute columns, see recordTargets).
import { ops, type Tensor } from '@unif2ace/tensor';
import type { HeadLayout } from './heads.js';

/** logits [B, width], targets i32 [B, heads] -> scalar loss. */
export function probeLoss(logits: Tensor, targets: Tensor, layout: HeadLayout): Tensor {
  const [B, H] = targets.shape;
  if (H !== layout.heads.length)
    throw new RangeError(`probeLoss: targets have ${H} columns, the layout ${layout.heads.length} heads`);
  const cols = targets.T.contiguous(); // [H, B]: each head's targets contiguous
  let sum: Tensor | null = null;
  layout.heads.forEach((h, i) => {
    const ce = ops.crossEntropy(logits, cols.slice(0, i, i + 1).reshape([B]), {
      vocabSlice: [h.offset, h.offset + h.classes.length],
    });
    sum = sum ? sum.add(ce) : ce;
  });
  return (sum as unknown as Tensor).div(H);
}
