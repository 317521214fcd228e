import { Rng } from '@unif2ace/common';
import { ops, type Tensor } from '@unif2ace/tensor';
import { type InitRng, initRng, initTensor } from '../init.js';
import { Module, type ModuleConfig } from '../module.js';
import { Linear } from './linear.js';

/** Inverted dropout; identity in eval mode. Each call draws fresh randomness from the global RNG. */
export class Dropout extends Module {
  readonly p: number;
  /** `opts` as a bare number is the old positional p (deprecated). */
  constructor(opts: { p?: number } | number = {}) {
    super();
    this.p = (typeof opts === 'number' ? opts : opts.p) ?? 0.1;
  }
  forward(x: Tensor): Tensor {
    return ops.dropout(x, this.p, { training: this.training });
  }
  override toConfig(): ModuleConfig {
    return { _class: 'Dropout', _version: 1, p: this.p };
  }
}

/** Two-layer MLP: Linear -> GELU/SiLU -> Linear (the second zero-initialised when `zeroOut`). */
export class MLP extends Module {
  fc1: Linear;
  fc2: Linear;
  constructor(
    readonly dim: number,
    readonly hidden: number,
    readonly opts: { activation?: 'gelu' | 'silu'; zeroOut?: boolean; rng?: InitRng } = {},
  ) {
    super();
    this.fc1 = new Linear(dim, hidden, { rng: opts.rng });
    this.fc2 = new Linear(hidden, dim, { rng: opts.rng, init: opts.zeroOut ? { kind: 'zeros' } : undefined });
  }
  forward(x: Tensor): Tensor {
    return this.fc2.forward(ops.linear(x, this.fc1.weight.T, this.fc1.bias, this.opts.activation ?? 'gelu'));
  }
  override toConfig(): ModuleConfig {
    const activation = this.opts.activation ?? 'gelu';
    return { _class: 'MLP', _version: 1, dim: this.dim, hidden: this.hidden, activation };
  }
}

/** 2-D convolution with torch's weight layout [O, C / groups, kh, kw] and default init. */
export class Conv2d extends Module {
  weight: Tensor;
  bias: Tensor | null;
  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernelSize: number,
    readonly opts: { stride?: number; padding?: number; groups?: number; bias?: boolean; rng?: InitRng } = {},
  ) {
    super();
    const groups = opts.groups ?? 1;
    const fanIn = (inChannels / groups) * kernelSize * kernelSize;
    const bound = 1 / Math.sqrt(fanIn);
    const rng = opts.rng ?? initRng();
    this.weight = this.param(
      initTensor([outChannels, inChannels / groups, kernelSize, kernelSize], { kind: 'uniform', bound }, rng),
    );
    this.bias =
      opts.bias === false ? null : this.param(initTensor([outChannels], { kind: 'uniform', bound }, rng));
  }
  /** f16 inputs and weights (mixed precision) are convolved in f32: the conv2d kernels are f32-only. */
  forward(x: Tensor): Tensor {
    const { stride = 1, padding = 0, groups = 1 } = this.opts;
    if (x.dtype === 'f16') {
      const f = (t: Tensor | null) => (t && t.dtype !== 'f32' ? t.cast('f32') : t);
      return ops.conv2d(f(x)!, f(this.weight)!, f(this.bias), { stride, padding, groups }).cast('f16');
    }
    return ops.conv2d(x, this.weight, this.bias, { stride, padding, groups });
  }
  override toConfig(): ModuleConfig {
    const { stride = 1, padding = 0, groups = 1 } = this.opts;
    const { inChannels, outChannels, kernelSize } = this;
    const bias = this.bias !== null;
    return {
      _class: 'Conv2d',
      _version: 1,
      inChannels,
      outChannels,
      kernelSize,
      stride,
      padding,
      groups,
      bias,
    };
  }
}

/** Nearest-neighbour upsampling by an integer factor. */
export class Upsample extends Module {
  readonly scale: number;
  /** `opts` as a bare number is the old positional scale (deprecated). */
  constructor(opts: { scale?: number } | number = {}) {
    super();
    this.scale = (typeof opts === 'number' ? opts : opts.scale) ?? 2;
  }
  forward(x: Tensor): Tensor {
    return ops.upsampleNearest(x, this.scale);
  }
  override toConfig(): ModuleConfig {
    return { _class: 'Upsample', _version: 1, scale: this.scale };
  }
}

/** Learned absolute positions added to [B, S, D] inputs. */
export class LearnedPositions extends Module {
  weight: Tensor;
  /** `opts` as a bare InitRng is the old positional rng (deprecated). */
  constructor(
    readonly maxLen: number,
    readonly dim: number,
    opts: { rng?: InitRng } | InitRng = {},
  ) {
    super();
    const rng = (opts instanceof Rng ? opts : opts.rng) ?? initRng();
    this.weight = this.param(initTensor([maxLen, dim], { kind: 'normal', std: 0.02 }, rng));
  }
  override toConfig(): ModuleConfig {
    return { _class: 'LearnedPositions', _version: 1, maxLen: this.maxLen, dim: this.dim };
  }
  forward(x: Tensor): Tensor {
    const s = x.shape[x.rank - 2];
    if (s > this.maxLen)
      throw new RangeError(`LearnedPositions: sequence ${s} exceeds maxLen ${this.maxLen}`);
    return x.add(this.weight.slice(0, 0, s));
  }
}
