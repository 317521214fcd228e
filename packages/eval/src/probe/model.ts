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
  /** Same-resolution convs as residual blocks (x + block(x)); absent = false (the first shipped probe). */
  residual?: boolean;
  /**
   * Downsampling convs with a 1x1 stride-2 projection shortcut (proj(x) + block(x)), so every block is
   * residual; absent = false.
   */
  shortcuts?: boolean;
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

/** A downsampling block's shortcut: 1x1 stride-2 conv (indexed like the blocks; null where none). */
export class Shortcut extends Module {
  conv: Conv2d;
  constructor(cin: number, cout: number) {
    super();
    this.conv = new Conv2d(cin, cout, 1, { stride: 2, padding: 0 });
  }
  forward(x: Tensor): Tensor {
    return this.conv.forward(x);
  }
}

export class ProbeNet extends Module {
  blocks: ConvBlock[];
  /** Per block, whether it adds its input (a same-resolution block of a residual net). */
  private readonly skip: boolean[];
  /** Projection shortcuts of the downsampling blocks (config.shortcuts), in block order. */
  shortcuts: Shortcut[];
  /** Per block, the index of its shortcut in `shortcuts` (-1: none); not modules, so not registered twice. */
  private readonly shortcutOf: number[];
  /** Per block, whether it is a stage's downsampling block (its input is the previous stage's output). */
  private readonly startsStage: boolean[];
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
    this.skip = [false];
    this.shortcuts = [];
    this.shortcutOf = [-1];
    this.startsStage = [false];
    let side = stemStride === 2 ? Math.floor(size / 2) : size;
    for (let i = 1; i < channels.length; i++) {
      this.blocks.push(new ConvBlock(channels[i - 1], channels[i], 2, groups));
      this.skip.push(false);
      this.startsStage.push(true);
      const sc = config.shortcuts === true ? new Shortcut(channels[i - 1], channels[i]) : null;
      this.shortcutOf.push(sc ? this.shortcuts.push(sc) - 1 : -1);
      side = Math.floor((side - 1) / 2) + 1;
      for (let d = 0; d < depth; d++) {
        this.blocks.push(new ConvBlock(channels[i], channels[i], 1, groups));
        this.skip.push(config.residual === true);
        this.shortcutOf.push(-1);
        this.startsStage.push(false);
      }
    }
    this.spatial = side;
    this.fc = new Linear(channels[channels.length - 1] * side * side, features);
    this.head = new Linear(features, outputs);
  }
  /**
   * [B, 3, size, size] -> each resolution's last activation: the stem's, then every stage's ([B, C, h, w], one
   * per entry of `channels`). A perceptual loss compares these between two images.
   */
  stages(x: Tensor): Tensor[] {
    const { size } = this.config;
    if (x.rank !== 4 || x.shape[1] !== 3 || x.shape[2] !== size || x.shape[3] !== size)
      throw new RangeError(
        `FaceProbe: expected images [B, 3, ${size}, ${size}], got [${x.shape.join(', ')}]`,
      );
    const out: Tensor[] = [];
    let y = x;
    this.blocks.forEach((b, i) => {
      const k = this.shortcutOf[i];
      if (this.startsStage[i]) out.push(y);
      y = this.skip[i]
        ? y.add(b.forward(y))
        : k >= 0
          ? this.shortcuts[k].forward(y).add(b.forward(y))
          : b.forward(y);
    });
    out.push(y);
    return out;
  }
  /** [B, 3, size, size] -> features [B, F] (after SiLU). */
  features(x: Tensor): Tensor {
    return this.featuresOf(this.stages(x).at(-1) as Tensor);
  }
  /** The last stage's activation (the end of `stages`) -> features [B, F]. */
  featuresOf(last: Tensor): Tensor {
    return this.fc.forward(last.reshape([last.shape[0], -1])).silu();
  }
  /** The last stage's activation -> logits [B, outputs] (one pass of `stages` can serve both). */
  logitsOf(last: Tensor): Tensor {
    return this.head.forward(this.featuresOf(last));
  }
  /** [B, 3, size, size] -> logits [B, outputs]. */
  forward(x: Tensor): Tensor {
    return this.logitsOf(this.stages(x).at(-1) as Tensor);
  }
}
