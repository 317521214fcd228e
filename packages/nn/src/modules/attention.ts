import { keep, ops, type Tensor, tensor, tidy } from '@unif2ace/tensor';
import type { InitRng } from '../init.js';
import { Module, type ModuleConfig } from '../module.js';
import { Linear } from './linear.js';

/**
 * Rotary position embedding on the first `rotaryDim` channels of each head (partial rotary, like
 * Phi-1.5; the rest pass through). Pairs are (i, i + rotaryDim/2), the GPT-NeoX convention.
 */
export class RotaryEmbedding {
  // one table pair for positions [0, capacity), grown (doubled) on demand; calls read a slice of it
  private table: { cos: Tensor; sin: Tensor; capacity: number } | null = null;
  readonly base: number;
  /** `opts` as a bare number is the old positional base (deprecated). */
  constructor(
    readonly rotaryDim: number,
    opts: { base?: number } | number = {},
  ) {
    this.base = (typeof opts === 'number' ? opts : opts.base) ?? 10000;
    if (rotaryDim % 2) throw new RangeError(`RotaryEmbedding: rotaryDim ${rotaryDim} must be even`);
  }

  private tables(end: number) {
    let t = this.table;
    if (!t || t.capacity < end) {
      const capacity = Math.max(end, t ? 2 * t.capacity : 0);
      const half = this.rotaryDim / 2;
      const cos = new Float32Array(capacity * half);
      const sin = new Float32Array(capacity * half);
      for (let p = 0; p < capacity; p++) {
        for (let i = 0; i < half; i++) {
          const a = p * this.base ** (-(2 * i) / this.rotaryDim);
          cos[p * half + i] = Math.cos(a);
          sin[p * half + i] = Math.sin(a);
        }
      }
      this.dispose();
      // cached across calls: kept out of every tidy() scope, freed by dispose()
      t = { cos: keep(tensor(cos, [capacity, half])), sin: keep(tensor(sin, [capacity, half])), capacity };
      this.table = t;
    }
    return t;
  }

  /**
   * x [B, H, S, Dh] -> same shape, rotated by position (computed in f32 for f16 inputs). `offset`: the
   * position of x's first row (decoding with a KV cache feeds the new rows at offset = cached length).
   */
  apply(x: Tensor, opts: { offset?: number } = {}): Tensor {
    if (x.dtype === 'f16') return tidy(() => this.apply(x.cast('f32'), opts).cast('f16'));
    const [, , s, dh] = x.shape;
    const offset = opts.offset ?? 0;
    if (!Number.isInteger(offset) || offset < 0)
      throw new RangeError(`RotaryEmbedding: offset must be an integer >= 0, got ${offset}`);
    const r = this.rotaryDim;
    if (r > dh) throw new RangeError(`RotaryEmbedding: rotaryDim ${r} exceeds head dim ${dh}`);
    const t = this.tables(offset + s);
    // one kernel (tensor's ops.rotary): the tables hold every position, the kernel reads rows offset …
    return ops.rotary(x, t.cos, t.sin, { offset });
  }

  dispose(): void {
    if (!this.table) return;
    this.table.cos.dispose();
    this.table.sin.dispose();
    this.table = null;
  }
}

export interface AttentionMask {
  causal?: boolean;
  /** [S, S] or [B, S, S] u32/i32, nonzero = may attend. */
  mask?: Tensor;
  /** [B, S] nonzero = real token. */
  keyPadding?: Tensor;
}

/**
 * Keys and values of the positions seen so far, for incremental decoding (MultiHeadAttention.forwardCached).
 * k, v: [B, H, length, Dh], kept out of every scope; free them with `disposeKVCache`.
 */
export interface KVCache {
  k: Tensor | null;
  v: Tensor | null;
  length: number;
}

export function emptyKVCache(): KVCache {
  return { k: null, v: null, length: 0 };
}

export function disposeKVCache(c: KVCache): void {
  c.k?.dispose();
  c.v?.dispose();
  c.k = null;
  c.v = null;
  c.length = 0;
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
    const { q, k } = this.rotated(qkv, b, s, 0);
    const v = qkv.slice(0, 2, 3).reshape([b, h, s, dh]);
    const o = ops.attention(q, k, v, m);
    return this.out.forward(o.permute([0, 2, 1, 3]).reshape([b, s, d]));
  }

  /** q and k [b, h, s, dh] from qkv [3, b, h, s, dh], rotated together (one set of dispatches for both). */
  private rotated(qkv: Tensor, b: number, s: number, offset: number): { q: Tensor; k: Tensor } {
    const h = this.heads;
    const dh = this.dim / h;
    if (!this.rotary)
      return { q: qkv.slice(0, 0, 1).reshape([b, h, s, dh]), k: qkv.slice(0, 1, 2).reshape([b, h, s, dh]) };
    const qk = this.rotary.apply(qkv.slice(0, 0, 2).reshape([2 * b, h, s, dh]), { offset });
    return { q: qk.slice(0, 0, b), k: qk.slice(0, b, 2 * b) };
  }

  /**
   * Attention of x's s new rows (positions cache.length … cache.length + s − 1) over the cached keys and
   * values and their own; appends their keys and values to the cache. Equals rows of forward() over the
   * whole sequence when the mask (here [s, length + s] or [B, s, length + s]; none: every key) matches.
   * For inference: the cache holds no gradient history.
   */
  forwardCached(x: Tensor, cache: KVCache, m: AttentionMask = {}): Tensor {
    const [b, s, d] = x.shape;
    const h = this.heads;
    const dh = d / h;
    const offset = cache.length;
    if (cache.k && (cache.k.shape[0] !== b || cache.k.shape[2] !== offset))
      throw new RangeError(
        `MultiHeadAttention.forwardCached: the cache holds [${cache.k.shape.join(', ')}] for length ${offset}, the input is [${x.shape.join(', ')}]`,
      );
    const { out, k, v } = tidy(() => {
      const qkv = this.qkv.forward(x).reshape([b, s, 3, h, dh]).permute([2, 0, 3, 1, 4]);
      const { q, k: kn } = this.rotated(qkv, b, s, offset);
      const vn = qkv.slice(0, 2, 3).reshape([b, h, s, dh]);
      const kAll = cache.k ? ops.concat([cache.k, kn], 2) : kn.contiguous().clone();
      const vAll = cache.v ? ops.concat([cache.v, vn], 2) : vn.contiguous().clone();
      const o = ops.attention(q, kAll, vAll, m);
      return { out: this.out.forward(o.permute([0, 2, 1, 3]).reshape([b, s, d])), k: kAll, v: vAll };
    });
    cache.k?.dispose();
    cache.v?.dispose();
    cache.k = keep(k);
    cache.v = keep(v);
    cache.length = offset + s;
    return out;
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
