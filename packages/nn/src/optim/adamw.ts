// AdamW (Loshchilov & Hutter): decoupled weight decay, bias-corrected moments, f32 state.
import { keep, type Tensor, zeros } from '@unif2ace/tensor';
import { Optimizer, type ParamGroup } from './optimizer.js';

export interface AdamWOptions {
  lr?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
}

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

  protected updateOne(p: Tensor, g: Tensor, group: ParamGroup): void {
    const { m, v } = this.ensureState(p);
    const lr = group.lr ?? this.lr;
    const wd = group.weightDecay ?? this.weightDecay;
    const b1 = this.beta1;
    const b2 = this.beta2;
    m.copy_(m.mul(b1).add(g.mul(1 - b1)));
    v.copy_(v.mul(b2).add(g.square().mul(1 - b2)));
    const mHat = m.div(1 - b1 ** this.step);
    const vHat = v.div(1 - b2 ** this.step);
    const pd = p.detach();
    p.copy_(pd.mul(1 - lr * wd).sub(mHat.div(vHat.sqrt().add(this.eps)).mul(lr)));
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
