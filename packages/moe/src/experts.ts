// The built-in token expert, 'mlp' (y = gelu(x W1) W2, no biases, as in DeepSeekMoE/Mixtral), and the
// bank that holds every 'mlp' expert of a layer (shared and routed, all groups) as two stacked weights
// w1 [S, dim, hidden], w2 [S, hidden, dim], so a whole layer's experts run as two grouped matmuls over
// rows sorted by expert (one dispatch each), whatever the number of experts.
import { type InitRng, initTensor, Module } from '@unif2ace/nn';
import { ops, type Tensor } from '@unif2ace/tensor';
import { registerExpert, type TokenExpert } from './registry.js';

/** Stacked weights of `slots` gelu MLP experts. */
export class ExpertBank extends Module {
  w1: Tensor;
  w2: Tensor;
  constructor(
    readonly slots: number,
    readonly dim: number,
    readonly hidden: number,
    rng?: InitRng,
  ) {
    super();
    // torch Linear's default bound, per expert
    this.w1 = this.param(
      initTensor([slots, dim, hidden], { kind: 'uniform', bound: 1 / Math.sqrt(dim) }, rng),
    );
    this.w2 = this.param(
      initTensor([slots, hidden, dim], { kind: 'uniform', bound: 1 / Math.sqrt(hidden) }, rng),
    );
  }

  /** Rows sorted by slot: rows [offsets[s], offsets[s + 1]) go through slot s; other rows give 0. */
  forward(xs: Tensor, offsets: Tensor): Tensor {
    return ops.groupedMatmul(ops.groupedMatmul(xs, this.w1, offsets).gelu(), this.w2, offsets);
  }

  /** Slot s applied to every row of x [n, dim], densely (the readable reference). */
  expert(s: number, x: Tensor): Tensor {
    const w1 = this.w1.slice(0, s, s + 1).reshape([this.dim, this.hidden]);
    const w2 = this.w2.slice(0, s, s + 1).reshape([this.hidden, this.dim]);
    return ops.matmul(ops.linear(x, w1, null, 'gelu'), w2);
  }
}

/** One stand-alone 'mlp' expert (what the registry's factory builds; TokenMoE fuses these into a bank). */
export class MlpExpert extends Module implements TokenExpert {
  w1: Tensor;
  w2: Tensor;
  constructor(dim: number, hidden: number, rng?: InitRng) {
    super();
    this.w1 = this.param(initTensor([dim, hidden], { kind: 'uniform', bound: 1 / Math.sqrt(dim) }, rng));
    this.w2 = this.param(initTensor([hidden, dim], { kind: 'uniform', bound: 1 / Math.sqrt(hidden) }, rng));
  }
  forward(x: Tensor): Tensor {
    return ops.matmul(ops.matmul(x, this.w1).gelu(), this.w2);
  }
}

/** The name TokenMoE fuses into its ExpertBank. */
export const BUILTIN_TOKEN_EXPERT = 'mlp';

registerExpert(BUILTIN_TOKEN_EXPERT, (c) => new MlpExpert(c.dim, c.hidden, c.rng), { level: 'token' });
