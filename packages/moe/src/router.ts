// Token router (like megablocks' LearnedRouter): one linear map to every group's routed experts, the
// other groups' logits masked to -1e9 per token (so softmax gives them exactly 0 and top-k never picks
// them: group isolation is structural), softmax, top-k, gates renormalised over the k picks.
import { type InitRng, initTensor, Module } from '@unif2ace/nn';
import { ops, type Tensor, tensor, tidy } from '@unif2ace/tensor';

export interface RouterOutput {
  /** [T, G·E] raw logits (other groups masked to -1e9). */
  logits: Tensor;
  /** [T, G·E] softmax over the token's own group (exact zeros elsewhere). */
  probs: Tensor;
  /** [T, k] gate weights, renormalised to sum to 1 per token (differentiable). */
  weights: Tensor;
  /** [T, k] i32 chosen experts as global ids g·E + j, best first. */
  indices: Tensor;
}

/** A large negative logit: exp() underflows to exactly 0 next to any real logit. */
const MASKED = -1e9;

export class Router extends Module {
  /** [G·E, dim], laid out like a torch Linear weight. */
  weight: Tensor;
  constructor(
    readonly dim: number,
    readonly groups: number,
    readonly experts: number,
    readonly topK: number,
    rng?: InitRng,
  ) {
    super();
    if (!Number.isInteger(topK) || topK < 1 || topK > experts) {
      throw new RangeError(
        `Router: topK must be an integer in [1, ${experts}] (routed experts per group), got ${topK}`,
      );
    }
    this.weight = this.param(initTensor([groups * experts, dim], { kind: 'normal', std: 0.02 }, rng));
  }

  /** The routing probabilities [T, G·E] (see route()). */
  forward(x: Tensor, tokenGroup: ArrayLike<number>): Tensor {
    return tidy(() => this.route(x, tokenGroup).probs);
  }

  /** x [T, dim]; tokenGroup[t] in [0, G). */
  route(x: Tensor, tokenGroup: ArrayLike<number>): RouterOutput {
    const T = x.shape[0];
    const GE = this.groups * this.experts;
    const mask = new Float32Array(T * GE).fill(MASKED);
    for (let t = 0; t < T; t++)
      mask.fill(0, t * GE + tokenGroup[t] * this.experts, t * GE + (tokenGroup[t] + 1) * this.experts);
    const logits = ops.matmul(x, this.weight.T).add(tensor(mask, [T, GE]));
    const probs = ops.softmax(logits, -1);
    const { values, indices } = ops.topk(probs, this.topK, -1);
    const weights = values.div(values.sum(-1, true));
    return { logits, probs, weights, indices };
  }
}
