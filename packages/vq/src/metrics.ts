// Reconstruction and codebook metrics on a set of images (backend-agnostic: tensors in, numbers out).
import { type Tensor, tidy } from '@unif2ace/tensor';
import { codeStats } from './quantizer.js';
import type { ImageTokenizer } from './tokenizer.js';

/** PSNR in dB of each image of `recon` against `orig`, both [B, 3, H, W] in [-1, 1] (peak = range 2). */
export async function psnr(orig: Tensor, recon: Tensor): Promise<number[]> {
  const B = orig.shape[0];
  const mse = tidy(() => recon.clamp(-1, 1).sub(orig).square().reshape([B, -1]).mean(1));
  const m = await mse.data();
  mse.dispose();
  // (x/2) in [0,1] units: MSE01 = MSE / 4, PSNR = 10 log10(1 / MSE01)
  return Array.from(m, (v) => 10 * Math.log10(4 / Math.max(v, 1e-12)));
}

export interface ReconstructionMetrics {
  /** Mean over images of per-image PSNR (dB), 8-bit originals vs clamped reconstructions. */
  psnr: number;
  /** Fraction of the codebook used on the set. */
  usage: number;
  /** exp(entropy) of the code histogram over the set. */
  perplexity: number;
  codebookSize: number;
  images: number;
}

/**
 * Encode and decode `count` images fetched by `batchAt(start, end)` ([n, 3, H, W] in [-1, 1]) and measure
 * PSNR, usage and perplexity. `onBatch` sees each batch's originals and reconstructions (e.g. for a probe).
 */
export async function evaluateReconstruction(
  tok: ImageTokenizer,
  count: number,
  batchAt: (start: number, end: number) => Tensor,
  { batch = 32, onBatch }: { batch?: number; onBatch?: (orig: Tensor, recon: Tensor) => Promise<void> } = {},
): Promise<ReconstructionMetrics> {
  const wasTraining = tok.training;
  tok.eval();
  const psnrs: number[] = [];
  const allCodes: number[] = [];
  try {
    for (let s = 0; s < count; s += batch) {
      const x = batchAt(s, Math.min(count, s + batch));
      const codes = tok.encode(x);
      const recon = tok.decode(codes);
      psnrs.push(...(await psnr(x, recon)));
      for (const c of await codes.data()) allCodes.push(c);
      if (onBatch) await onBatch(x, recon);
      x.dispose();
      codes.dispose();
      recon.dispose();
    }
  } finally {
    tok.train(wasTraining);
  }
  const { usage, perplexity } = codeStats(allCodes, tok.codebookSize);
  return {
    psnr: psnrs.reduce((a, b) => a + b, 0) / psnrs.length,
    usage,
    perplexity,
    codebookSize: tok.codebookSize,
    images: count,
  };
}
