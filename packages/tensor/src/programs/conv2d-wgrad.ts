// conv2d's filter gradient: dw[o, c, ky, kx] = Σ_{n, oy, ox} gy[n, o, oy, ox] · x[n, c, iy, ix].
// Each invocation accumulates OB output channels × CB input channels × all KW taps of one kernel row
// over a share of the (n, oy) rows, PB output columns at a time: OB·PB gradient loads and CB·SPAN input
// loads feed OB·CB·KW·PB FMAs. Splitting the rows over S invocations gives the 2-core JIT enough
// parallel work when the filter is small; the S partial sums land in [numel(dw), S] and are reduced
// by the row-sum kernel afterwards.
import type { Program, UniformField } from '../backend/webgpu/wgsl.js';
import { CONV_WG } from './conv2d-direct.js';

export interface ConvWgradVariant {
  OB: number;
  CB: number;
  PB: number;
  KW: number;
  SW: number;
  DW: number;
}

export const CONV_WGRAD_UNIFORMS = [
  'total',
  'S',
  'rps',
  'rows',
  'nob',
  'ncb',
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
  'gOff',
] as const;

export function conv2dWgrad(v: ConvWgradVariant): Program {
  const { OB, CB, PB, KW, SW, DW } = v;
  const SPAN = (PB - 1) * SW + (KW - 1) * DW + 1;
  const L: string[] = [];
  for (let i = 0; i < OB; i++) L.push(`  let oo${i} = g * Og + min(o0 + ${i}u, Og - 1u);`);
  for (let i = 0; i < CB; i++) L.push(`  let cc${i} = g * Cg + min(c0 + ${i}u, Cg - 1u);`);
  for (let i = 0; i < OB; i++) {
    for (let c = 0; c < CB; c++) {
      L.push(`  ${Array.from({ length: KW }, (_, kx) => `var a${i}_${c}_${kx} = 0.0;`).join(' ')}`);
    }
  }
  L.push('  let r1 = min(u_rows(), r0 + u_rps());');
  L.push('  for (var row = r0; row < r1; row++) {');
  L.push('    let n = row / Ho; let oy = row % Ho;');
  L.push('    let iy = i32(oy * u_SH() + ky * u_DH()) - i32(u_PH());');
  L.push('    if (iy < 0 || iy >= Hi) { continue; }');
  for (let i = 0; i < OB; i++) L.push(`    let gr${i} = u_gOff() + ((n * u_O() + oo${i}) * Ho + oy) * Wo;`);
  for (let c = 0; c < CB; c++)
    L.push(`    let xr${c} = u_xOff() + ((n * u_C() + cc${c}) * H + u32(iy)) * W;`);
  L.push(`    for (var ox0 = 0u; ox0 < Wo; ox0 += ${PB}u) {`);
  L.push(`      let ixb = i32(ox0 * ${SW}u) - PW;`);
  for (let s = 0; s < SPAN; s++) {
    L.push(
      `      let ix${s} = ixb + ${s}; let ok${s} = ix${s} >= 0 && ix${s} < Wi; let cx${s} = u32(clamp(ix${s}, 0, Wi - 1));`,
    );
  }
  for (let j = 0; j < PB; j++)
    L.push(`      let okg${j} = ox0 + ${j}u < Wo; let cg${j} = min(ox0 + ${j}u, Wo - 1u);`);
  for (let i = 0; i < OB; i++) {
    L.push(
      `      ${Array.from({ length: PB }, (_, j) => `let g${i}_${j} = select(0.0, f32(G[gr${i} + cg${j}]), okg${j});`).join(' ')}`,
    );
  }
  for (let c = 0; c < CB; c++) {
    L.push('      {');
    L.push(
      `        ${Array.from({ length: SPAN }, (_, s) => `let x${s} = select(0.0, f32(X[xr${c} + cx${s}]), ok${s});`).join(' ')}`,
    );
    for (let i = 0; i < OB; i++) {
      for (let kx = 0; kx < KW; kx++) {
        const f = Array.from(
          { length: PB },
          (_, j) => `a${i}_${c}_${kx} = fma(g${i}_${j}, x${j * SW + kx * DW}, a${i}_${c}_${kx});`,
        );
        L.push(`        ${f.join(' ')}`);
      }
    }
    L.push('      }');
  }
  L.push('    }', '  }');
  for (let i = 0; i < OB; i++) {
    for (let c = 0; c < CB; c++) {
      L.push(`  if (o0 + ${i}u < Og && c0 + ${c}u < Cg) {`);
      L.push(`    let f = (((g * Og + o0 + ${i}u) * Cg + c0 + ${c}u) * KH + ky) * ${KW}u;`);
      for (let kx = 0; kx < KW; kx++) L.push(`    OUT[(f + ${kx}u) * S + s] = a${i}_${c}_${kx};`);
      L.push('  }');
    }
  }
  const uniforms: UniformField[] = CONV_WGRAD_UNIFORMS.map((name) => ({ name, type: 'u32' as const }));
  return {
    key: `conv2d:wgrad:ob${OB}:cb${CB}:pb${PB}:kw${KW}:sw${SW}:dw${DW}`,
    bindings: [
      { name: 'X', dtype: 'f32', access: 'read' },
      { name: 'G', dtype: 'f32', access: 'read' },
      { name: 'OUT', dtype: 'f32', access: 'read_write' },
    ],
    uniforms,
    workgroupSize: [CONV_WG, 1, 1],
    body: `  let idx = wgIndex * ${CONV_WG}u + lidx;
  if (idx >= u_total()) { return; }
  let H = u_H(); let W = u_W(); let Ho = u_Ho(); let Wo = u_Wo();
  let Og = u_Og(); let Cg = u_Cg(); let KH = u_KH();
  let Hi = i32(H); let Wi = i32(W); let PW = i32(u_PW());
  let S = u_S();
  let s = idx % S;
  var r = idx / S;
  let ky = r % KH; r = r / KH;
  let c0 = (r % u_ncb()) * ${CB}u; r = r / u_ncb();
  let o0 = (r % u_nob()) * ${OB}u;
  let g = r / u_nob();
  let r0 = s * u_rps();
${L.join('\n')}`,
  };
}
