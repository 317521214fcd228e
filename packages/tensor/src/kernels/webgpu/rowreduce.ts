// Shared WGSL pieces for workgroup-per-row kernels: a tree reduction in workgroup memory over
// named f32 accumulators, the online (max, Σexp) pair, and the workgroup size chosen per row length.
import type { WebGpuBackend } from '../../backend/webgpu/backend.js';
import { softwareAdapter } from '../../backend/webgpu/device.js';
import { rowKnobs } from '../../flags.js';

export { rowKnobs }; // (its home is flags.ts; re-exported for the row-lane tests)

const software = new WeakMap<WebGpuBackend, boolean>();

/** lavapipe / SwiftShader / WARP: the adapter runs on CPU cores (device.ts's softwareAdapter decides). */
export function isSoftwareAdapter(be: WebGpuBackend): boolean {
  let s = software.get(be);
  if (s === undefined) {
    s = softwareAdapter(be.runtime.info) !== null;
    software.set(be, s);
  }
  return s;
}

/**
 * Lanes (workgroup size) for one row of length n. On a CPU adapter (lavapipe runs a workgroup as SIMD-8
 * chunks that switch at every barrier) a 256-lane tree costs far more than the row's arithmetic: measured
 * on [4096, 1024] softmax, 256 lanes 600 ms, 64 lanes 100 ms, 8–32 lanes 35–90 ms (a loaded 2-core host,
 * so only the coarse ordering is reliable). GPUs get 64 lanes for short rows, 256 for long ones.
 */
export function rowLanes(n: number, be: WebGpuBackend): number {
  if (rowKnobs.wg) return rowKnobs.wg;
  if (isSoftwareAdapter(be)) return 16;
  return n <= 256 ? 64 : 256;
}

/**
 * Module-scope WGSL: `var<workgroup> red_<k>` arrays for each named f32 accumulator, and the statements
 * (`treeSum`) that leave the workgroup-wide sums of those accumulators in red_<k>[0].
 */
export function treeSum(names: string[], wg: number): { decl: string; code: string } {
  const decl = names.map((k) => `var<workgroup> red_${k}: array<f32, ${wg}>;`).join('\n');
  const code = `  ${names.map((k) => `red_${k}[lidx] = ${k};`).join(' ')}
  workgroupBarrier();
  for (var k = ${wg / 2}u; k > 0u; k >>= 1u) {
    if (lidx < k) { ${names.map((k) => `red_${k}[lidx] += red_${k}[lidx + k];`).join(' ')} }
    workgroupBarrier();
  }`;
  return { decl, code };
}

/** The online (max, Σexp) pair: absorb one value v into (m, s) with one exp. m starts at -FLT_MAX. */
export const ONLINE_ABSORB = `{
      let e = exp(-abs(v - m));
      s = select(s + e, fma(s, e, 1.0), v > m);
      m = max(m, v);
    }`;

/** Combine (m, s) pairs in workgroup memory red_m / red_s; the row's pair ends in red_m[0], red_s[0]. */
export function treeMaxSum(wg: number): { decl: string; code: string } {
  return {
    decl: `var<workgroup> red_m: array<f32, ${wg}>;\nvar<workgroup> red_s: array<f32, ${wg}>;`,
    code: `  red_m[lidx] = m; red_s[lidx] = s;
  workgroupBarrier();
  for (var k = ${wg / 2}u; k > 0u; k >>= 1u) {
    if (lidx < k) {
      let m2 = red_m[lidx + k];
      let mm = max(m, m2);
      s = s * exp(m - mm) + red_s[lidx + k] * exp(m2 - mm);
      m = mm;
      red_m[lidx] = m; red_s[lidx] = s;
    }
    workgroupBarrier();
  }`,
  };
}

export const NEG_FLT_MAX = '-3.4028234663852886e38';
