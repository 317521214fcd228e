// The convolutional encoder and decoder (the VQGAN / MAGVIT layout without attention): residual blocks of
// GroupNorm -> SiLU -> 3x3 conv, a strided 3x3 conv to halve the resolution, nearest upsampling + 3x3 conv
// to double it. One `CodecConfig` describes both halves.
import { Conv2d, GroupNorm, type InitRng, Module, Upsample } from '@unif2ace/nn';
import type { Tensor } from '@unif2ace/tensor';

export interface CodecConfig {
  /** Input and output image side in pixels (square RGB images). */
  imageSize: number;
  /**
   * Side of the non-overlapping patches the encoder's stem embeds (a p x p conv with stride p) and the
   * decoder's head unfolds (conv to 3 p^2 channels, then depth-to-space). 1: a plain 3x3 conv at full
   * resolution. 2 halves the resolution the convs run at, for a quarter of their cost.
   */
  patchSize: number;
  /** Channels of the first level; level i has `channels * channelMult[i]`. */
  channels: number;
  /** One entry per resolution level; the image is downsampled by 2^(levels - 1). */
  channelMult: number[];
  /** Residual blocks per level (encoder and decoder). */
  resBlocks: number;
  /** GroupNorm groups (must divide every level's channels). */
  groups: number;
  /** Channels of the latent the quantizer sees. */
  latentChannels: number;
  /**
   * Decoder only: channels of its first (full-resolution) level, default `channels`. The decoder does the
   * detail work (it turns ~10 bits per code back into a p·2^(L-1) square of pixels), so it may be wider than
   * the encoder.
   */
  decoderChannels?: number;
  /** Decoder only: residual blocks per level, default `resBlocks`. */
  decoderResBlocks?: number;
}

/** Image side / code-grid side. */
export const downFactor = (c: CodecConfig) => c.patchSize * 2 ** (c.channelMult.length - 1);

export function validateCodecConfig(c: CodecConfig, where = 'codec config'): void {
  const int = (v: unknown, name: string, min = 1) => {
    if (!Number.isInteger(v) || (v as number) < min)
      throw new RangeError(`${where}: ${name} must be an integer >= ${min}, got ${JSON.stringify(v)}`);
  };
  int(c.imageSize, 'imageSize', 4);
  int(c.patchSize, 'patchSize');
  int(c.channels, 'channels');
  int(c.resBlocks, 'resBlocks', 0);
  int(c.groups, 'groups');
  int(c.latentChannels, 'latentChannels');
  if (c.decoderChannels !== undefined) int(c.decoderChannels, 'decoderChannels');
  if (c.decoderResBlocks !== undefined) int(c.decoderResBlocks, 'decoderResBlocks', 0);
  if (!Array.isArray(c.channelMult) || c.channelMult.length === 0)
    throw new RangeError(
      `${where}: channelMult must be a non-empty array, got ${JSON.stringify(c.channelMult)}`,
    );
  c.channelMult.forEach((m, i) => {
    int(m, `channelMult[${i}]`);
    for (const [who, C] of [
      ['', c.channels],
      ['decoder ', c.decoderChannels ?? c.channels],
    ] as const)
      if ((C * m) % c.groups !== 0)
        throw new RangeError(
          `${where}: ${who}level ${i} has ${C * m} channels, not divisible by groups ${c.groups}`,
        );
  });
  if (c.imageSize % downFactor(c) !== 0)
    throw new RangeError(
      `${where}: imageSize ${c.imageSize} is not divisible by the downsampling factor ${downFactor(c)}`,
    );
}

/** [B, C p^2, h, w] -> [B, C, h p, w p] (pixel shuffle; channel c p^2 + i p + j goes to offset (i, j)). */
export function depthToSpace(x: Tensor, p: number): Tensor {
  if (p === 1) return x;
  const [B, Cpp, h, w] = x.shape;
  const C = Cpp / (p * p);
  return x
    .reshape([B, C, p, p, h, w])
    .permute([0, 1, 4, 2, 5, 3])
    .contiguous()
    .reshape([B, C, h * p, w * p]);
}

/** GroupNorm -> SiLU -> conv3x3, twice, plus the (1x1-projected where channels change) input. */
export class ResBlock extends Module {
  norm1: GroupNorm;
  conv1: Conv2d;
  norm2: GroupNorm;
  conv2: Conv2d;
  skip: Conv2d | null;
  constructor(cin: number, cout: number, groups: number, rng?: InitRng) {
    super();
    this.norm1 = new GroupNorm(groups, cin);
    this.conv1 = new Conv2d(cin, cout, 3, { padding: 1, rng });
    this.norm2 = new GroupNorm(groups, cout);
    this.conv2 = new Conv2d(cout, cout, 3, { padding: 1, rng });
    this.skip = cin === cout ? null : new Conv2d(cin, cout, 1, { rng });
  }
  forward(x: Tensor): Tensor {
    const h = this.conv1.forward(this.norm1.forward(x).silu());
    const y = this.conv2.forward(this.norm2.forward(h).silu());
    return (this.skip ? this.skip.forward(x) : x).add(y);
  }
}

/** Images [B, 3, H, W] in [-1, 1] -> latents [B, latentChannels, H / f, W / f]. */
export class Encoder extends Module {
  convIn: Conv2d;
  blocks: Module[];
  normOut: GroupNorm;
  convOut: Conv2d;
  constructor(readonly config: CodecConfig) {
    super();
    validateCodecConfig(config);
    const { channels: C, channelMult: mult, resBlocks, groups } = config;
    const p = config.patchSize;
    this.convIn =
      p === 1 ? new Conv2d(3, C * mult[0], 3, { padding: 1 }) : new Conv2d(3, C * mult[0], p, { stride: p });
    this.blocks = [];
    let ch = C * mult[0];
    mult.forEach((m, level) => {
      for (let r = 0; r < resBlocks; r++) {
        this.blocks.push(new ResBlock(ch, C * m, groups));
        ch = C * m;
      }
      if (level < mult.length - 1) this.blocks.push(new Conv2d(ch, ch, 3, { stride: 2, padding: 1 }));
    });
    this.normOut = new GroupNorm(groups, ch);
    this.convOut = new Conv2d(ch, config.latentChannels, 1);
  }
  forward(x: Tensor): Tensor {
    const s = this.config.imageSize;
    if (x.rank !== 4 || x.shape[1] !== 3 || x.shape[2] !== s || x.shape[3] !== s)
      throw new RangeError(`Encoder: expected images [B, 3, ${s}, ${s}], got [${x.shape.join(', ')}]`);
    let h = this.convIn.forward(x);
    for (const b of this.blocks) h = b.forward(h);
    return this.convOut.forward(this.normOut.forward(h).silu());
  }
}

/** Quantized latents [B, latentChannels, h, w] -> images [B, 3, h * f, w * f] (unbounded; clamp to [-1, 1]). */
export class Decoder extends Module {
  convIn: Conv2d;
  blocks: Module[];
  normOut: GroupNorm;
  convOut: Conv2d;
  constructor(readonly config: CodecConfig) {
    super();
    validateCodecConfig(config);
    const { channelMult: mult, groups } = config;
    const C = config.decoderChannels ?? config.channels;
    const resBlocks = config.decoderResBlocks ?? config.resBlocks;
    let ch = C * mult[mult.length - 1];
    this.convIn = new Conv2d(config.latentChannels, ch, 3, { padding: 1 });
    this.blocks = [];
    for (let level = mult.length - 1; level >= 0; level--) {
      for (let r = 0; r < resBlocks; r++) {
        this.blocks.push(new ResBlock(ch, C * mult[level], groups));
        ch = C * mult[level];
      }
      if (level > 0) this.blocks.push(new Upsample(2), new Conv2d(ch, ch, 3, { padding: 1 }));
    }
    this.normOut = new GroupNorm(groups, ch);
    const p = config.patchSize;
    this.convOut = new Conv2d(ch, 3 * p * p, 3, { padding: 1 });
  }
  forward(zq: Tensor): Tensor {
    let h = this.convIn.forward(zq);
    for (const b of this.blocks) h = b.forward(h);
    return depthToSpace(this.convOut.forward(this.normOut.forward(h).silu()), this.config.patchSize);
  }
}
