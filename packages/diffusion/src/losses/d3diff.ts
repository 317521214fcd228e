// D3Diff (UniF2ace, arXiv 2503.08120; docs/architecture.md, D3Diff): L = L_mask + alpha·L_score on one corruption
// sample. With the RADD parameterisation L_score is the w(t)-weighted cross-entropy, so per masked token
// the loss is CE·(1 + alpha·w(t)); both parts are means over the batch's masked tokens.
import { type Tensor, tidy } from '@unif2ace/tensor';
import { type Corruption, type LossOptions, type LossResult, maskedMean, perToken } from './common.js';
import { maskedTokenCE } from './masked-ce.js';

export type D3DiffObjective = 'd3diff' | 'mask' | 'score';

export interface D3DiffOptions extends LossOptions {
  /** Weight of the score-entropy term. Default 0.01. */
  alpha?: number;
  /** 'd3diff' (L_mask + alpha·L_score), 'mask' (L_mask only) or 'score' (L_score only). Default 'd3diff'. */
  objective?: D3DiffObjective;
}

/**
 * The D3Diff loss from logits of the corrupted tokens. parts: { mask: L_mask, score: L_score } (both
 * always computed, for logging; detached).
 */
export function d3diffLoss(
  logits: Tensor,
  targets: Tensor,
  corruption: Corruption,
  opts: D3DiffOptions = {},
): LossResult<'mask' | 'score'> {
  const alpha = opts.alpha ?? 0.01;
  if (!(alpha >= 0 && Number.isFinite(alpha)))
    throw new RangeError(`d3diffLoss: alpha must be >= 0, got ${alpha}`);
  const objective = opts.objective ?? 'd3diff';
  if (!['d3diff', 'mask', 'score'].includes(objective))
    throw new RangeError(`d3diffLoss: objective must be 'd3diff', 'mask' or 'score', got '${objective}'`);
  return tidy(() => {
    const { p, ce } = maskedTokenCE('d3diffLoss', logits, targets, corruption, opts);
    const w = perToken(p, (t) => p.schedule.weight(t));
    const lMask = maskedMean(ce, p.mask);
    const scorePer = ce.mul(w);
    const lScore = maskedMean(scorePer, p.mask);
    const per = objective === 'mask' ? ce : objective === 'score' ? scorePer : ce.add(scorePer.mul(alpha));
    const total =
      objective === 'mask' ? lMask : objective === 'score' ? lScore : lMask.add(lScore.mul(alpha));
    return { total, parts: { mask: lMask.detach(), score: lScore.detach() }, perToken: per.reshape(p.shape) };
  });
}
