import { ops, type Tensor } from '@unif2ace/tensor';
import { initTensor } from '../init.js';
import { Module, type ModuleConfig } from '../module.js';

/** Layer norm over the last axis (fused kernel), elementwise affine like torch. */
export class LayerNorm extends Module {
  weight: Tensor | null;
  bias: Tensor | null;
  constructor(
    readonly dim: number,
    readonly opts: { eps?: number; affine?: boolean; bias?: boolean } = {},
  ) {
    super();
    const affine = opts.affine ?? true;
    this.weight = affine ? this.param(initTensor([dim], { kind: 'ones' })) : null;
    this.bias = affine && opts.bias !== false ? this.param(initTensor([dim], { kind: 'zeros' })) : null;
  }
  forward(x: Tensor): Tensor {
    return ops.layerNorm(x, this.weight, this.bias, this.opts.eps ?? 1e-5);
  }
  override toConfig(): ModuleConfig {
    const { eps = 1e-5, affine = true, bias = true } = this.opts;
    return { _class: 'LayerNorm', _version: 1, dim: this.dim, eps, affine, bias };
  }
}

/** RMS norm over the last axis (fused kernel). */
export class RMSNorm extends Module {
  weight: Tensor;
  readonly eps: number;
  /** `opts` as a bare number is the old positional eps (deprecated). */
  constructor(
    readonly dim: number,
    opts: { eps?: number } | number = {},
  ) {
    super();
    this.eps = (typeof opts === 'number' ? opts : opts.eps) ?? 1e-6;
    this.weight = this.param(initTensor([dim], { kind: 'ones' }));
  }
  forward(x: Tensor): Tensor {
    return ops.rmsNorm(x, this.weight, this.eps);
  }
  override toConfig(): ModuleConfig {
    return { _class: 'RMSNorm', _version: 1, dim: this.dim, eps: this.eps };
  }
}

/** Group norm over [N, C, ...]: statistics per (sample, group of C / groups channels). */
export class GroupNorm extends Module {
  weight: Tensor;
  bias: Tensor;
  readonly eps: number;
  /** `opts` as a bare number is the old positional eps (deprecated). */
  constructor(
    readonly groups: number,
    readonly channels: number,
    opts: { eps?: number } | number = {},
  ) {
    super();
    this.eps = (typeof opts === 'number' ? opts : opts.eps) ?? 1e-5;
    if (channels % groups !== 0)
      throw new RangeError(`GroupNorm: ${channels} channels do not split into ${groups} groups`);
    this.weight = this.param(initTensor([channels], { kind: 'ones' }));
    this.bias = this.param(initTensor([channels], { kind: 'zeros' }));
  }
  forward(x: Tensor): Tensor {
    const [n, c] = x.shape;
    const spatial = x.shape.slice(2);
    const per = (c / this.groups) * spatial.reduce((p, d) => p * d, 1);
    // Normalising each group's flattened row is exactly layer norm over it.
    const y = ops.layerNorm(x.reshape([n, this.groups, per]), null, null, this.eps).reshape(x.shape);
    const bshape = [1, c, ...spatial.map(() => 1)];
    return y.mul(this.weight.reshape(bshape)).add(this.bias.reshape(bshape));
  }
  override toConfig(): ModuleConfig {
    return { _class: 'GroupNorm', _version: 1, groups: this.groups, channels: this.channels, eps: this.eps };
  }
}
