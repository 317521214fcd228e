// Shared WGSL pieces for workgroup-per-row kernels: a tree reduction in workgroup memory over
// `lanes` values per invocation, and the workgroup size chosen from the row length.
/** Workgroup size for rows of length n: enough lanes for ~4 elements each, between 32 and 256. */
export function rowLanes(n: number): number {
  let w = 32;
  while (w < 256 && w * 4 < n) w *= 2;
  return w;
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
