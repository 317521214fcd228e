import { keep, type Tensor, zeros } from '@unif2ace/tensor';
import { Optimizer, type ParamGroup } from './optimizer.js';

/** SGD with (optional) momentum and L2 weight decay, as torch.optim.SGD. */
export class SGD extends Optimizer {
  constructor(
    params: Tensor[] | ParamGroup[],
    opts: { lr: number; momentum?: number; weightDecay?: number },
    readonly momentum = opts.momentum ?? 0,
    readonly weightDecay = opts.weightDecay ?? 0,
  ) {
    super(params, opts.lr);
  }

  protected ensureState(p: Tensor): Record<string, Tensor> {
    let s = this.state.get(p);
    if (!s) {
      s = this.momentum ? { buf: keep(zeros(p.shape)) } : {};
      this.state.set(p, s);
    }
    return s;
  }

  protected updateOne(p: Tensor, grad: Tensor, group: ParamGroup): void {
    const wd = group.weightDecay ?? this.weightDecay;
    let d = wd ? grad.add(p.detach().mul(wd)) : grad;
    const s = this.ensureState(p);
    if (s.buf) {
      s.buf.copy_(this.step === 1 ? d : s.buf.mul(this.momentum).add(d));
      d = s.buf;
    }
    p.copy_(p.detach().sub(d.mul(group.lr ?? this.lr)));
  }
}
