// Direct conv2d, register-blocked: each invocation computes OB output channels × PB adjacent output
// pixels of one row with fma(), reading x and w straight from storage (no im2col matrix). Per
// (input channel, kernel row) it loads the SPAN input values the PB pixels' taps cover once — with
// stride 1 and a 3-wide kernel that is PB + 2 loads, reused across the KW taps — and OB × KW weights,
// for OB × PB × KW FMAs: on lavapipe (scalar, bounds-checked loads) FMAs per load is what counts.
// KW, the column stride and dilation are unrolled (in the key); everything else is a uniform.
import type { Program, UniformField } from '../backend/webgpu/wgsl.js';

export const CONV_WG = 64;

export interface ConvDirectVariant {
  OB: number;
  PB: number;
  KW: number;
  SW: number;
  DW: number;
  bias: boolean;
}

export const CONV_DIRECT_UNIFORMS = [
  'total',
  'nbx',
  'nob',
  'nobAll',
  'C',
  'H',
  'W',
  'O',
  'Og',
  'Cg',
  'KH',
  'Ho',
  'Wo',
  'SH',
  'PH',
  'PW',
  'DH',
  'xOff',
  'wOff',
  'bOff',
] as const;

export function conv2dDirect(v: ConvDirectVariant): Program {
  const { OB, PB, KW, SW, DW, bias } = v;
  const SPAN = (PB - 1) * SW + (KW - 1) * DW + 1;
  const L: string[] = [];
  // Column indices of the span, clamped for the load, with an in-bounds flag (padding reads zero).
  for (let s = 0; s < SPAN; s++) {
    L.push(
      `  let ix${s} = ixb + ${s}; let ok${s} = ix${s} >= 0 && ix${s} < Wi; let cx${s} = u32(clamp(ix${s}, 0, Wi - 1));`,
    );
  }
  for (let i = 0; i < OB; i++)
    L.push(`  let wb${i} = u_wOff() + (g * Og + min(o0 + ${i}u, Og - 1u)) * wPer;`);
  for (let i = 0; i < OB; i++)
    L.push(`  ${Array.from({ length: PB }, (_, j) => `var a${i}_${j} = 0.0;`).join(' ')}`);
  L.push('  for (var c = 0u; c < Cg; c++) {');
  L.push('    let xc = xb + c * H * W;');
  L.push('    for (var ky = 0u; ky < KH; ky++) {');
  L.push('      let iy = iy0 + i32(ky * DH);');
  // A skipped row (padding) is a branch; masking its loads instead measured ~10 % slower.
  L.push('      if (iy < 0 || iy >= Hi) { continue; }');
  L.push('      let row = xc + u32(iy) * W;');
  for (let s = 0; s < SPAN; s++) L.push(`      let x${s} = select(0.0, f32(X[row + cx${s}]), ok${s});`);
  L.push(`      let wk = (c * KH + ky) * ${KW}u;`);
  for (let kx = 0; kx < KW; kx++) {
    for (let i = 0; i < OB; i++) {
      L.push(`      { let wv = f32(Wt[wb${i} + wk + ${kx}u]);`);
      const f: string[] = [];
      for (let j = 0; j < PB; j++) f.push(`a${i}_${j} = fma(wv, x${j * SW + kx * DW}, a${i}_${j});`);
      L.push(`        ${f.join(' ')} }`);
    }
  }
  L.push('    }', '  }');
  for (let i = 0; i < OB; i++) {
    L.push(`  if (o0 + ${i}u < Og) {`);
    L.push(`    let oc = g * Og + o0 + ${i}u;`);
    L.push(`    let ob = ((n * u_O() + oc) * Ho + oy) * Wo + ox0;`);
    if (bias) L.push('    let bv = f32(BIAS[u_bOff() + oc]);');
    for (let j = 0; j < PB; j++) {
      L.push(`    if (ox0 + ${j}u < Wo) { OUT[ob + ${j}u] = a${i}_${j}${bias ? ' + bv' : ''}; }`);
    }
    L.push('  }');
  }
  const uniforms: UniformField[] = CONV_DIRECT_UNIFORMS.map((name) => ({ name, type: 'u32' as const }));
  return {
    key: `conv2d:direct:ob${OB}:pb${PB}:kw${KW}:sw${SW}:dw${DW}:${bias ? 'bias' : 'nobias'}`,
    bindings: [
      { name: 'X', dtype: 'f32', access: 'read' },
      { name: 'Wt', dtype: 'f32', access: 'read' },
      ...(bias ? [{ name: 'BIAS', dtype: 'f32' as const, access: 'read' as const }] : []),
      { name: 'OUT', dtype: 'f32', access: 'read_write' },
    ],
    uniforms,
    workgroupSize: [CONV_WG, 1, 1],
    body: `  let idx = wgIndex * ${CONV_WG}u + lidx;
  if (idx >= u_total()) { return; }
  let H = u_H(); let W = u_W(); let Ho = u_Ho(); let Wo = u_Wo();
  let Og = u_Og(); let Cg = u_Cg(); let KH = u_KH(); let DH = u_DH();
  let Hi = i32(H); let Wi = i32(W);
  let nbx = u_nbx();
  let P = Ho * nbx;
  let pb = idx % P;
  let r = idx / P;
  let obg = r % u_nobAll();
  let n = r / u_nobAll();
  let g = obg / u_nob();
  let o0 = (obg % u_nob()) * ${OB}u;
  let oy = pb / nbx;
  let ox0 = (pb % nbx) * ${PB}u;
  let wPer = Cg * KH * ${KW}u;
  let xb = u_xOff() + (n * u_C() + g * Cg) * H * W;
  let iy0 = i32(oy * u_SH()) - i32(u_PH());
  let ixb = i32(ox0 * ${SW}u) - i32(u_PW());
${L.join('\n')}`,
  };
}
