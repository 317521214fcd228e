// Matmul, R×8 outputs per invocation in registers, operands read straight from storage with fma().
// On lavapipe every storage load is a scalar, bounds-checked, per-lane access, so what counts is FMAs
// per loaded scalar (docs/architecture.md, performance notes): 8×8 does 64 FMAs per 16 loads. Workgroup
// memory does not help there.
// Variants (the kernel file picks one by layout, see kernels/webgpu/matmul.ts for the measurements):
// - vecB: B is contiguous along N with 4-aligned rows: bind B as array<vec4<T>> and load 8 columns in
//   2 vector loads instead of 8 scalar ones (one bounds check per vec4 instead of four).
// - vecA: A is contiguous along K: bind A as array<vec4<T>>; the k-loop steps by 4 (each A load covers
//   4 k's), a scalar tail handles K % 4.
// - rows: 8 or 16 output rows per invocation; unroll: k-steps per loop iteration (scalar A).
// Edges: row/column indices are clamped for loads and masked on store, keeping the k-loop branch-free.

import type { Program, UniformField } from '../backend/webgpu/wgsl.js';
import type { DType } from '../dtype.js';
import { WGSL_MATH } from '../kernels/exprs.js';

export const COLS = 8; // default output columns per invocation
export const WG_XY = 8; // invocations per workgroup side

export interface MatmulVariant {
  rows: 8 | 16;
  vecA: boolean;
  vecB: boolean;
  /** A contiguous along M (a transposed view): load 4 rows' values for one k as one vec4. */
  vecAT: boolean;
  /** Output columns per invocation: 8, or 16 (vecB only: 4 vec4 loads of B per k). */
  cols?: 8 | 16;
  unroll: 1 | 2 | 4;
}

export const BASE_VARIANT: MatmulVariant = { rows: 8, vecA: false, vecB: false, vecAT: false, unroll: 1 };

const EPILOGUE: Record<string, string> = {
  none: 'v',
  relu: 'max(v, 0.0)',
  gelu: 'gelu_(v)',
  silu: 'v * sigmoid_(v)',
};

export const ACTIVATIONS = Object.keys(EPILOGUE);

export const variantName = (v: MatmulVariant) =>
  `r${v.rows}${v.vecA ? 'va' : ''}${v.vecAT ? 'vat' : ''}${v.vecB ? 'vb' : ''}${v.unroll > 1 ? `u${v.unroll}` : ''}${(v.cols ?? COLS) !== COLS ? `c${v.cols}` : ''}`;

export function matmulRegBlock(
  dtype: DType,
  bias: boolean,
  activation: string,
  variant: MatmulVariant = BASE_VARIANT,
): Program {
  const act = EPILOGUE[activation];
  if (!act) throw new Error(`matmul: unknown activation '${activation}' (${ACTIVATIONS.join(', ')})`);
  const { rows: R, vecB, vecAT, unroll } = variant;
  const vecA = variant.vecA && !vecAT;
  const C = vecB ? (variant.cols ?? COLS) : COLS;
  const Q = C / 4; // vec4 accumulators per row
  const T = dtype;
  const v4 = `vec4<${T}>`;
  const L: string[] = [];
  // Row bases of A (in vec4 units when vecA) and column bases of B.
  if (vecAT) {
    // M % 4 == 0 and sAr == 1 here: vec4 g holds rows r0 + 4g .. r0 + 4g + 3 (clamped, masked on store).
    for (let g = 0; g < R / 4; g++) L.push(`  let aq${g} = (bA + min(r0 + ${4 * g}u, M - 4u)) >> 2u;`);
  } else {
    for (let i = 0; i < R; i++) {
      L.push(`  let ra${i} = ${vecA ? '(' : ''}bA + min(r0 + ${i}u, M - 1u) * sAr${vecA ? ') >> 2u' : ''};`);
    }
  }
  if (vecB) {
    // N % 4 == 0 here, so the vec4 at c0 is in range; the one at c0 + 4 is clamped (masked on store).
    for (let q = 0; q < Q; q++) L.push(`  let cq${q} = (bB + min(c0 + ${4 * q}u, N - 4u)) >> 2u;`);
  } else {
    for (let j = 0; j < COLS; j++) L.push(`  let cb${j} = bB + min(c0 + ${j}u, N - 1u) * sBc;`);
  }
  for (let i = 0; i < R; i++) {
    L.push(`  ${Array.from({ length: Q }, (_, q) => `var c${i}_${q} = vec4<f32>(0.0);`).join(' ')}`);
  }
  const loadB = (kB: string, ind: string) =>
    vecB
      ? [
          `${ind}${Array.from({ length: Q }, (_, q) => `let b${q} = vec4<f32>(B[${kB} + cq${q}]);`).join(' ')}`,
        ]
      : [
          `${ind}let b0 = vec4<f32>(f32(B[${kB} + cb0]), f32(B[${kB} + cb1]), f32(B[${kB} + cb2]), f32(B[${kB} + cb3]));`,
          `${ind}let b1 = vec4<f32>(f32(B[${kB} + cb4]), f32(B[${kB} + cb5]), f32(B[${kB} + cb6]), f32(B[${kB} + cb7]));`,
        ];
  // B row offset for k (vec4 units when vecB: sBr % 4 == 0 there).
  const kBof = (k: string) => (vecB ? `${k} * sBq` : `${k} * sBr`);
  const fmaRows = (aOf: (i: number) => string, ind: string) => {
    for (let i = 0; i < R; i++) {
      const f = Array.from({ length: Q }, (_, q) => `c${i}_${q} = fma(a, b${q}, c${i}_${q});`).join(' ');
      L.push(`${ind}{ let a = vec4<f32>(${aOf(i)}); ${f} }`);
    }
  };
  if (vecA) {
    L.push('  let K4 = K & ~3u;');
    L.push('  for (var k = 0u; k < K4; k += 4u) {', '    let kq = k >> 2u;');
    for (let i = 0; i < R; i++) L.push(`    let a${i} = vec4<f32>(A[ra${i} + kq]);`);
    for (let kk = 0; kk < 4; kk++) {
      L.push('    {', `      let kB = ${kBof(`(k + ${kk}u)`)};`);
      L.push(...loadB('kB', '      '));
      fmaRows((i) => `a${i}[${kk}]`, '      ');
      L.push('    }');
    }
    L.push('  }');
    // Scalar tail (K % 4 != 0 only for padded views).
    L.push(
      '  for (var k = K4; k < K; k++) {',
      `    let kB = ${kBof('k')}; let kr = k >> 2u; let kc = k & 3u;`,
    );
    L.push(...loadB('kB', '    '));
    fmaRows((i) => `f32(A[ra${i} + kr][kc])`, '    ');
    L.push('  }');
  } else {
    const body = (k: string, ind: string) => {
      if (vecAT) {
        L.push(`${ind}let kA = ${k} * sAq; let kB = ${kBof(k)};`);
        for (let g = 0; g < R / 4; g++) L.push(`${ind}let a${g} = vec4<f32>(A[kA + aq${g}]);`);
        L.push(...loadB('kB', ind));
        fmaRows((i) => `a${i >> 2}[${i & 3}]`, ind);
      } else {
        L.push(`${ind}let kA = ${k} * sAc; let kB = ${kBof(k)};`);
        L.push(...loadB('kB', ind));
        fmaRows((i) => `f32(A[ra${i} + kA])`, ind);
      }
    };
    if (unroll > 1) {
      L.push(`  let KU = K - K % ${unroll}u;`, `  for (var k = 0u; k < KU; k += ${unroll}u) {`);
      for (let u = 0; u < unroll; u++) {
        L.push('    {');
        body(`(k + ${u}u)`, '      ');
        L.push('    }');
      }
      L.push('  }', '  for (var k = KU; k < K; k++) {');
    } else L.push('  for (var k = 0u; k < K; k++) {');
    body('k', '    ');
    L.push('  }');
  }
  for (let i = 0; i < R; i++) {
    L.push(`  if (r0 + ${i}u < M) {`, `    let o = bO + (r0 + ${i}u) * N;`);
    for (let j = 0; j < C; j++) {
      const comp = `c${i}_${j >> 2}[${j & 3}]`;
      L.push(
        `    if (c0 + ${j}u < N) { let v = ${comp}${bias ? ` + f32(BIAS[bBias + c0 + ${j}u])` : ''}; OUT[o + c0 + ${j}u] = ${T}(${act}); }`,
      );
    }
    L.push('  }');
  }
  const uniforms: UniformField[] = [
    'M',
    'N',
    'K',
    'sAr',
    'sAc',
    'sBr',
    'sBc',
    'aOff',
    'bOff',
    'aBatch',
    'bBatch',
    'biasOff',
  ].map((name) => ({ name, type: 'u32' as const }));
  return {
    key: `matmul:regblock:${variantName(variant)}:${dtype}:${bias ? 'bias' : 'nobias'}:${activation}`,
    bindings: [
      { name: 'A', dtype, access: 'read', ...(vecA || vecAT ? { elem: v4 } : {}) },
      { name: 'B', dtype, access: 'read', ...(vecB ? { elem: v4 } : {}) },
      ...(bias ? [{ name: 'BIAS', dtype, access: 'read' as const }] : []),
      { name: 'OUT', dtype, access: 'read_write' },
    ],
    uniforms,
    workgroupSize: [WG_XY, WG_XY, 1],
    helpers: activation === 'none' ? '' : WGSL_MATH,
    body: `  let M = u_M(); let N = u_N(); let K = u_K();
  let sAr = u_sAr(); let sAc = u_sAc(); let sBr = u_sBr(); let sBc = u_sBc(); let sBq = sBr >> 2u; let sAq = sAc >> 2u;
  let r0 = (wid.y * ${WG_XY}u + lid.y) * ${R}u;
  let c0 = (wid.x * ${WG_XY}u + lid.x) * ${C}u;
  if (r0 >= M || c0 >= N) { return; }
  let bA = u_aOff() + wid.z * u_aBatch();
  let bB = u_bOff() + wid.z * u_bBatch();
  let bBias = u_biasOff();
  let bO = wid.z * M * N;
${L.join('\n')}`,
  };
}
