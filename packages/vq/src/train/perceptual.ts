// Perceptual loss (Johnson et al. 2016; LPIPS, Zhang et al. 2018, without its learned per-channel weights):
//
//   d(x', x) = sum over stages s of  mean over (b, h, w) of  || n(phi_s(x')) - n(phi_s(x)) ||^2,
//   n(v) = v / sqrt(||v||^2 + eps)   (each position's channel vector scaled to unit length)
//
// phi_s: the activations of a frozen face-attribute network (a FaceProbe's ProbeNet) at the end of each of its
// resolutions. MSE counts every pixel alike; this counts what an attribute classifier's features see (a brow's
// line, an iris's colour, the corner of a mouth). The network is never the one that judges the tokenizer: use a
// probe trained on other faces, from other random weights (vq's README says which).
import { FaceProbe, type ProbeNet } from '@unif2ace/eval';
import { noGrad, type Tensor } from '@unif2ace/tensor';

const EPS = 1e-10;

/** Each position's channel vector of [B, C, H, W] scaled to unit length. */
function unitChannels(y: Tensor): Tensor {
  return y.mul(y.square().sum(1, true).add(EPS).rsqrt());
}

export class PerceptualLoss {
  constructor(readonly net: ProbeNet) {
    net.freeze();
    net.eval();
  }

  /** The network of a FaceProbe folder (config.json + model.safetensors). */
  static async load(dir: string): Promise<PerceptualLoss> {
    return new PerceptualLoss((await FaceProbe.load(dir)).net);
  }

  get imageSize(): number {
    return this.net.config.size;
  }

  /**
   * The distance above as a scalar; gradients reach `recon` only (`target`'s activations are computed without a
   * graph). Both [B, 3, size, size] in [-1, 1].
   */
  distance(recon: Tensor, target: Tensor): Tensor {
    if (recon.shape.join() !== target.shape.join())
      throw new RangeError(
        `perceptual: recon [${recon.shape.join(', ')}] and target [${target.shape.join(', ')}] differ in shape`,
      );
    const want = noGrad(() => this.net.stages(target).map(unitChannels));
    const got = this.net.stages(recon).map(unitChannels);
    let total: Tensor | null = null;
    for (let s = 0; s < got.length; s++) {
      // sum over channels, mean over batch and positions
      const d = got[s].sub(want[s]).square().sum(1).mean();
      total = total ? total.add(d) : d;
    }
    return total as Tensor;
  }

  /** Frees the network's weights. */
  dispose(): void {
    this.net.dispose();
  }
}
