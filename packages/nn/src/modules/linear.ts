import { ops, type Tensor } from '@unif2ace/tensor';
import { type InitRng, type InitScheme, initRng, initTensor } from '../init.js';
import { Module, type ModuleConfig } from '../module.js';

export interface LinearOptions {
  bias?: boolean;
  /** Default: uniform ±1/sqrt(inFeatures), like torch. */
  init?: InitScheme;
  rng?: InitRng;
}

/** y = x Wᵀ + b, with W stored [out, in] like torch so state dicts line up. */
export class Linear extends Module {
  weight: Tensor;
  bias: Tensor | null;
  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    opts: LinearOptions = {},
  ) {
    super();
    const rng = opts.rng ?? initRng();
    const bound = 1 / Math.sqrt(inFeatures);
    this.weight = this.param(
      initTensor([outFeatures, inFeatures], opts.init ?? { kind: 'uniform', bound }, rng),
    );
    this.bias =
      opts.bias === false ? null : this.param(initTensor([outFeatures], { kind: 'uniform', bound }, rng));
  }
  forward(x: Tensor): Tensor {
    const last = x.shape[x.rank - 1];
    if (last !== this.inFeatures) {
      throw new RangeError(
        `Linear(${this.inFeatures}, ${this.outFeatures}): input [${x.shape.join(', ')}] has ${last} features`,
      );
    }
    // one dispatch: the bias is added in the matmul's epilogue (weight [out, in] read transposed in place)
    return ops.linear(x, this.weight.T, this.bias);
  }
  override toConfig(): ModuleConfig {
    const { inFeatures, outFeatures } = this;
    return { _class: 'Linear', _version: 1, inFeatures, outFeatures, bias: this.bias !== null };
  }
}
