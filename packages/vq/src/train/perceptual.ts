// Perceptual loss (Johnson et al. 2016; LPIPS, Zhang et al. 2018, without its learned per-channel weights):
//
//   d(x', x) = sum over stages s of  mean over (b, h, w) of  || n(phi_s(x')) - n(phi_s(x)) ||^2,
//   n(v) = v / sqrt(||v||^2 + eps)   (each position's channel vector scaled to unit length)
//
// phi_s: the activations of a frozen face-attribute network (a FaceProbe's ProbeNet) at the end of each of its
// resolutions. MSE counts every pixel alike; this counts what an attribute classifier's features see (a brow's
// line, an iris's colour, the corner of a mouth). The network is never the one that judges the tokenizer: use a
// probe trained on other faces, from other random weights (vq's README says which).
//
// The attribute term asks the same network's attribute heads to read the reconstruction as they read the
// original — knowledge distillation (Hinton et al. 2015) from the original to its reconstruction:
//
//   a(x', x) = mean over heads h of  mean over b of  KL( softmax(l_h(x)) || softmax(l_h(x')) ),
//
// l_h: head h's logits (its own columns of the network's logits row, softmax over that head's classes).
import { FaceProbe, type HeadLayout, headLayout, type ProbeNet } from '@unif2ace/eval';
import { noGrad, ops, type Tensor } from '@unif2ace/tensor';

const EPS = 1e-10;

/** Each position's channel vector of [B, C, H, W] scaled to unit length. */
function unitChannels(y: Tensor): Tensor {
  return y.mul(y.square().sum(1, true).add(EPS).rsqrt());
}

export interface PerceptualTerms {
  /** The feature distance d (null when not asked for). */
  distance: Tensor | null;
  /** The attribute divergence a (null when not asked for). */
  attributes: Tensor | null;
}

export class PerceptualLoss {
  constructor(
    readonly net: ProbeNet,
    readonly layout: HeadLayout = headLayout(),
  ) {
    if (net.config.outputs !== layout.width)
      throw new RangeError(
        `perceptual: the network has ${net.config.outputs} outputs, the head layout ${layout.width} columns`,
      );
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
    return this.terms(recon, target, { distance: true }).distance as Tensor;
  }

  /** The attribute divergence above as a scalar; gradients reach `recon` only. */
  attributeDivergence(recon: Tensor, target: Tensor): Tensor {
    return this.terms(recon, target, { attributes: true }).attributes as Tensor;
  }

  /** Both terms from one pass of the network over each image (a training step wants both). */
  terms(recon: Tensor, target: Tensor, want: { distance?: boolean; attributes?: boolean }): PerceptualTerms {
    if (recon.shape.join() !== target.shape.join())
      throw new RangeError(
        `perceptual: recon [${recon.shape.join(', ')}] and target [${target.shape.join(', ')}] differ in shape`,
      );
    if (!want.distance && !want.attributes) return { distance: null, attributes: null };
    const ref = noGrad(() => {
      const s = this.net.stages(target);
      return {
        units: want.distance ? s.map(unitChannels) : [],
        logits: want.attributes ? this.net.logitsOf(s.at(-1) as Tensor) : null,
      };
    });
    const stages = this.net.stages(recon);
    let distance: Tensor | null = null;
    if (want.distance)
      for (let s = 0; s < stages.length; s++) {
        // sum over channels, mean over batch and positions
        const d = unitChannels(stages[s]).sub(ref.units[s]).square().sum(1).mean();
        distance = distance ? distance.add(d) : d;
      }
    let attributes: Tensor | null = null;
    if (ref.logits) {
      const got = this.net.logitsOf(stages.at(-1) as Tensor);
      for (const h of this.layout.heads) {
        const end = h.offset + h.classes.length;
        const logP = noGrad(() => ops.logSoftmax((ref.logits as Tensor).slice(1, h.offset, end)));
        const kl = logP
          .exp()
          .mul(logP.sub(ops.logSoftmax(got.slice(1, h.offset, end))))
          .sum(1)
          .mean();
        attributes = attributes ? attributes.add(kl) : kl;
      }
      attributes = (attributes as Tensor).div(this.layout.heads.length);
    }
    return { distance, attributes };
  }

  /** Frees the network's weights. */
  dispose(): void {
    this.net.dispose();
  }
}
