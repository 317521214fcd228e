// Score entropy for the absorbing process (SEDD, arXiv 2310.16834; docs/architecture.md, D3Diff). At a masked token the
// model's log-score shat_y estimates log of the ratio p_t(x with y) / p_t(x with [MASK]); the data's
// ratio is r(t)·1[y = x0] with r = 1 / (e^sigmaBar - 1). Per masked token:
//   sigmaBar'(t) · [ sum_y exp(shat_y) - r·shat_x0 + r (log r - 1) ]      (>= 0, = 0 at the exact score)
// RADD's clean-conditional form shat = log softmax(logits) + log r (arXiv 2406.03736) reduces it to
// w(t)·(-log p_x0) with w = m'/m: raddScoreEntropy computes that directly.
import { ops, type Tensor, tensor, tidy } from '@unif2ace/tensor';
import { checkTimes } from '../mask.js';
import { getSchedule } from '../schedules.js';
import {
  type Corruption,
  type LossOptions,
  type LossResult,
  maskedMean,
  perToken,
  prepare,
} from './common.js';
import { maskedTokenCE } from './masked-ce.js';

/**
 * The general form, for log-scores [B, N, V] (only the vocabSlice columns are scores) that need not be
 * normalised. t is clamped to [tMin, 1 - tMin], where the rate and r are finite and non-zero.
 * parts: the three terms' masked means (exp, linear, constant), which sum to total.
 */
export function scoreEntropy(
  logScores: Tensor,
  targets: Tensor,
  corruption: Corruption,
  opts: LossOptions = {},
): LossResult<'exp' | 'linear' | 'constant'> {
  return tidy(() => {
    const p = prepare('scoreEntropy', logScores, targets, corruption, opts);
    const { schedule: sch, slice } = p;
    const clampT = (t: number) => Math.min(Math.max(t, sch.tMin), 1 - sch.tMin);
    const rate = perToken(p, (t) => sch.rate(clampT(t)));
    const r = perToken(p, (t) => sch.ratio(clampT(t)));
    const constant = perToken(p, (t) => {
      const tc = clampT(t);
      const rr = sch.ratio(tc);
      return sch.rate(tc) * rr * (Math.log(rr) - 1);
    });
    const K = slice[1] - slice[0];
    const s = p.x.slice(1, slice[0], slice[1]); // [M, K]
    const ids = tensor(
      Int32Array.from({ length: K }, (_, i) => slice[0] + i),
      [1, K],
      { backend: p.x.backend.name },
    );
    const oneHot = ops.cast(ops.compare('eq', p.y.reshape([p.y.size, 1]), ids), s.dtype);
    const sx0 = s.mul(oneHot).sum(-1); // shat at the clean code
    const expTerm = s.exp().sum(-1).mul(rate).mul(p.mask);
    const linear = sx0.mul(r).mul(rate).neg().mul(p.mask);
    const constTerm = constant.mul(p.mask);
    const per = expTerm.add(linear).add(constTerm);
    return {
      total: maskedMean(per, p.mask),
      parts: {
        exp: maskedMean(expTerm, p.mask).detach(),
        linear: maskedMean(linear, p.mask).detach(),
        constant: maskedMean(constTerm, p.mask).detach(),
      },
      perToken: per.reshape(p.shape),
    };
  });
}

/**
 * The RADD reduction: log-scores log softmax(logits) + log r(t) turn score entropy into w(t)·CE per
 * masked token (w = m'/m, t clamped below by tMin). parts: { ce } (the unweighted masked CE).
 */
export function raddScoreEntropy(
  logits: Tensor,
  targets: Tensor,
  corruption: Corruption,
  opts: LossOptions = {},
): LossResult<'ce'> {
  return tidy(() => {
    const { p, ce } = maskedTokenCE('raddScoreEntropy', logits, targets, corruption, opts);
    const per = ce.mul(perToken(p, (t) => p.schedule.weight(t)));
    return {
      total: maskedMean(per, p.mask),
      parts: { ce: maskedMean(ce, p.mask).detach() },
      perToken: per.reshape(p.shape),
    };
  });
}

/**
 * RADD's log-scores: log softmax(logits[..., slice]) + log r(t) per row, [B, N, K] (or [M, K]) over the
 * slice's K codes (so targets for scoreEntropy on them are code indices, slice start subtracted). t is
 * clamped like scoreEntropy's.
 */
export function raddLogScores(
  logits: Tensor,
  corruption: Pick<Corruption, 't' | 'schedule'>,
  opts: LossOptions = {},
): Tensor {
  logits.live('raddLogScores');
  if (logits.rank !== 3 && logits.rank !== 2)
    throw new RangeError(
      `raddLogScores: logits must be [B, N, V] or [M, V], got [${logits.shape.join(', ')}]`,
    );
  const V = logits.shape[logits.rank - 1];
  const [a, b] = opts.vocabSlice ?? [0, V];
  if (!(Number.isInteger(a) && Number.isInteger(b) && a >= 0 && a < b && b <= V))
    throw new RangeError(`raddLogScores: vocabSlice [${a}, ${b}) is not a non-empty range inside [0, ${V})`);
  const rows = logits.rank === 3 ? logits.shape[0] : 1;
  const t = checkTimes(corruption.t, rows, 'raddLogScores');
  const sch = corruption.schedule ?? getSchedule(opts.schedule);
  const logR = new Float32Array(rows);
  for (let i = 0; i < rows; i++)
    logR[i] = Math.log(sch.ratio(Math.min(Math.max(t[i], sch.tMin), 1 - sch.tMin)));
  return tidy(() => {
    const shift = tensor(logR, logits.rank === 3 ? [rows, 1, 1] : [1, 1], { backend: logits.backend.name });
    return logits.slice(-1, a, b).logSoftmax(-1).add(shift);
  });
}
