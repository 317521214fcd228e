// Vector quantization with an exponential-moving-average codebook (VQ-EMA).
// van den Oord, Vinyals, Kavukcuoglu, "Neural Discrete Representation Learning", arXiv 1711.00937
// (NeurIPS 2017), EMA updates from its appendix A.1 as used in VQ-VAE-2 (Razavi et al., arXiv 1906.00446).
//
// With codebook e_1..e_K and a batch of latents z_1..z_n (rows of D channels):
//   k_i  = argmin_k ||z_i - e_k||^2,   q_i = e_{k_i},   zq_i = z_i + sg(q_i - z_i)   (straight-through)
//   loss = beta * mean ||z_i - sg(q_i)||^2                                            (commitment)
// In training, after the assignment, the codebook follows the batch instead of a gradient:
//   c_k = #{i : k_i = k},   s_k = sum_{i : k_i = k} z_i
//   N_k <- gamma N_k + (1 - gamma) c_k,    m_k <- gamma m_k + (1 - gamma) s_k
//   N~_k = (N_k + eps) / (sum_j N_j + K eps) * sum_j N_j                              (Laplace smoothing)
//   e_k = m_k / N~_k
// Initialisation (`maintain` on the first batch): k-means (Lloyd) on that batch's latents, N_k = cluster
// sizes, m_k = N_k e_k. Dead-code restarts (`maintain` afterwards): every code with N_k below
// `deadThreshold` is moved onto a latent of the current batch drawn at random (N_k = deadThreshold,
// m_k = N_k e_k), so a code the encoder has abandoned gets another chance where the data is.
import { Module } from '@unif2ace/nn';
import { noGrad, ones, ops, type Tensor, tensor, tidy, zeros } from '@unif2ace/tensor';
import {
  checkCodes,
  checkLatents,
  fromRows,
  onlyZq,
  type QuantizeResult,
  type Quantizer,
  straightThrough,
  toRows,
  type VqEmaConfig,
} from '../quantizer.js';

export class VectorQuantizerEMA extends Module implements Quantizer {
  readonly kind = 'vq-ema';
  readonly dim: number;
  readonly codebookSize: number;
  readonly decay: number;
  readonly commitment: number;
  readonly epsilon: number;
  readonly deadThreshold: number;
  readonly kmeansIters: number;
  /** e [K, D]. */
  embed: Tensor;
  /** N [K]: EMA cluster sizes. */
  clusterSize: Tensor;
  /** m [K, D]: EMA sums of the assigned latents. */
  embedSum: Tensor;
  /** [initialised (0/1), maintain calls]: saved with the weights so a resumed run continues exactly. */
  progress: Tensor;
  /** Codes restarted by the last `maintain` call. */
  lastRestarts = 0;

  constructor(config: Omit<VqEmaConfig, 'kind'>) {
    super();
    const { dim, codebookSize } = config;
    if (!Number.isInteger(dim) || dim < 1)
      throw new RangeError(`VectorQuantizerEMA: dim must be a positive integer, got ${dim}`);
    if (!Number.isInteger(codebookSize) || codebookSize < 2)
      throw new RangeError(`VectorQuantizerEMA: codebookSize must be an integer >= 2, got ${codebookSize}`);
    this.dim = dim;
    this.codebookSize = codebookSize;
    this.decay = config.decay ?? 0.99;
    this.commitment = config.commitment ?? 0.25;
    this.epsilon = config.epsilon ?? 1e-5;
    this.deadThreshold = config.deadThreshold ?? 1;
    this.kmeansIters = config.kmeansIters ?? 10;
    if (!(this.decay > 0 && this.decay < 1))
      throw new RangeError(`VectorQuantizerEMA: decay must be in (0, 1), got ${this.decay}`);
    this.embed = this.buffer(tensor(gaussian(codebookSize * dim, 1), [codebookSize, dim]));
    this.clusterSize = this.buffer(zeros([codebookSize]));
    this.embedSum = this.buffer(zeros([codebookSize, dim]));
    this.progress = this.buffer(zeros([2]));
  }

  /** Nearest code per row: ||z||^2 - 2 z.e + ||e||^2, argmin over codes. rows [N, D] -> i32 [N]. */
  assign(rows: Tensor): Tensor {
    return tidy(() => {
      const e = this.embed;
      const d = rows
        .square()
        .sum(1, true)
        .sub(rows.matmul(e.T).mul(2))
        .add(e.square().sum(1).reshape([1, this.codebookSize]));
      return d.argmin(1).cast('i32');
    });
  }

  quantize(z: Tensor): QuantizeResult {
    checkLatents(z, this.dim, 'VectorQuantizerEMA.quantize');
    const [B, , h, w] = z.shape;
    return tidy(() => {
      const rows = toRows(z);
      const codes = noGrad(() => this.assign(rows));
      const q = ops.indexSelect(this.embed, 0, codes);
      const loss = rows.sub(q).square().mean().mul(this.commitment);
      if (this.training) noGrad(() => this.emaUpdate(rows.detach(), codes));
      return {
        codes: codes.reshape([B, h, w]),
        zq: fromRows(straightThrough(rows, q), B, h, w),
        loss,
        stats: { commitment: loss.detach() },
      };
    });
  }

  /** One EMA step of the codebook from rows [N, D] assigned to codes [N] (the equations above). */
  emaUpdate(rows: Tensor, codes: Tensor): void {
    const K = this.codebookSize;
    const g = this.decay;
    tidy(() => {
      const counts = ops.indexAdd([K], 0, codes, ones([rows.shape[0]]));
      const sums = ops.indexAdd([K, this.dim], 0, codes, rows);
      const N = this.clusterSize.mul(g).add(counts.mul(1 - g));
      const m = this.embedSum.mul(g).add(sums.mul(1 - g));
      const n = N.sum();
      const smoothed = N.add(this.epsilon)
        .div(n.add(K * this.epsilon))
        .mul(n);
      this.clusterSize.copy_(N);
      this.embedSum.copy_(m);
      this.embed.copy_(m.div(smoothed.reshape([K, 1])));
    });
  }

  /** k-means initialisation on the first call, dead-code restarts on the later ones (host side). */
  async maintain(z: Tensor): Promise<void> {
    checkLatents(z, this.dim, 'VectorQuantizerEMA.maintain');
    const rows = tidy(() => toRows(z));
    const data = Float32Array.from(await rows.data());
    rows.dispose();
    const [initialised, calls] = await this.progress.data();
    const rng = mulberry32(0x51ed + calls);
    const K = this.codebookSize;
    const D = this.dim;
    if (!initialised) {
      const { centroids, sizes } = kmeans(data, D, K, this.kmeansIters, rng);
      const sums = centroids.map((v, i) => v * sizes[Math.floor(i / D)]);
      this.write(centroids, sizes, sums);
      this.lastRestarts = 0;
    } else {
      const N = Float32Array.from(await this.clusterSize.data());
      const dead = [];
      for (let k = 0; k < K; k++) if (N[k] < this.deadThreshold) dead.push(k);
      this.lastRestarts = dead.length;
      if (dead.length) {
        const e = Float32Array.from(await this.embed.data());
        const m = Float32Array.from(await this.embedSum.data());
        const n = data.length / D;
        for (const k of dead) {
          const r = Math.floor(rng() * n);
          N[k] = this.deadThreshold;
          for (let j = 0; j < D; j++) {
            e[k * D + j] = data[r * D + j];
            m[k * D + j] = data[r * D + j] * this.deadThreshold;
          }
        }
        this.write(e, N, m);
      }
    }
    const p = tensor([1, calls + 1]);
    this.progress.copy_(p);
    p.dispose();
  }

  private write(embed: Float32Array, sizes: Float32Array, sums: Float32Array): void {
    const K = this.codebookSize;
    const D = this.dim;
    const [a, b, c] = [tensor(embed, [K, D]), tensor(sizes, [K]), tensor(sums, [K, D])];
    this.embed.copy_(a);
    this.clusterSize.copy_(b);
    this.embedSum.copy_(c);
    for (const t of [a, b, c]) t.dispose();
  }

  forward(z: Tensor): Tensor {
    return onlyZq(this.quantize(z));
  }

  codesToLatents(codes: Tensor): Tensor {
    checkCodes(codes, this.codebookSize, 'VectorQuantizerEMA.codesToLatents');
    const [B, h, w] = codes.shape;
    return tidy(() => fromRows(ops.indexSelect(this.embed, 0, codes.reshape([B * h * w])), B, h, w));
  }

  quantizerConfig(): VqEmaConfig {
    return {
      kind: 'vq-ema',
      dim: this.dim,
      codebookSize: this.codebookSize,
      decay: this.decay,
      commitment: this.commitment,
      epsilon: this.epsilon,
      deadThreshold: this.deadThreshold,
      kmeansIters: this.kmeansIters,
    };
  }
}

function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Seeded standard normal values (Box-Muller), for the codebook before its k-means initialisation. */
function gaussian(n: number, seed: number): Float32Array {
  const r = mulberry32(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  return out;
}

/**
 * Lloyd's k-means on rows of `data` ([n, D] flat): centroids start at K distinct random rows (with
 * replacement, plus a little noise, when n < K); an empty cluster keeps its centroid.
 */
export function kmeans(
  data: Float32Array,
  D: number,
  K: number,
  iters: number,
  rng: () => number,
): { centroids: Float32Array; sizes: Float32Array } {
  const n = data.length / D;
  const c = new Float32Array(K * D);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  for (let k = 0; k < K; k++) {
    const r = order[k % n];
    for (let j = 0; j < D; j++) c[k * D + j] = data[r * D + j] + (k >= n ? (rng() - 0.5) * 1e-2 : 0);
  }
  const assign = new Int32Array(n);
  const sizes = new Float32Array(K);
  for (let it = 0; it <= iters; it++) {
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bestD = Number.POSITIVE_INFINITY;
      for (let k = 0; k < K; k++) {
        let d = 0;
        for (let j = 0; j < D; j++) {
          const t = data[i * D + j] - c[k * D + j];
          d += t * t;
        }
        if (d < bestD) {
          bestD = d;
          best = k;
        }
      }
      assign[i] = best;
    }
    sizes.fill(0);
    const sums = new Float64Array(K * D);
    for (let i = 0; i < n; i++) {
      sizes[assign[i]]++;
      for (let j = 0; j < D; j++) sums[assign[i] * D + j] += data[i * D + j];
    }
    if (it === iters) break;
    for (let k = 0; k < K; k++)
      if (sizes[k] > 0) for (let j = 0; j < D; j++) c[k * D + j] = sums[k * D + j] / sizes[k];
  }
  return { centroids: c, sizes };
}
