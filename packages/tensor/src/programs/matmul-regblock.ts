// Matmul, 8×8 outputs per invocation in registers, operands read straight from storage with fma().
// On lavapipe every storage load is a scalar, bounds-checked, per-lane access, so what counts is FMAs
// per loaded scalar: here 64 FMAs per 16 loads. Workgroup memory does not help there (PERF-NOTES).
// Edges: row/column indices are clamped for loads and masked on store, keeping the k-loop branch-free.
import type { DType } from '../dtype.js';
import { type Program, type UniformField } from '../backend/webgpu/wgsl.js';
import { WGSL_MATH } from '../kernels/exprs.js';

export const TILE = 8; // per invocation
export const WG_XY = 8; // invocations per workgroup side -> 64×64 outputs per workgroup

const EPILOGUE: Record<string, string> = {
  none: 'v',
  relu: 'max(v, 0.0)',
  gelu: 'gelu_(v)',
  silu: 'v * sigmoid_(v)',
};

export function matmulRegBlock(dtype: DType, bias: boolean, activation: string): Program {
  const act = EPILOGUE[activation];
  if (!act) throw new Error(`matmul: unknown activation '${activation}' (none, relu, gelu, silu)`);
  const R = TILE;
  const lines: string[] = [];
  for (let i = 0; i < R; i++) {
    lines.push(`  let ra${i} = bA + min(r0 + ${i}u, M - 1u) * sAr;`);
  }
  for (let j = 0; j < R; j++) lines.push(`  let cb${j} = bB + min(c0 + ${j}u, N - 1u) * sBc;`);
  for (let i = 0; i < R; i++) lines.push(`  var l${i} = vec4<f32>(0.0); var h${i} = vec4<f32>(0.0);`);
  lines.push('  for (var k = 0u; k < K; k++) {');
  lines.push('    let kA = k * sAc; let kB = k * sBr;');
  lines.push(
    `    let b0 = vec4<f32>(f32(B[kB + cb0]), f32(B[kB + cb1]), f32(B[kB + cb2]), f32(B[kB + cb3]));`,
    `    let b1 = vec4<f32>(f32(B[kB + cb4]), f32(B[kB + cb5]), f32(B[kB + cb6]), f32(B[kB + cb7]));`,
  );
  for (let i = 0; i < R; i++) {
    lines.push(`    { let a = vec4<f32>(f32(A[ra${i} + kA])); l${i} = fma(a, b0, l${i}); h${i} = fma(a, b1, h${i}); }`);
  }
  lines.push('  }');
  for (let i = 0; i < R; i++) {
    lines.push(`  if (r0 + ${i}u < M) {`, `    let o = bO + (r0 + ${i}u) * N;`);
    for (let j = 0; j < R; j++) {
      const comp = j < 4 ? `l${i}[${j}]` : `h${i}[${j - 4}]`;
      lines.push(`    if (c0 + ${j}u < N) { let v = ${comp}${bias ? ` + f32(BIAS[c0 + ${j}u])` : ''}; OUT[o + c0 + ${j}u] = ${dtype}(${act}); }`);
    }
    lines.push('  }');
  }
  const uniforms: UniformField[] = ['M', 'N', 'K', 'sAr', 'sAc', 'sBr', 'sBc', 'aOff', 'bOff', 'aBatch', 'bBatch'].map(
    (name) => ({ name, type: 'u32' as const }),
  );
  return {
    key: `matmul:regblock8:${dtype}:${bias ? 'bias' : 'nobias'}:${activation}`,
    bindings: [
      { name: 'A', dtype, access: 'read' },
      { name: 'B', dtype, access: 'read' },
      ...(bias ? [{ name: 'BIAS', dtype, access: 'read' as const }] : []),
      { name: 'OUT', dtype, access: 'read_write' },
    ],
    uniforms,
    workgroupSize: [WG_XY, WG_XY, 1],
    helpers: activation === 'none' ? '' : WGSL_MATH,
    body: `  let M = u_M(); let N = u_N(); let K = u_K();
  let sAr = u_sAr(); let sAc = u_sAc(); let sBr = u_sBr(); let sBc = u_sBc();
  let r0 = (wid.y * ${WG_XY}u + lid.y) * ${R}u;
  let c0 = (wid.x * ${WG_XY}u + lid.x) * ${R}u;
  if (r0 >= M || c0 >= N) { return; }
  let bA = u_aOff() + wid.z * u_aBatch();
  let bB = u_bOff() + wid.z * u_bBatch();
  let bO = wid.z * M * N;
${lines.join('\n')}`,
  };
}
