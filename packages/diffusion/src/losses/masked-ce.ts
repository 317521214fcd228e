// MaskGIT / Show-o's masked generative loss: cross-entropy of the clean code at masked positions, over
// the image-code columns only, averaged over masked positions (docs/architecture.md, D3Diff).
import { ops, type Tensor, tidy } from '@unif2ace/tensor';
import { type Corruption, type LossOptions, type LossResult, maskedMean, prepare } from './common.js';

/** Per-token cross-entropy [M] over the slice, times the mask (shared by the three losses). */
export function maskedTokenCE(
  where: string,
  logits: Tensor,
  targets: Tensor,
  c: Corruption,
  opts: LossOptions,
) {
  const p = prepare(where, logits, targets, c, opts);
  const ce = ops.crossEntropy(p.x, p.y, { vocabSlice: p.slice, reduction: 'none' }).mul(p.mask);
  return { p, ce };
}

/** L_mask = mean over masked tokens of -log p(x0 | x_t). parts: { ce } (the same value, for logging). */
export function maskedCrossEntropy(
  logits: Tensor,
  targets: Tensor,
  corruption: Corruption,
  opts: LossOptions = {},
): LossResult<'ce'> {
  return tidy(() => {
    const { p, ce } = maskedTokenCE('maskedCrossEntropy', logits, targets, corruption, opts);
    const total = maskedMean(ce, p.mask);
    return { total, parts: { ce: total.detach() }, perToken: ce.reshape(p.shape) };
  });
}
