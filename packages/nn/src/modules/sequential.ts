import type { Tensor } from '@unif2ace/tensor';
import { Module, type ModuleConfig } from '../module.js';

/** Modules applied in order; state-dict keys are `layers.<i>.*`. */
export class Sequential extends Module {
  layers: Module[];
  constructor(...layers: Module[]) {
    super();
    this.layers = layers;
  }
  forward(x: Tensor): Tensor {
    let y = x;
    for (const l of this.layers) y = l.forward(y);
    return y;
  }
  override toConfig(): ModuleConfig {
    return { _class: 'Sequential', _version: 1, layers: this.layers.map((l) => l.toConfig()) };
  }
}

/** An activation as a module, for Sequential. */
export class Activation extends Module {
  constructor(readonly fn: 'relu' | 'gelu' | 'silu' | 'tanh' | 'sigmoid') {
    super();
  }
  forward(x: Tensor): Tensor {
    return x[this.fn]();
  }
  override toConfig(): ModuleConfig {
    return { _class: 'Activation', _version: 1, fn: this.fn };
  }
}
