import { keep, noGrad, type Tensor } from '@unif2ace/tensor';

/** Exponential moving average of parameters: shadow = decay * shadow + (1 - decay) * param. */
export class EMA {
  readonly shadow: Tensor[];
  constructor(
    readonly params: Tensor[],
    readonly decay = 0.999,
  ) {
    this.shadow = noGrad(() => params.map((p) => keep(p.detach().clone())));
  }
  update(): void {
    noGrad(() => {
      this.params.forEach((p, i) => {
        const s = this.shadow[i];
        const next = s.mul(this.decay).add(p.detach().mul(1 - this.decay));
        s.copy_(next);
        next.dispose();
      });
    });
  }
  dispose(): void {
    for (const s of this.shadow) s.dispose();
  }
}
