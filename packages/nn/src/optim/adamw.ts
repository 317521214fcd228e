// AdamW (Loshchilov & Hutter): decoupled weight decay, bias-corrected moments, f32 state.
import { keep, ops, type Tensor, zeros } from '@unif2ace/tensor';
import { Optimizer, type ParamGroup } from './optimizer.js';

/** AdamW's hyperparameters: tensor's one type (ops.AdamWOptions), the defaults of torch.optim.AdamW. */
export type AdamWOptions = ops.AdamWOptions;

export class AdamW extends Optimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;

  constructor(params: Tensor[] | ParamGroup[], opts: AdamWOptions = {}) {
    super(params, opts.lr ?? 1e-3);
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.eps = opts.eps ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? 0.01;
  }

  protected ensureState(p: Tensor): Record<string, Tensor> {
    let s = this.state.get(p);
    if (!s) {
      s = { m: keep(zeros(p.shape)), v: keep(zeros(p.shape)) };
      this.state.set(p, s);
    }
    return s;
  }

  /** One fused kernel per parameter: p, m and v are updated in place (tensor's adamwStep). */
  protected updateOne(p: Tensor, g: Tensor, group: ParamGroup): void {
    const { m, v } = this.ensureState(p);
    ops.adamwStep([p], [g.contiguous()], [m], [v], {
      lr: group.lr ?? this.lr,
      beta1: this.beta1,
      beta2: this.beta2,
      eps: this.eps,
      weightDecay: group.weightDecay ?? this.weightDecay,
      step: this.step,
    });
  }
}

/** Splits a module's parameters: no weight decay for 1-D ones (norm scales, biases), like common practice. */
export function decayGroups(named: Iterable<[string, Tensor]>, weightDecay: number): ParamGroup[] {
  const decay: Tensor[] = [];
  const none: Tensor[] = [];
  for (const [, p] of named) (p.rank < 2 ? none : decay).push(p);
  return [
    { params: decay, weightDecay },
    { params: none, weightDecay: 0 },
  ];
}
