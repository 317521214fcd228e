// Scaled dot-product attention as one fused op (forward + backward kernels), with causal, key-padding
// and arbitrary boolean masks. The unified UniF2ace sequence mixes causal text with bidirectional image
// positions; pass that pattern as `mask` (see prefixBidirectionalMask) and it costs about what the
// visible blocks cost: fully masked key tiles are skipped.
import { registerGradient } from '../autograd/gradients.js';
import { record } from '../autograd/tape.js';
import { kernel } from '../dispatch.js';
import { tidy } from '../scope.js';
import { fmtShape } from '../shape.js';
import { type Tensor, tensor, zeros } from '../tensor.js';
import { contiguous } from './movement.js';

export interface AttentionOptions {
  /**
   * Key j is visible from query i only if j <= i + (Sk - Sq) (bottom-right aligned, i.e. plain j <= i
   * when Sq = Sk). Combines (AND) with the other masks.
   */
  causal?: boolean;
  /** i32/u32 [Sq, Sk], [1, Sq, Sk] or [B, Sq, Sk]; nonzero = query i may attend key j. */
  mask?: Tensor;
  /** i32/u32 [B, Sk]; nonzero = key j is a real token (zero: padding, never attended). */
  keyPadding?: Tensor;
  /** Multiplies QKᵀ; default 1/sqrt(Dh). */
  scale?: number;
}

const isInt = (t: Tensor) => t.dtype === 'i32' || t.dtype === 'u32';

/**
 * softmax(Q Kᵀ · scale, masked) V for q [B, H, Sq, Dh], k and v [B, H, Sk, Dh]; returns [B, H, Sq, Dh]
 * in q's dtype (f32 or f16; computed in f32). Rows with no visible key give 0 and pass no gradient.
 * Differentiable in q, k and v. On WebGPU Dh is at most 128.
 */
export function attention(q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions = {}): Tensor {
  for (const [n, t] of [
    ['q', q],
    ['k', k],
    ['v', v],
  ] as const) {
    t.live('attention');
    if (t.rank !== 4) throw new RangeError(`attention: ${n} must be [B, H, S, Dh], got ${fmtShape(t.shape)}`);
    if (t.dtype !== 'f32' && t.dtype !== 'f16')
      throw new TypeError(`attention: ${n} must be f32 or f16, got ${t.dtype}`);
  }
  const [B, H, Sq, Dh] = q.shape;
  const Sk = k.shape[2];
  const shapes = `q ${fmtShape(q.shape)}, k ${fmtShape(k.shape)}, v ${fmtShape(v.shape)}`;
  if (k.dtype !== q.dtype || v.dtype !== q.dtype) {
    throw new TypeError(`attention: q, k, v dtypes differ (${q.dtype}, ${k.dtype}, ${v.dtype})`);
  }
  if (k.shape[0] !== B || k.shape[1] !== H || k.shape[3] !== Dh || v.shape.some((d, i) => d !== k.shape[i])) {
    throw new RangeError(`attention: shapes do not match: ${shapes} (k and v must be [B, H, Sk, Dh])`);
  }
  const { mask, keyPadding, causal = false } = opts;
  if (mask) {
    mask.live('attention');
    const ok =
      isInt(mask) &&
      ((mask.rank === 2 && mask.shape[0] === Sq && mask.shape[1] === Sk) ||
        (mask.rank === 3 &&
          (mask.shape[0] === 1 || mask.shape[0] === B) &&
          mask.shape[1] === Sq &&
          mask.shape[2] === Sk));
    if (!ok) {
      throw new RangeError(
        `attention: mask must be i32/u32 [${Sq}, ${Sk}] or [1|${B}, ${Sq}, ${Sk}] for ${shapes}, got ${mask.dtype} ${fmtShape(mask.shape)}`,
      );
    }
  }
  if (keyPadding) {
    keyPadding.live('attention');
    if (
      !isInt(keyPadding) ||
      keyPadding.rank !== 2 ||
      keyPadding.shape[0] !== B ||
      keyPadding.shape[1] !== Sk
    ) {
      throw new RangeError(
        `attention: keyPadding must be i32/u32 [${B}, ${Sk}] for ${shapes}, got ${keyPadding.dtype} ${fmtShape(keyPadding.shape)}`,
      );
    }
  }
  const scale = opts.scale ?? 1 / Math.sqrt(Dh);
  if (!Number.isFinite(scale)) throw new RangeError(`attention: scale must be finite, got ${opts.scale}`);
  // Nothing to attend over (Sk = 0 or Dh = 0) or no queries: the result is all zeros.
  if (q.size === 0 || k.size === 0) return zeros(q.shape, { dtype: q.dtype, backend: q.backend.name });
  return tidy(() => {
    const qc = contiguous(q);
    const kc = contiguous(k);
    const vc = contiguous(v);
    const extra = [mask, keyPadding].filter((t): t is Tensor => !!t).map((t) => contiguous(t));
    const attrs = { causal, scale, mask: !!mask, keyPadding: !!keyPadding };
    const [out, lse, aux] = kernel('attention', [qc, kc, vc, ...extra], attrs) as unknown as Tensor[];
    return record('attention', out, [qc, kc, vc], [qc, kc, vc, out, lse, ...(aux ? [aux] : [])], attrs);
  });
}

registerGradient('attention', (g, node) => {
  const [q, k, v, out, lse, aux] = node.saved;
  const gc = contiguous(g);
  const grads = kernel('attentionBackward', [q, k, v, out, lse, gc, ...(aux ? [aux] : [])], node.attrs);
  return grads as unknown as Tensor[];
});

/**
 * The UniF2ace mixed pattern as a [S, S] u32 mask: positions below `prefix` see each other
 * bidirectionally (the image block of MMU, up to and including <|eoi|>), later positions are causal
 * (they see the whole prefix and earlier positions). prefix = 0 gives plain causal.
 */
export function prefixBidirectionalMask(S: number, prefix: number, backend?: string): Tensor {
  if (!Number.isInteger(S) || S < 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > S) {
    throw new RangeError(`prefixBidirectionalMask: need 0 <= prefix <= S, got S=${S}, prefix=${prefix}`);
  }
  const m = new Uint32Array(S * S);
  for (let i = 0; i < S; i++)
    for (let j = 0; j < S; j++) m[i * S + j] = j <= i || (i < prefix && j < prefix) ? 1 : 0;
  return tensor(m, [S, S], { dtype: 'u32', backend });
}
