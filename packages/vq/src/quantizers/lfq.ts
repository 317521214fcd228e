// Lookup-free quantization (LFQ). Yu et al., "Language Model Beats Diffusion -- Tokenizer is Key to Visual
// Generation" (MAGVIT-v2), arXiv 2310.05737 (ICLR 2024), section 3.1.
//
// Each of the D latent channels is quantized to one bit; the codebook is the 2^D corners of {-1, 1}^D:
//   q_i  = sign(z_i) (zero goes to -1),   code = sum_i [z_i > 0] 2^i,   zq = z + sg(q - z)
// An entropy penalty keeps every code in use while making each assignment confident. With the soft
// assignment of a latent to the codes c in {-1, 1}^D,
//   p(c | z) = softmax_c(-||z - c||^2 / tau) = softmax_c(2 z.c / tau)
// the per-sample entropy is E_z[H(p(. | z))] (small: each latent sits near one corner) and the batch
// (codebook) entropy is H(E_z[p(. | z)]) (large: the batch spreads over all corners):
//   L_entropy = E_z[H(p(. | z))] - gamma * H(E_z[p(. | z)])
//   loss = entropyWeight * L_entropy + beta * mean ||z - sg(q)||^2
import { Module } from '@unif2ace/nn';
import { keep, ops, type Tensor, tensor, tidy } from '@unif2ace/tensor';
import {
  checkCodes,
  checkLatents,
  fromRows,
  type LfqConfig,
  onlyZq,
  type QuantizeResult,
  type Quantizer,
  straightThrough,
  toRows,
} from '../quantizer.js';

export class LFQ extends Module implements Quantizer {
  readonly kind = 'lfq';
  readonly dim: number;
  readonly codebookSize: number;
  readonly entropyWeight: number;
  readonly diversityGamma: number;
  readonly temperature: number;
  readonly commitment: number;
  /** The corners c [K, D] (code k: bit i of k set -> +1); a constant, not saved. */
  private readonly corners: Tensor;
  /** 2^i per channel [1, D]. */
  private readonly bits: Tensor;

  constructor(config: Omit<LfqConfig, 'kind'>) {
    super();
    const { dim } = config;
    if (!Number.isInteger(dim) || dim < 1 || dim > 16)
      throw new RangeError(`LFQ: dim must be an integer in [1, 16] (2^dim codes), got ${dim}`);
    this.dim = dim;
    this.codebookSize = 2 ** dim;
    this.entropyWeight = config.entropyWeight ?? 0.1;
    this.diversityGamma = config.diversityGamma ?? 1;
    this.temperature = config.temperature ?? 1;
    this.commitment = config.commitment ?? 0.25;
    const K = this.codebookSize;
    const c = new Float32Array(K * dim);
    for (let k = 0; k < K; k++) for (let i = 0; i < dim; i++) c[k * dim + i] = (k >> i) & 1 ? 1 : -1;
    this.corners = keep(tensor(c, [K, dim]));
    this.bits = keep(
      tensor(
        Array.from({ length: dim }, (_, i) => 2 ** i),
        [1, dim],
      ),
    );
  }

  /**
   * The entropy terms of rows [N, D]: per-sample E[H(p(.|z))], codebook H(E[p(.|z)]) (nats) and
   * L_entropy = perSample - gamma * codebook.
   */
  entropy(rows: Tensor): { perSample: Tensor; codebook: Tensor; loss: Tensor } {
    return tidy(() => {
      const logits = rows.matmul(this.corners.T).mul(2 / this.temperature);
      const logp = logits.logSoftmax(1);
      const p = logp.exp();
      const perSample = p.mul(logp).sum(1).mean().neg();
      const avg = p.mean(0);
      const codebook = avg.mul(avg.add(1e-9).log()).sum().neg();
      return { perSample, codebook, loss: perSample.sub(codebook.mul(this.diversityGamma)) };
    });
  }

  quantize(z: Tensor): QuantizeResult {
    checkLatents(z, this.dim, 'LFQ.quantize');
    const [B, , h, w] = z.shape;
    return tidy(() => {
      const rows = toRows(z);
      const positive = rows.gt(0).cast('f32');
      const q = positive.mul(2).sub(1);
      const codes = positive.mul(this.bits).sum(1).cast('i32').reshape([B, h, w]);
      const ent = this.entropy(rows);
      const commit = rows.sub(q).square().mean();
      const loss = ent.loss.mul(this.entropyWeight).add(commit.mul(this.commitment));
      return {
        codes,
        zq: fromRows(straightThrough(rows, q), B, h, w),
        loss,
        stats: {
          perSampleEntropy: ent.perSample.detach(),
          codebookEntropy: ent.codebook.detach(),
          commitment: commit.detach(),
        },
      };
    });
  }

  forward(z: Tensor): Tensor {
    return onlyZq(this.quantize(z));
  }

  codesToLatents(codes: Tensor): Tensor {
    checkCodes(codes, this.codebookSize, 'LFQ.codesToLatents');
    const [B, h, w] = codes.shape;
    // code k's corner is row k of the corner table
    return tidy(() => fromRows(ops.indexSelect(this.corners, 0, codes.reshape([B * h * w])), B, h, w));
  }

  quantizerConfig(): LfqConfig {
    return {
      kind: 'lfq',
      dim: this.dim,
      entropyWeight: this.entropyWeight,
      diversityGamma: this.diversityGamma,
      temperature: this.temperature,
      commitment: this.commitment,
    };
  }

  disposeConstants(): void {
    for (const t of [this.corners, this.bits]) if (!t.disposed) t.dispose();
  }

  override dispose(): void {
    super.dispose();
    this.disposeConstants();
  }
}
