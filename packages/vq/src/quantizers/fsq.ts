// Finite Scalar Quantization (FSQ). Mentzer, Minnen, Agustsson, Tschannen, "Finite Scalar Quantization:
// VQ-VAE Made Simple", arXiv 2309.15505 (ICLR 2024).
//
// Each of the D latent channels is bounded and rounded to one of L_i levels; the code is the mixed-radix
// number of the digits, so the codebook is implicit (size prod_i L_i) and cannot collapse:
//   h_i    = (L_i - 1)(1 + eps) / 2,  o_i = 0.5 if L_i is even else 0,  s_i = atanh(o_i / h_i)
//   b_i(z) = h_i tanh(z_i + s_i) - o_i                 (values in (-h_i - o_i, h_i - o_i))
//   q_i    = round(b_i) / floor(L_i / 2)                (STE: the gradient of b_i passes through round)
//   digit_i = round(b_i) + floor(L_i / 2)  in [0, L_i),  code = sum_i digit_i * prod_{j<i} L_j
// There is no auxiliary loss in the paper. `codeEntropy` is an optional training-time term (the trainer's
// --code-entropy-weight) that carries LFQ's entropy penalty over to FSQ: each bounded channel is softly
// assigned to its levels v_j = j - floor(L_i / 2) by p_i(j | z) = softmax_j(-(b_i(z) - v_j)^2 / tau); the
// code's soft assignment is the product over channels, so
//   perSample = E_z[sum_i H(p_i(. | z))]          (small: every channel sits near one level)
//   codebook  = H(E_z[prod_i p_i(. | z)])          (large: the batch spreads over all prod L_i codes)
//   L_entropy = perSample - codebook
// The batch average of the product is a matmul: the outer product of the first half of the channels,
// transposed, times the outer product of the second half, over N.
import { Module } from '@unif2ace/nn';
import { ops, type Tensor, tensor, tidy } from '@unif2ace/tensor';
import {
  checkCodes,
  checkLatents,
  type FsqConfig,
  fromRows,
  onlyZq,
  type QuantizeResult,
  type Quantizer,
  straightThrough,
  toRows,
} from '../quantizer.js';

const EPS = 1e-3;

export class FSQ extends Module implements Quantizer {
  readonly kind = 'fsq';
  readonly dim: number;
  readonly codebookSize: number;
  readonly levels: number[];
  /** prod_{j<i} L_j per channel. */
  readonly basis: number[];
  constructor(config: Omit<FsqConfig, 'kind'>) {
    super();
    const { levels } = config;
    if (!Array.isArray(levels) || levels.length === 0 || levels.some((l) => !Number.isInteger(l) || l < 2))
      throw new RangeError(`FSQ: levels must be integers >= 2, got ${JSON.stringify(levels)}`);
    this.levels = [...levels];
    this.dim = levels.length;
    this.basis = levels.map((_, i) => levels.slice(0, i).reduce((p, l) => p * l, 1));
    this.codebookSize = levels.reduce((p, l) => p * l, 1);
    if (this.codebookSize > 2 ** 20) throw new RangeError(`FSQ: ${this.codebookSize} codes exceed 2^20`);
  }

  private row(values: number[]): Tensor {
    return tensor(values, [1, this.dim]);
  }

  /** b(z) per channel, rows [N, D]. */
  bound(rows: Tensor): Tensor {
    const half = this.levels.map((l) => ((l - 1) * (1 + EPS)) / 2);
    const offset = this.levels.map((l) => (l % 2 === 0 ? 0.5 : 0));
    const shift = offset.map((o, i) => Math.atanh(o / half[i]));
    return rows.add(this.row(shift)).tanh().mul(this.row(half)).sub(this.row(offset));
  }

  /**
   * The soft-assignment entropies of rows [N, D] (nats): per-sample sum of channel entropies, the
   * codebook entropy of the batch-averaged joint assignment, and loss = perSample - codebook.
   */
  codeEntropy(rows: Tensor, temperature = 1): { perSample: Tensor; codebook: Tensor; loss: Tensor } {
    if (!(temperature > 0))
      throw new RangeError(`FSQ.codeEntropy: temperature must be > 0, got ${temperature}`);
    if (rows.rank !== 2 || rows.shape[1] !== this.dim)
      throw new RangeError(`FSQ.codeEntropy: expected rows [N, ${this.dim}], got [${rows.shape.join(', ')}]`);
    const N = rows.shape[0];
    return tidy(() => {
      const b = this.bound(rows);
      const probs: Tensor[] = [];
      let perSample = tensor(0);
      this.levels.forEach((L, i) => {
        const values = tensor(
          Array.from({ length: L }, (_, j) => j - Math.floor(L / 2)),
          [1, L],
        );
        const logp = b
          .slice(1, i, i + 1)
          .sub(values)
          .square()
          .mul(-1 / temperature)
          .logSoftmax(1);
        const p = logp.exp();
        perSample = perSample.add(p.mul(logp).sum(1).mean().neg());
        probs.push(p);
      });
      // Outer product over channels, [N, prod L] flattened (the code order does not change an entropy).
      const outer = (ps: Tensor[]) =>
        ps.reduce((acc, p) => {
          const [, a] = acc.shape;
          const [, l] = p.shape;
          return acc
            .reshape([N, a, 1])
            .mul(p.reshape([N, 1, l]))
            .reshape([N, a * l]);
        });
      const half = Math.floor(this.dim / 2);
      const avg =
        half === 0
          ? probs[0].mean(0)
          : outer(probs.slice(0, half))
              .T.matmul(outer(probs.slice(half)))
              .div(N);
      const codebook = avg.mul(avg.add(1e-9).log()).sum().neg();
      return { perSample, codebook, loss: perSample.sub(codebook) };
    });
  }

  quantize(z: Tensor): QuantizeResult {
    checkLatents(z, this.dim, 'FSQ.quantize');
    const [B, , h, w] = z.shape;
    return tidy(() => {
      const b = this.bound(toRows(z));
      const r = ops.unary('round', b);
      const halfWidth = this.row(this.levels.map((l) => Math.floor(l / 2)));
      const q = straightThrough(b, r).div(halfWidth);
      const codes = r.add(halfWidth).mul(this.row(this.basis)).sum(1).cast('i32').reshape([B, h, w]);
      return { codes, zq: fromRows(q, B, h, w), loss: tensor(0), stats: {} };
    });
  }

  /** Module forward: the quantized latents alone. */
  forward(z: Tensor): Tensor {
    return onlyZq(this.quantize(z));
  }

  codesToLatents(codes: Tensor): Tensor {
    checkCodes(codes, this.codebookSize, 'FSQ.codesToLatents');
    const [B, h, w] = codes.shape;
    return tidy(() => {
      // digit_i = floor(c / basis_i) mod L_i, taken at c + 0.5 so that no quotient lies within f32 rounding
      // of an integer: the fraction of (c + 0.5) / m is in [0.5/m, 1 - 0.5/m], the f32 error (2.5 ulp, WGSL's
      // division) below 0.35/m for codes below 2^20. (A fixed nudge, floor(c / m + 1e-3), misread code 999 of [8, 5, 5, 5]: 0.999 + 1e-3.)
      const c = codes
        .reshape([B * h * w, 1])
        .cast('f32')
        .add(0.5);
      const hi = ops.unary('floor', c.div(this.row(this.basis)));
      const above = ops.unary('floor', c.div(this.row(this.basis.map((bs, i) => bs * this.levels[i]))));
      const digits = hi.sub(above.mul(this.row(this.levels)));
      const halfWidth = this.row(this.levels.map((l) => Math.floor(l / 2)));
      return fromRows(digits.sub(halfWidth).div(halfWidth), B, h, w);
    });
  }

  quantizerConfig(): FsqConfig {
    return { kind: 'fsq', levels: [...this.levels] };
  }
}
