import { type Tensor, tidy } from '@unif2ace/tensor';

/**
 * Scale all gradients so their global L2 norm is at most maxNorm, on the device (no readback).
 * Returns the norm before clipping as a 0-d tensor (read it only when you log).
 */
export function clipGradNorm(params: Tensor[], maxNorm: number, eps = 1e-6): Tensor {
  const withGrad = params.filter((p) => p.grad);
  return tidy(() => {
    let sq: Tensor | null = null;
    for (const p of withGrad) {
      const s = p.grad!.square().sum();
      sq = sq ? sq.add(s) : s;
    }
    if (!sq) throw new Error('clipGradNorm: no parameter has a gradient');
    const norm = sq.sqrt();
    const scale = norm.add(eps).reciprocal().mul(maxNorm).clamp(0, 1);
    for (const p of withGrad) p.grad!.copy_(p.grad!.mul(scale));
    return norm;
  });
}
