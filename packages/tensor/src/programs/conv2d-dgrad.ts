// conv2d's input gradient (a transposed convolution), register-blocked like the forward kernel: each
// invocation computes CB input channels × PB adjacent pixels of one row of dx, gathering from the
// output gradient. Blocks start at multiples of the column stride, so which (pixel, tap) pairs meet
// an output column is known when generating the code: only those FMAs are emitted (for stride 2 a
// quarter of the taps), and the gradient values they need are loaded once per (output channel, row).
import type { Program, UniformField } from '../backend/webgpu/wgsl.js';
import { CONV_WG } from './conv2d-direct.js';

export interface ConvDgradVariant {
  CB: number;
  PB: number;
  KW: number;
  SW: number;
  DW: number;
  /** Column padding mod the column stride (the rest is a uniform). */
  PWR: number;
}

export const CONV_DGRAD_UNIFORMS = [
  'total',
  'nbx',
  'ncb',
  'ncbAll',
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
  'PWQ',
  'DH',
  'gOff',
  'wOff',
] as const;

export function conv2dDgrad(v: ConvDgradVariant): Program {
  const { CB, PB, KW, SW, DW, PWR } = v;
  if (PB % SW !== 0)
    throw new Error(`conv2d dgrad: pixel block ${PB} must be a multiple of the stride ${SW}`);
  // (pixel j, tap kx) meets output column q0 + PWQ + m when j + PWR - kx·DW = m·SW.
  const taps: { j: number; kx: number; m: number }[] = [];
  for (let j = 0; j < PB; j++) {
    for (let kx = 0; kx < KW; kx++) {
      const t = j + PWR - kx * DW;
      if (((t % SW) + SW) % SW === 0) taps.push({ j, kx, m: t / SW });
    }
  }
  const ms = [...new Set(taps.map((t) => t.m))].sort((a, b) => a - b);
  const mName = (m: number) => (m < 0 ? `n${-m}` : `p${m}`);
  const L: string[] = [];
  for (const m of ms) {
    L.push(
      `  let ox${mName(m)} = oxb + ${m}; let ok${mName(m)} = ox${mName(m)} >= 0 && ox${mName(m)} < Woi;`,
    );
    L.push(`  let cx${mName(m)} = u32(clamp(ox${mName(m)}, 0, Woi - 1));`);
  }
  for (let i = 0; i < CB; i++) L.push(`  let cw${i} = min(c0 + ${i}u, Cg - 1u) * KH * ${KW}u;`);
  for (let i = 0; i < CB; i++)
    L.push(`  ${Array.from({ length: PB }, (_, j) => `var a${i}_${j} = 0.0;`).join(' ')}`);
  L.push('  for (var ky = 0u; ky < KH; ky++) {');
  L.push('    let tn = iyp - i32(ky * DH);');
  L.push('    if (tn < 0) { break; }');
  L.push('    if (tn % SH != 0) { continue; }');
  L.push('    let oy = u32(tn / SH);');
  L.push('    if (oy >= Ho) { continue; }');
  L.push('    for (var o = 0u; o < Og; o++) {');
  L.push('      let oc = g * Og + o;');
  L.push('      let grow = u_gOff() + ((n * u_O() + oc) * Ho + oy) * Wo;');
  for (const m of ms)
    L.push(`      let g${mName(m)} = select(0.0, f32(G[grow + cx${mName(m)}]), ok${mName(m)});`);
  L.push(`      let wrow = u_wOff() + oc * Cg * KH * ${KW}u + ky * ${KW}u;`);
  for (let i = 0; i < CB; i++) {
    const ws = Array.from({ length: KW }, (_, kx) => `let w${i}_${kx} = f32(Wt[wrow + cw${i} + ${kx}u]);`);
    L.push(`      ${ws.join(' ')}`);
  }
  for (let i = 0; i < CB; i++) {
    L.push(
      `      ${taps.map((t) => `a${i}_${t.j} = fma(w${i}_${t.kx}, g${mName(t.m)}, a${i}_${t.j});`).join(' ')}`,
    );
  }
  L.push('    }', '  }');
  for (let i = 0; i < CB; i++) {
    L.push(`  if (c0 + ${i}u < Cg) {`);
    L.push(`    let ob = ((n * u_C() + g * Cg + c0 + ${i}u) * H + iy) * W + ix0;`);
    for (let j = 0; j < PB; j++) L.push(`    if (ix0 + ${j}u < W) { OUT[ob + ${j}u] = a${i}_${j}; }`);
    L.push('  }');
  }
  const uniforms: UniformField[] = CONV_DGRAD_UNIFORMS.map((name) => ({ name, type: 'u32' as const }));
  return {
    key: `conv2d:dgrad:cb${CB}:pb${PB}:kw${KW}:sw${SW}:dw${DW}:pwr${PWR}`,
    bindings: [
      { name: 'G', dtype: 'f32', access: 'read' },
      { name: 'Wt', dtype: 'f32', access: 'read' },
      { name: 'OUT', dtype: 'f32', access: 'read_write' },
    ],
    uniforms,
    workgroupSize: [CONV_WG, 1, 1],
    body: `  let idx = wgIndex * ${CONV_WG}u + lidx;
  if (idx >= u_total()) { return; }
  let H = u_H(); let W = u_W(); let Ho = u_Ho(); let Wo = u_Wo();
  let Og = u_Og(); let Cg = u_Cg(); let KH = u_KH(); let DH = u_DH(); let SH = i32(u_SH());
  let Woi = i32(Wo);
  let nbx = u_nbx();
  let P = H * nbx;
  let pb = idx % P;
  let r = idx / P;
  let cbg = r % u_ncbAll();
  let n = r / u_ncbAll();
  let g = cbg / u_ncb();
  let c0 = (cbg % u_ncb()) * ${CB}u;
  let iy = pb / nbx;
  let ix0 = (pb % nbx) * ${PB}u;
  let iyp = i32(iy + u_PH());
  let oxb = i32(ix0 / ${SW}u + u_PWQ());
${L.join('\n')}`,
  };
}
