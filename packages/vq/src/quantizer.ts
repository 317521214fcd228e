// The interface every quantizer implements (VQ-EMA, LFQ, FSQ), and the layout helpers they share.
// Quantizers see latents [B, D, h, w] and return codes [B, h, w] (i32) plus quantized latents of the
// latents' shape whose gradient passes straight through to the latents (zq = z + sg(q - z)).
import type { Module } from '@unif2ace/nn';
import type { Tensor } from '@unif2ace/tensor';

export interface QuantizeResult {
  /** Code index per position, i32 [B, h, w]. */
  codes: Tensor;
  /** Quantized latents [B, D, h, w]; forward value q, gradient straight through to z. */
  zq: Tensor;
  /** The quantizer's own loss (commitment, entropy terms); a scalar, 0 for FSQ. */
  loss: Tensor;
  /** Scalar tensors describing this batch (quantizer specific, e.g. entropy terms); the caller disposes them. */
  stats: Record<string, Tensor>;
}

export type QuantizerKind = 'vq-ema' | 'lfq' | 'fsq';

export interface Quantizer extends Module {
  readonly kind: QuantizerKind;
  /** Latent channels D. */
  readonly dim: number;
  readonly codebookSize: number;
  quantize(z: Tensor): QuantizeResult;
  /** Codes [B, h, w] -> the quantized latents [B, D, h, w] they stand for (what `quantize` returns as zq). */
  codesToLatents(codes: Tensor): Tensor;
  /**
   * Host-side upkeep the trainer runs on each batch's latents before `quantize` (VQ-EMA: k-means
   * initialisation on the first batch, dead-code restarts). Absent where there is none.
   */
  maintain?(z: Tensor): Promise<void>;
  /** Frees constant tensors that are not in the state dict (LFQ's corner table); Module.dispose frees the rest. */
  disposeConstants?(): void;
  /** JSON that `createQuantizer` rebuilds this quantizer from. */
  quantizerConfig(): QuantizerConfig;
}

export interface VqEmaConfig {
  kind: 'vq-ema';
  dim: number;
  codebookSize: number;
  /** EMA decay gamma of the cluster sizes and sums (0.99). */
  decay?: number;
  /** Commitment weight beta (0.25). */
  commitment?: number;
  /** Laplace smoothing epsilon of the cluster sizes (1e-5). */
  epsilon?: number;
  /** A code whose EMA cluster size falls below this is dead and restarted from a batch latent (1). */
  deadThreshold?: number;
  /** Lloyd iterations of the k-means initialisation (10). */
  kmeansIters?: number;
}
export interface LfqConfig {
  kind: 'lfq';
  dim: number;
  /** Weight of the entropy loss (0.1). */
  entropyWeight?: number;
  /** Weight gamma of the batch (codebook) entropy inside it (1). */
  diversityGamma?: number;
  /** Temperature tau of the soft code assignment (1). */
  temperature?: number;
  /** Commitment weight beta (0.25). */
  commitment?: number;
}
export interface FsqConfig {
  kind: 'fsq';
  /** Levels per latent channel, e.g. [8, 5, 5, 5] (1000 codes); dim = levels.length. */
  levels: number[];
}
export type QuantizerConfig = VqEmaConfig | LfqConfig | FsqConfig;

/** [B, D, h, w] -> [B*h*w, D] (channels last, contiguous). */
export function toRows(z: Tensor): Tensor {
  const [B, D, h, w] = z.shape;
  return z
    .permute([0, 2, 3, 1])
    .contiguous()
    .reshape([B * h * w, D]);
}

/** [B*h*w, D] -> [B, D, h, w]. */
export function fromRows(rows: Tensor, B: number, h: number, w: number): Tensor {
  const D = rows.shape[1];
  return rows.reshape([B, h, w, D]).permute([0, 3, 1, 2]).contiguous();
}

export function checkLatents(z: Tensor, dim: number, who: string): void {
  if (z.rank !== 4 || z.shape[1] !== dim)
    throw new RangeError(`${who}: expected latents [B, ${dim}, h, w], got [${z.shape.join(', ')}]`);
  if (z.dtype !== 'f32') throw new TypeError(`${who}: latents must be f32, got ${z.dtype}`);
}

export function checkCodes(codes: Tensor, codebookSize: number, who: string): void {
  if (codes.rank !== 3)
    throw new RangeError(`${who}: expected codes [B, h, w], got [${codes.shape.join(', ')}]`);
  if (codes.dtype !== 'i32') throw new TypeError(`${who}: codes must be i32, got ${codes.dtype}`);
  void codebookSize;
}

/** The quantized latents of a result, the rest disposed (a quantizer's Module forward). */
export function onlyZq(r: QuantizeResult): Tensor {
  r.codes.dispose();
  r.loss.dispose();
  for (const t of Object.values(r.stats)) t.dispose();
  return r.zq;
}

/** Straight-through: the value of q, the gradient of z. */
export function straightThrough(z: Tensor, q: Tensor): Tensor {
  return z.add(q.sub(z).detach());
}

/** Usage (fraction of codes seen) and perplexity exp(H) of a histogram of codes. */
export function codeStats(
  codes: ArrayLike<number>,
  codebookSize: number,
): { usage: number; perplexity: number; counts: Float64Array } {
  const counts = new Float64Array(codebookSize);
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i];
    if (!(c >= 0 && c < codebookSize))
      throw new RangeError(`codeStats: code ${c} at ${i} outside [0, ${codebookSize})`);
    counts[c]++;
  }
  let used = 0;
  let h = 0;
  for (const n of counts) {
    if (n === 0) continue;
    used++;
    const p = n / codes.length;
    h -= p * Math.log(p);
  }
  return { usage: used / codebookSize, perplexity: Math.exp(h), counts };
}
