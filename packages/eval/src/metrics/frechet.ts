// Frechet distance between two Gaussians fitted to feature sets, on the host in f64:
//   d² = |μ1 − μ2|² + tr(Σ1 + Σ2 − 2 (Σ1 Σ2)^½)
// with tr (Σ1 Σ2)^½ = tr (Σ1^½ Σ2 Σ1^½)^½, a symmetric positive semi-definite matrix whose square root's
// trace is the sum of the square roots of its eigenvalues (cyclic Jacobi; no complex parts to discard,
// unlike scipy's sqrtm on the non-symmetric product). Plus diversity: mean pairwise feature distance.

/** Features as rows: n × d numbers, row-major. */
export interface FeatureMatrix {
  data: ArrayLike<number>;
  n: number;
  d: number;
}

export interface GaussianStats {
  mean: Float64Array;
  /** d × d, row-major, unbiased (divides by n − 1, like numpy.cov). */
  cov: Float64Array;
  n: number;
  d: number;
}

function checkMatrix(f: FeatureMatrix, where: string): void {
  if (!Number.isInteger(f.n) || !Number.isInteger(f.d) || f.n < 1 || f.d < 1)
    throw new RangeError(`${where}: n = ${f.n}, d = ${f.d} must be positive integers`);
  if (f.data.length !== f.n * f.d)
    throw new RangeError(`${where}: ${f.data.length} values for ${f.n} × ${f.d} features`);
}

export function gaussianStats(f: FeatureMatrix): GaussianStats {
  checkMatrix(f, 'gaussianStats');
  const { data, n, d } = f;
  if (n < 2) throw new RangeError(`gaussianStats: a covariance needs at least 2 rows, got ${n}`);
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += data[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  const cov = new Float64Array(d * d);
  const row = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) row[j] = data[i * d + j] - mean[j];
    for (let a = 0; a < d; a++) {
      const ra = row[a];
      if (ra === 0) continue;
      for (let b = a; b < d; b++) cov[a * d + b] += ra * row[b];
    }
  }
  for (let a = 0; a < d; a++)
    for (let b = a; b < d; b++) {
      const v = cov[a * d + b] / (n - 1);
      cov[a * d + b] = v;
      cov[b * d + a] = v;
    }
  return { mean, cov, n, d };
}

/** Eigenvalues and eigenvectors (columns of `vectors`) of a symmetric d × d matrix, by cyclic Jacobi. */
export function symmetricEigen(
  m: ArrayLike<number>,
  d: number,
): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(m);
  const v = new Float64Array(d * d);
  for (let i = 0; i < d; i++) v[i * d + i] = 1;
  let scale = 0;
  for (let i = 0; i < d * d; i++) scale += a[i] * a[i];
  const tol = 1e-30 * Math.max(scale, 1e-300);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < d; p++) for (let q = p + 1; q < d; q++) off += a[p * d + q] ** 2;
    if (off <= tol) break;
    for (let p = 0; p < d; p++) {
      for (let q = p + 1; q < d; q++) {
        const apq = a[p * d + q];
        if (apq === 0) continue;
        const app = a[p * d + p];
        const aqq = a[q * d + q];
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < d; k++) {
          const akp = a[k * d + p];
          const akq = a[k * d + q];
          a[k * d + p] = c * akp - s * akq;
          a[k * d + q] = s * akp + c * akq;
        }
        for (let k = 0; k < d; k++) {
          const apk = a[p * d + k];
          const aqk = a[q * d + k];
          a[p * d + k] = c * apk - s * aqk;
          a[q * d + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < d; k++) {
          const vkp = v[k * d + p];
          const vkq = v[k * d + q];
          v[k * d + p] = c * vkp - s * vkq;
          v[k * d + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(d);
  for (let i = 0; i < d; i++) values[i] = a[i * d + i];
  return { values, vectors: v };
}

/** The symmetric square root of a symmetric positive semi-definite matrix (negative eigenvalues clamped to 0). */
export function sqrtmSymmetric(m: ArrayLike<number>, d: number): Float64Array {
  const { values, vectors: v } = symmetricEigen(m, d);
  const out = new Float64Array(d * d);
  for (let k = 0; k < d; k++) {
    const s = Math.sqrt(Math.max(0, values[k]));
    if (s === 0) continue;
    for (let i = 0; i < d; i++) {
      const vik = v[i * d + k] * s;
      if (vik === 0) continue;
      for (let j = 0; j < d; j++) out[i * d + j] += vik * v[j * d + k];
    }
  }
  return out;
}

function matmul(a: Float64Array, b: Float64Array, d: number): Float64Array {
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let k = 0; k < d; k++) {
      const aik = a[i * d + k];
      if (aik === 0) continue;
      for (let j = 0; j < d; j++) out[i * d + j] += aik * b[k * d + j];
    }
  return out;
}

/** Frechet distance (squared, as FID reports it) between two Gaussians. */
export function frechetDistance(s1: GaussianStats, s2: GaussianStats): number {
  if (s1.d !== s2.d) throw new RangeError(`frechetDistance: feature widths differ (${s1.d} vs ${s2.d})`);
  const d = s1.d;
  let diff = 0;
  for (let j = 0; j < d; j++) diff += (s1.mean[j] - s2.mean[j]) ** 2;
  let tr = 0;
  for (let j = 0; j < d; j++) tr += s1.cov[j * d + j] + s2.cov[j * d + j];
  const r1 = sqrtmSymmetric(s1.cov, d);
  const inner = matmul(matmul(r1, s2.cov, d), r1, d);
  // symmetrise rounding noise before the eigen-decomposition
  for (let i = 0; i < d; i++)
    for (let j = i + 1; j < d; j++) {
      const v = 0.5 * (inner[i * d + j] + inner[j * d + i]);
      inner[i * d + j] = v;
      inner[j * d + i] = v;
    }
  const { values } = symmetricEigen(inner, d);
  let trSqrt = 0;
  for (const v of values) trSqrt += Math.sqrt(Math.max(0, v));
  return Math.max(0, diff + tr - 2 * trSqrt);
}

/** Frechet distance between two feature sets (rows). */
export function frechetFromFeatures(a: FeatureMatrix, b: FeatureMatrix): number {
  return frechetDistance(gaussianStats(a), gaussianStats(b));
}

/** Diversity: the mean Euclidean distance over all pairs of rows (e.g. one prompt's faces across seeds). */
export function meanPairwiseDistance(f: FeatureMatrix): number {
  checkMatrix(f, 'meanPairwiseDistance');
  const { data, n, d } = f;
  if (n < 2) throw new RangeError(`meanPairwiseDistance: needs at least 2 rows, got ${n}`);
  let sum = 0;
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += (data[i * d + k] - data[j * d + k]) ** 2;
      sum += Math.sqrt(s);
    }
  return sum / ((n * (n - 1)) / 2);
}
