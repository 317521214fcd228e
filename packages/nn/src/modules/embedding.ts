import type { Tensor } from '@unif2ace/tensor';
import { type InitRng, initRng, initTensor } from '../init.js';
import { Module, type ModuleConfig } from '../module.js';

/** Rows of a [num, dim] table picked by i32 ids of any shape -> [...ids, dim]. */
export class Embedding extends Module {
  weight: Tensor;
  constructor(
    readonly num: number,
    readonly dim: number,
    opts: { std?: number; rng?: InitRng } = {},
  ) {
    super();
    this.weight = this.param(
      initTensor([num, dim], { kind: 'normal', std: opts.std ?? 1 }, opts.rng ?? initRng()),
    );
  }
  forward(ids: Tensor): Tensor {
    if (ids.dtype !== 'i32' && ids.dtype !== 'u32')
      throw new TypeError(`Embedding: ids must be i32, got ${ids.dtype}`);
    return this.weight.indexSelect(0, ids);
  }
  override toConfig(): ModuleConfig {
    return { _class: 'Embedding', _version: 1, num: this.num, dim: this.dim };
  }
}
