import { keep, noGrad, type Tensor, tidy } from '@unif2ace/tensor';

/**
 * Exponential moving average of parameters: shadow = decay * shadow + (1 - decay) * param.
 * Only the shadow tensors stay live: the constructor and `update` free their temporaries themselves.
 */
export class EMA {
  readonly shadow: Tensor[];
  constructor(
    readonly params: Tensor[],
    readonly decay = 0.999,
  ) {
    this.shadow = tidy(() => noGrad(() => params.map((p) => keep(p.detach().clone()))));
  }
  update(): void {
    tidy(() =>
      noGrad(() => {
        this.params.forEach((p, i) => {
          const s = this.shadow[i];
          s.copy_(s.mul(this.decay).add(p.detach().mul(1 - this.decay)));
        });
      }),
    );
  }
  dispose(): void {
    for (const s of this.shadow) s.dispose();
  }
}
