// Module: parameters, buffers and children found by walking the object's own fields (as PyTorch's
// __setattr__ registers them), so state-dict keys read like the code: `blocks.0.attn.qkv.weight`.
import { keep, noGrad, type Tensor } from '@unif2ace/tensor';

const PARAM = Symbol('param');
const BUFFER = Symbol('buffer');

type Marked = Tensor & { [PARAM]?: boolean; [BUFFER]?: boolean };

/**
 * A module's architecture as JSON: its class, the config format version and its constructor arguments
 * (sizes and options; never weights, which travel in the state dict, nor the init RNG).
 * `moduleFromConfig` (modules/registry.ts) rebuilds the module from it.
 */
export interface ModuleConfig {
  _class: string;
  _version: 1;
  [arg: string]: unknown;
}

export abstract class Module {
  training = true;

  /** Mark a tensor as a trainable parameter of this module (kept out of every scope). */
  protected param(t: Tensor): Tensor {
    const p = keep(t.requiresGrad ? t : t.requiresGrad_(true)) as Marked;
    p[PARAM] = true;
    return p;
  }

  /** Mark a tensor as a buffer: saved in the state dict, not trained. */
  protected buffer(t: Tensor): Tensor {
    const b = keep(t) as Marked;
    b[BUFFER] = true;
    return b;
  }

  *namedChildren(): Generator<[string, Module]> {
    for (const [k, v] of Object.entries(this)) {
      if (v instanceof Module) yield [k, v];
      else if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) if (v[i] instanceof Module) yield [`${k}.${i}`, v[i]];
      }
    }
  }

  *namedParameters(prefix = ''): Generator<[string, Tensor]> {
    for (const [k, v] of Object.entries(this)) if ((v as Marked)?.[PARAM]) yield [prefix + k, v as Tensor];
    for (const [k, m] of this.namedChildren()) yield* m.namedParameters(`${prefix}${k}.`);
  }

  *namedBuffers(prefix = ''): Generator<[string, Tensor]> {
    for (const [k, v] of Object.entries(this)) if ((v as Marked)?.[BUFFER]) yield [prefix + k, v as Tensor];
    for (const [k, m] of this.namedChildren()) yield* m.namedBuffers(`${prefix}${k}.`);
  }

  /**
   * Replace every parameter with fn(name, p), marked as a parameter in its place (the old tensor is
   * not disposed). MixedPrecision uses it to swap in f16 working copies.
   */
  replaceParameters(fn: (name: string, p: Tensor) => Tensor, prefix = ''): void {
    for (const [k, v] of Object.entries(this)) {
      if (!(v as Marked)?.[PARAM]) continue;
      const p = this.param(fn(prefix + k, v as Tensor));
      p.requiresGrad = (v as Tensor).requiresGrad;
      (this as Record<string, unknown>)[k] = p;
    }
    for (const [k, m] of this.namedChildren()) m.replaceParameters(fn, `${prefix}${k}.`);
  }

  parameters(): Tensor[] {
    return [...this.namedParameters()].map(([, p]) => p);
  }

  /** Parameters and buffers by dotted name. */
  stateDict(): Map<string, Tensor> {
    return new Map([...this.namedParameters(), ...this.namedBuffers()]);
  }

  numParameters({ trainableOnly = false } = {}): number {
    return this.parameters()
      .filter((p) => !trainableOnly || p.requiresGrad)
      .reduce((n, p) => n + p.size, 0);
  }

  train(on = true): this {
    this.training = on;
    for (const [, m] of this.namedChildren()) m.train(on);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  freeze(): this {
    for (const p of this.parameters()) p.requiresGrad = false;
    return this;
  }

  unfreeze(): this {
    for (const p of this.parameters()) p.requiresGrad = true;
    return this;
  }

  zeroGrad(): void {
    for (const p of this.parameters()) {
      p.grad?.dispose();
      p.grad = null;
    }
  }

  /** Copy values into parameters/buffers by name; reports what did not match. */
  loadStateDict(
    values: Map<string, Tensor>,
    { strict = true }: { strict?: boolean } = {},
  ): { missing: string[]; unexpected: string[]; shapeMismatch: string[] } {
    const own = this.stateDict();
    const missing = [...own.keys()].filter((k) => !values.has(k));
    const unexpected = [...values.keys()].filter((k) => !own.has(k));
    const shapeMismatch: string[] = [];
    noGrad(() => {
      for (const [k, t] of own) {
        const v = values.get(k);
        if (!v) continue;
        if (v.shape.join() !== t.shape.join()) {
          shapeMismatch.push(`${k}: expected [${t.shape.join(', ')}], got [${v.shape.join(', ')}]`);
          continue;
        }
        t.copy_(v.dtype === t.dtype ? v : v.cast(t.dtype));
      }
    });
    if (strict && (missing.length || unexpected.length || shapeMismatch.length)) {
      const parts = [
        missing.length ? `missing keys: ${missing.join(', ')}` : '',
        unexpected.length ? `unexpected keys: ${unexpected.join(', ')}` : '',
        shapeMismatch.length ? `shape mismatches: ${shapeMismatch.join('; ')}` : '',
      ].filter(Boolean);
      throw new Error(`loadStateDict (strict): ${parts.join(' | ')}`);
    }
    return { missing, unexpected, shapeMismatch };
  }

  /** This module's ModuleConfig; every built-in module has one, a custom module overrides this. */
  toConfig(): ModuleConfig {
    throw new Error(
      `${this.constructor.name}.toConfig(): not implemented (override it, and registerModule() to rebuild it)`,
    );
  }

  dispose(): void {
    for (const t of this.stateDict().values()) {
      t.grad?.dispose();
      t.dispose();
    }
  }

  // Subclasses take what they need (tensors, masks, options); `any` keeps them assignable here.
  // biome-ignore lint/suspicious/noExplicitAny: each module defines its own forward signature
  abstract forward(...args: any[]): Tensor;
}
