// FaceProbe's network: a small CNN (3x3 Conv2d -> GroupNorm -> SiLU blocks, stride-2 downsampling per
// stage), a flattened linear layer to F features (the penultimate layer, used for Frechet distance), and
// one linear layer holding every attribute head's logits.
import { Conv2d, GroupNorm, Linear, Module } from '@unif2ace/nn';
import type { Tensor } from '@unif2ace/tensor';

export interface ProbeNetConfig {
  /** Input side in pixels (square images). */
  size: number;
  /** Channels of the stem, then of each stride-2 stage (a downsampling conv + `depth` convs each). */
  channels: number[];
  /** The stem: 3x3 stride 1 (full resolution) or 4x4 stride 2 (half resolution, a quarter of the cost). */
  stemStride: 1 | 2;
  /** Same-resolution 3x3 convs after each stage's downsampling conv. */
  depth: number;
  /** Feature width (penultimate layer). */
  features: number;
  /** GroupNorm groups (must divide every channel count). */
  groups: number;
  /** Logits columns (the head layout's width). */
  outputs: number;
}

export class ConvBlock extends Module {
  conv: Conv2d;
  norm: GroupNorm;
  constructor(cin: number, cout: number, stride: number, groups: number, kernel = 3) {
    super();
    this.conv = new Conv2d(cin, cout, kernel, { stride, padding: 1 });
    this.norm = new GroupNorm(groups, cout);
  }
  forward(x: Tensor): Tensor {
    return this.norm.forward(this.conv.forward(x)).silu();
  }
}

export class ProbeNet extends Module {
  blocks: ConvBlock[];
  fc: Linear;
  head: Linear;
  readonly spatial: number;
  constructor(readonly config: ProbeNetConfig) {
    super();
    const { size, channels, features, groups, outputs, stemStride, depth } = config;
    if (!Number.isInteger(size) || size < 8)
      throw new RangeError(`ProbeNet: size ${size} must be an integer >= 8`);
    if (channels.length < 2)
      throw new RangeError('ProbeNet: channels needs a stem width and at least one stage');
    for (const c of channels)
      if (!Number.isInteger(c) || c % groups !== 0)
        throw new RangeError(`ProbeNet: channel count ${c} is not a multiple of groups = ${groups}`);
    if (stemStride !== 1 && stemStride !== 2)
      throw new RangeError(`ProbeNet: stemStride ${stemStride} must be 1 or 2`);
    if (!Number.isInteger(depth) || depth < 0)
      throw new RangeError(`ProbeNet: depth ${depth} must be an integer >= 0`);
    this.blocks = [new ConvBlock(3, channels[0], stemStride, groups, stemStride === 2 ? 4 : 3)];
    let side = stemStride === 2 ? Math.floor(size / 2) : size;
    for (let i = 1; i < channels.length; i++) {
      this.blocks.push(new ConvBlock(channels[i - 1], channels[i], 2, groups));
      side = Math.floor((side - 1) / 2) + 1;
      for (let d = 0; d < depth; d++) this.blocks.push(new ConvBlock(channels[i], channels[i], 1, groups));
    }
    this.spatial = side;
    this.fc = new Linear(channels[channels.length - 1] * side * side, features);
    this.head = new Linear(features, outputs);
  }
  /** [B, 3, size, size] -> features [B, F] (after SiLU). */
  features(x: Tensor): Tensor {
    const { size } = this.config;
    if (x.rank !== 4 || x.shape[1] !== 3 || x.shape[2] !== size || x.shape[3] !== size)
      throw new RangeError(
        `FaceProbe: expected images [B, 3, ${size}, ${size}], got [${x.shape.join(', ')}]`,
      );
    let y = x;
    for (const b of this.blocks) y = b.forward(y);
    return this.fc.forward(y.reshape([x.shape[0], -1])).silu();
  }
  /** [B, 3, size, size] -> logits [B, outputs]. */
  forward(x: Tensor): Tensor {
    return this.head.forward(this.features(x));
  }
}
