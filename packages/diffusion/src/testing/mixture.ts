// A known distribution over short token sequences and its exact denoiser, for testing samplers without
// any training: a mixture of C product distributions ("patterns with noise") over K symbols and length
// L. Positions are correlated through the mixture component. The exact clean conditional of a masked
// position given the unmasked ones is the posterior-weighted mixture of the components' marginals.
import { type Tensor, tensor } from '@unif2ace/tensor';

export interface Mixture {
  K: number;
  L: number;
  weights: number[];
  /** probs[c][j][k]: component c's probability of symbol k at position j. */
  probs: number[][][];
}

/** Patterns over K symbols, each position the pattern's symbol with probability `hit`, else uniform. */
export function patternMixture(patterns: number[][], weights: number[], K: number, hit: number): Mixture {
  const L = patterns[0].length;
  const probs = patterns.map((pat) =>
    pat.map((sym) => Array.from({ length: K }, (_, k) => (k === sym ? hit : (1 - hit) / (K - 1)))),
  );
  return { K, L, weights, probs };
}

/** Exact probability of every sequence, indexed by the base-K number x_0 x_1 … (x_0 most significant). */
export function jointProbs(m: Mixture): Float64Array {
  const n = m.K ** m.L;
  const p = new Float64Array(n);
  const x = new Int32Array(m.L);
  for (let idx = 0; idx < n; idx++) {
    let r = idx;
    for (let j = m.L - 1; j >= 0; j--) {
      x[j] = r % m.K;
      r = Math.floor(r / m.K);
    }
    let s = 0;
    for (let c = 0; c < m.weights.length; c++) {
      let q = m.weights[c];
      for (let j = 0; j < m.L; j++) q *= m.probs[c][j][x[j]];
      s += q;
    }
    p[idx] = s;
  }
  return p;
}

/** log p(x0_j = k | unmasked tokens) for every position (known positions get their marginal too). */
export function exactLogits(m: Mixture, tokens: Int32Array, maskId: number): Float32Array {
  const { K, L } = m;
  const B = tokens.length / L;
  const C = m.weights.length;
  const out = new Float32Array(B * L * K);
  const post = new Float64Array(C);
  for (let b = 0; b < B; b++) {
    let z = 0;
    for (let c = 0; c < C; c++) {
      let q = m.weights[c];
      for (let j = 0; j < L; j++) {
        const v = tokens[b * L + j];
        if (v !== maskId) q *= m.probs[c][j][v];
      }
      post[c] = q;
      z += q;
    }
    for (let j = 0; j < L; j++)
      for (let k = 0; k < K; k++) {
        let s = 0;
        for (let c = 0; c < C; c++) s += post[c] * m.probs[c][j][k];
        out[(b * L + j) * K + k] = Math.log(s / z);
      }
  }
  return out;
}

/** The exact denoiser as the samplers call it (reads the tokens back to the host: any backend). */
export function exactDenoiser(m: Mixture, maskId: number) {
  return async (tokens: Tensor): Promise<Tensor> => {
    const host = (await tokens.data()) as Int32Array;
    const [B, L] = tokens.shape;
    return tensor(exactLogits(m, host, maskId), [B, L, m.K], { backend: tokens.backend.name });
  };
}

/** Empirical distribution of samples (B·L tokens) over the K^L sequences. */
export function histogram(samples: Int32Array, K: number, L: number): Float64Array {
  const B = samples.length / L;
  const h = new Float64Array(K ** L);
  for (let b = 0; b < B; b++) {
    let idx = 0;
    for (let j = 0; j < L; j++) idx = idx * K + samples[b * L + j];
    h[idx] += 1 / B;
  }
  return h;
}

export function totalVariation(p: ArrayLike<number>, q: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < p.length; i++) s += Math.abs(p[i] - q[i]);
  return s / 2;
}

/**
 * E[TV(empirical of n samples, p)] exactly: ½ Σ_x E|X_x/n - p_x| with X_x ~ Binomial(n, p_x), using
 * the binomial mean absolute deviation E|X - np| = 2 (k+1) C(n, k+1) p^(k+1) (1-p)^(n-k), k = floor(np).
 */
export function expectedSamplingTV(p: ArrayLike<number>, n: number): number {
  const lf = new Float64Array(n + 2);
  for (let i = 2; i <= n + 1; i++) lf[i] = lf[i - 1] + Math.log(i);
  let s = 0;
  for (let i = 0; i < p.length; i++) {
    const q = p[i];
    if (q <= 0 || q >= 1) continue;
    const k = Math.floor(n * q);
    if (k + 1 > n) continue;
    const logC = lf[n] - lf[k + 1] - lf[n - k - 1];
    s += (2 * (k + 1) * Math.exp(logC + (k + 1) * Math.log(q) + (n - k) * Math.log1p(-q))) / n;
  }
  return s / 2;
}

/** Exact joint distribution of positions (i, j): [K·K], index a·K + b. */
export function pairProbs(m: Mixture, i: number, j: number): Float64Array {
  const out = new Float64Array(m.K * m.K);
  for (let c = 0; c < m.weights.length; c++)
    for (let a = 0; a < m.K; a++)
      for (let b = 0; b < m.K; b++) out[a * m.K + b] += m.weights[c] * m.probs[c][i][a] * m.probs[c][j][b];
  return out;
}

/** Empirical joint distribution of positions (i, j) of samples with L tokens each. */
export function pairHistogram(samples: Int32Array, K: number, L: number, i: number, j: number): Float64Array {
  const B = samples.length / L;
  const h = new Float64Array(K * K);
  for (let b = 0; b < B; b++) h[samples[b * L + i] * K + samples[b * L + j]] += 1 / B;
  return h;
}
