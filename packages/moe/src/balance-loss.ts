// Load-balancing loss per group, λ·E·Σ_i f_i·P_i (Switch Transformer / DeepSeekMoE), summed over groups:
// for the tokens of group g, f_i = (assignments to expert i) / (k·T_g) (so Σ f = 1; not differentiable)
// and P_i = mean router probability of expert i over those tokens. Uniform routing gives λ per group.
// Router z-loss (ST-MoE): mean over tokens of logsumexp(logits)².
import { ops, type Tensor, tensor } from '@unif2ace/tensor';

/**
 * probs [T, G·E] (zero outside each token's group), indices [T, k] global expert ids, tokensPerGroup[g]
 * = T_g. Returns a scalar tensor (differentiable through probs).
 */
export function balanceLoss(
  probs: Tensor,
  indices: Tensor,
  tokensPerGroup: readonly number[],
  experts: number,
  lambda: number,
): Tensor {
  const [T, GE] = probs.shape;
  const k = indices.shape[1];
  const ones = tensor(new Float32Array(T * k).fill(1), [T * k]);
  const counts = ops.indexAdd([GE], 0, indices.reshape([T * k]), ones);
  const scale = new Float32Array(GE);
  for (let i = 0; i < GE; i++) {
    const Tg = tokensPerGroup[Math.floor(i / experts)];
    scale[i] = Tg > 0 ? (lambda * experts) / (k * Tg * Tg) : 0;
  }
  return probs
    .sum(0)
    .mul(counts)
    .mul(tensor(scale, [GE]))
    .sum();
}

/** mean_t logsumexp(logits_t)² (masked logits: the sum runs over the token's own group). */
export function zLoss(logits: Tensor): Tensor {
  return logits.logsumexp(-1).square().mean();
}
