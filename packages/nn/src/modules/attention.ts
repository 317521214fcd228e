import { keep, ops, type Tensor, tensor, tidy } from '@unif2ace/tensor';
import type { InitRng } from '../init.js';
import { Module, type ModuleConfig } from '../module.js';
import { Linear } from './linear.js';

/**
 * Rotary position embedding on the first `rotaryDim` channels of each head (partial rotary, like
 * Phi-1.5; the rest pass through). Pairs are (i, i + rotaryDim/2), the GPT-NeoX convention.
 */
export class RotaryEmbedding {
  private cache = new Map<number, { cos: Tensor; sin: Tensor }>();
  readonly base: number;
  /** `opts` as a bare number is the old positional base (deprecated). */
  constructor(
    readonly rotaryDim: number,
    opts: { base?: number } | number = {},
  ) {
    this.base = (typeof opts === 'number' ? opts : opts.base) ?? 10000;
    if (rotaryDim % 2) throw new RangeError(`RotaryEmbedding: rotaryDim ${rotaryDim} must be even`);
  }

  private tables(s: number) {
    let t = this.cache.get(s);
    if (!t) {
      const half = this.rotaryDim / 2;
      const cos = new Float32Array(s * half);
      const sin = new Float32Array(s * half);
      for (let p = 0; p < s; p++) {
        for (let i = 0; i < half; i++) {
          const a = p * this.base ** (-(2 * i) / this.rotaryDim);
          cos[p * half + i] = Math.cos(a);
          sin[p * half + i] = Math.sin(a);
        }
      }
      // cached across calls: kept out of every tidy() scope, freed by dispose()
      t = { cos: keep(tensor(cos, [s, half])), sin: keep(tensor(sin, [s, half])) };
      this.cache.set(s, t);
    }
    return t;
  }

  /** x [B, H, S, Dh] -> same shape, rotated by position (computed in f32 for f16 inputs). */
  apply(x: Tensor): Tensor {
    if (x.dtype === 'f16') return tidy(() => this.apply(x.cast('f32')).cast('f16'));
    const [, , s, dh] = x.shape;
    const r = this.rotaryDim;
    if (r > dh) throw new RangeError(`RotaryEmbedding: rotaryDim ${r} exceeds head dim ${dh}`);
    const { cos, sin } = this.tables(s);
    return tidy(() => {
      const x1 = x.slice(3, 0, r / 2);
      const x2 = x.slice(3, r / 2, r);
      const rot = ops.concat([x1.mul(cos).sub(x2.mul(sin)), x2.mul(cos).add(x1.mul(sin))], 3);
      return r === dh ? rot : ops.concat([rot, x.slice(3, r)], 3);
    });
  }

  dispose(): void {
    for (const { cos, sin } of this.cache.values()) {
      cos.dispose();
      sin.dispose();
    }
    this.cache.clear();
  }
}

export interface AttentionMask {
  causal?: boolean;
  /** [S, S] or [B, S, S] u32/i32, nonzero = may attend. */
  mask?: Tensor;
  /** [B, S] nonzero = real token. */
  keyPadding?: Tensor;
}

/** Multi-head self-attention over [B, S, D] with any mask the fused kernel takes. */
export class MultiHeadAttention extends Module {
  qkv: Linear;
  out: Linear;
  rotary: RotaryEmbedding | null;
  readonly rotaryDim: number;
  constructor(
    readonly dim: number,
    readonly heads: number,
    opts: { rotaryDim?: number; rng?: InitRng; zeroOut?: boolean } = {},
  ) {
    super();
    if (dim % heads)
      throw new RangeError(`MultiHeadAttention: dim ${dim} is not divisible by ${heads} heads`);
    this.qkv = new Linear(dim, 3 * dim, { rng: opts.rng });
    this.out = new Linear(dim, dim, { rng: opts.rng, init: opts.zeroOut ? { kind: 'zeros' } : undefined });
    this.rotaryDim = opts.rotaryDim ?? 0;
    this.rotary = this.rotaryDim ? new RotaryEmbedding(this.rotaryDim) : null;
  }

  forward(x: Tensor, m: AttentionMask = {}): Tensor {
    const [b, s, d] = x.shape;
    const h = this.heads;
    const dh = d / h;
    const qkv = this.qkv.forward(x).reshape([b, s, 3, h, dh]).permute([2, 0, 3, 1, 4]);
    let q = qkv.slice(0, 0, 1).reshape([b, h, s, dh]);
    let k = qkv.slice(0, 1, 2).reshape([b, h, s, dh]);
    const v = qkv.slice(0, 2, 3).reshape([b, h, s, dh]);
    if (this.rotary) {
      q = this.rotary.apply(q);
      k = this.rotary.apply(k);
    }
    const o = ops.attention(q, k, v, m);
    return this.out.forward(o.permute([0, 2, 1, 3]).reshape([b, s, d]));
  }

  override toConfig(): ModuleConfig {
    const { dim, heads, rotaryDim } = this;
    return { _class: 'MultiHeadAttention', _version: 1, dim, heads, rotaryDim };
  }

  override dispose(): void {
    super.dispose();
    this.rotary?.dispose();
  }
}
