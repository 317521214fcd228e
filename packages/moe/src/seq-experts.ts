// Built-in sequence-level experts (docs/architecture.md, two-level MoE), registered under their names at level 'sequence':
//   copy  the identity;                      zero   outputs 0;
//   noise scaled Gaussian noise (std, default 0.1) while training, 0 in eval (a regulariser);
//   clip  x + a projection of a global image feature F(context) [B, featureDim] (CLIP-like);
//   face  w·x + (1 − w)·R(F(context)), F(context) [B, n, featureDim] a few face-feature tokens and R a small
//         resampler (cross-attention from the sequence to the projected feature tokens), w = sigmoid(a learned
//         scalar).
// F is pluggable: options.features(context) returns the features for the whole batch; by default they are
// read from the context object (`context.clip`, `context.face`). We ship no CLIP or face-recognition weights:
// the caller plugs in any feature extractor (e.g. pooled VQ-encoder features, a face-attribute network).
import { Linear, Module } from '@unif2ace/nn';
import { keep, noGrad, ops, type Tensor, tensor, tidy } from '@unif2ace/tensor';
import { type ExpertContext, registerExpert, type SequenceExpert, type SequenceInput } from './registry.js';

export type FeatureFn = (context: unknown) => Tensor;

/** The per-batch features of `key`, from options.features or context[key], with a clear error. */
function featuresOf(name: string, key: string, fn: FeatureFn | undefined, input: SequenceInput): Tensor {
  const f = fn ? fn(input.context) : (input.context as Record<string, Tensor> | undefined)?.[key];
  if (!f) {
    throw new Error(
      `sequence expert '${name}': no features — pass route(x, groups, { context: { ${key}: features } }) or expertOptions.${name}.features`,
    );
  }
  return f;
}

/** Rows of the batch-first features for the sequences this expert sees (input.rows; all when absent). */
function pick(f: Tensor, input: SequenceInput): Tensor {
  return input.rows ? ops.indexSelect(f, 0, input.rows) : f;
}

export class CopyExpert extends Module implements SequenceExpert {
  forward(x: Tensor): Tensor {
    return x;
  }
}

export class ZeroExpert extends Module implements SequenceExpert {
  forward(x: Tensor): Tensor {
    return x.mul(0);
  }
}

export class NoiseExpert extends Module implements SequenceExpert {
  constructor(readonly std = 0.1) {
    super();
  }
  forward(x: Tensor, input: SequenceInput): Tensor {
    if (!input.training) return x.mul(0);
    return ops.randomNormal(x.shape, { std: this.std, backend: x.backend.name });
  }
}

export class ClipExpert extends Module implements SequenceExpert {
  proj: Linear;
  constructor(
    readonly dim: number,
    readonly featureDim: number,
    readonly features?: FeatureFn,
    ctx?: ExpertContext,
  ) {
    super();
    this.proj = new Linear(featureDim, dim, { rng: ctx?.rng });
  }
  forward(x: Tensor, input: SequenceInput): Tensor {
    const f = pick(featuresOf('clip', 'clip', this.features, input), input);
    if (f.rank !== 2 || f.shape[1] !== this.featureDim || f.shape[0] !== x.shape[0]) {
      throw new RangeError(
        `sequence expert 'clip': features must be [B, ${this.featureDim}] for ${x.shape[0]} sequences, got [${f.shape.join(', ')}]`,
      );
    }
    return x.add(this.proj.forward(f).reshape([x.shape[0], 1, this.dim]));
  }
}

export class FaceExpert extends Module implements SequenceExpert {
  proj: Linear;
  q: Linear;
  kv: Linear;
  out: Linear;
  /** w = sigmoid(mix): the share of the input kept. */
  mix: Tensor;
  constructor(
    readonly dim: number,
    readonly featureDim: number,
    readonly features?: FeatureFn,
    ctx?: ExpertContext,
  ) {
    super();
    const rng = ctx?.rng;
    this.proj = new Linear(featureDim, dim, { rng });
    this.q = new Linear(dim, dim, { rng, bias: false });
    this.kv = new Linear(dim, 2 * dim, { rng, bias: false });
    this.out = new Linear(dim, dim, { rng });
    this.mix = this.param(tensor([2])); // w ≈ 0.88 at init: mostly the input
  }
  /** Keys and values of the resampler over fixed features (cacheFeatures), kept until cleared. */
  private cached: { k: Tensor; v: Tensor } | null = null;

  /** The resampler's keys and values [B, 1, n, D] of features f [B, n, featureDim]. */
  private keysValues(f: Tensor, B: number): { k: Tensor; v: Tensor } {
    if (f.rank !== 3 || f.shape[2] !== this.featureDim || f.shape[0] !== B) {
      throw new RangeError(
        `sequence expert 'face': features must be [B, n, ${this.featureDim}] for ${B} sequences, got [${f.shape.join(', ')}]`,
      );
    }
    const n = f.shape[1];
    const D = this.dim;
    const kv = this.kv.forward(this.proj.forward(f)).reshape([B, n, 2, D]);
    return { k: kv.slice(2, 0, 1).reshape([B, 1, n, D]), v: kv.slice(2, 1, 2).reshape([B, 1, n, D]) };
  }

  /**
   * Inference over fixed features (decoding token by token): compute the resampler's keys and values of
   * `features` [B, n, featureDim] once; later forward() calls reuse them instead of reading the features
   * (their x must hold the same B sequences). null frees them. No gradient flows through cached values.
   */
  cacheFeatures(features: Tensor | null): void {
    if (this.cached) {
      this.cached.k.dispose();
      this.cached.v.dispose();
      this.cached = null;
    }
    if (!features) return;
    const { k, v } = noGrad(() =>
      tidy(() => {
        const kv = this.keysValues(features, features.shape[0]);
        return { k: kv.k.contiguous(), v: kv.v.contiguous() };
      }),
    );
    this.cached = { k: keep(k), v: keep(v) };
  }

  forward(x: Tensor, input: SequenceInput): Tensor {
    const [B, L, D] = x.shape;
    if (this.cached && this.cached.k.shape[0] !== B)
      throw new RangeError(
        `sequence expert 'face': cached features hold ${this.cached.k.shape[0]} sequences, the input ${B}`,
      );
    const { k, v } =
      this.cached ?? this.keysValues(pick(featuresOf('face', 'face', this.features, input), input), B);
    const q = this.q.forward(x).reshape([B, 1, L, D]);
    const r = this.out.forward(crossAttention(q, k, v).reshape([B, L, D]));
    const w = this.mix.sigmoid();
    return x.mul(w).add(r.mul(w.neg().add(1)));
  }

  override dispose(): void {
    this.cacheFeatures(null);
    super.dispose();
  }
}

/** Widest head the fused attention kernel takes on WebGPU (tensor's ops.attention). */
const FUSED_HEAD_DIM = 128;

/**
 * One-head attention q [B, 1, L, D] over k, v [B, 1, n, D]: the fused kernel up to D = 128, softmax(q kᵀ/√D) v
 * composed from matmuls beyond (the expert's single head is as wide as the model, e.g. 256).
 */
function crossAttention(q: Tensor, k: Tensor, v: Tensor): Tensor {
  const [B, , L, D] = q.shape;
  const n = k.shape[2];
  if (D <= FUSED_HEAD_DIM) return ops.attention(q, k, v);
  const s = ops.matmul(q.reshape([B, L, D]), k.reshape([B, n, D]).permute([0, 2, 1])).mul(1 / Math.sqrt(D));
  return ops.matmul(ops.softmax(s, -1), v.reshape([B, n, D])).reshape([B, 1, L, D]);
}

const featureDim = (name: string, c: ExpertContext): number => {
  const d = c.options.featureDim;
  if (!Number.isInteger(d) || (d as number) < 1) {
    throw new RangeError(
      `sequence expert '${name}': needs expertOptions.${name}.featureDim (a positive integer), got ${JSON.stringify(d)}`,
    );
  }
  return d as number;
};

registerExpert('copy', () => new CopyExpert(), { level: 'sequence' });
registerExpert('zero', () => new ZeroExpert(), { level: 'sequence' });
registerExpert('noise', (c) => new NoiseExpert((c.options.std as number | undefined) ?? 0.1), {
  level: 'sequence',
});
registerExpert(
  'clip',
  (c) => new ClipExpert(c.dim, featureDim('clip', c), c.options.features as FeatureFn | undefined, c),
  { level: 'sequence' },
);
registerExpert(
  'face',
  (c) => new FaceExpert(c.dim, featureDim('face', c), c.options.features as FeatureFn | undefined, c),
  { level: 'sequence' },
);
