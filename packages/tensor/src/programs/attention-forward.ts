// Fused attention forward, flash style: each invocation owns R query rows (register blocked: q and the
// output accumulators of R rows are named vec4 registers, fully unrolled over the head dim), walks the
// keys in tiles of T = 4 with an online softmax in f32 (exp2 on log2-scaled scores; one rescale of the
// accumulators per tile), and writes O and the row logsumexp (log2 units) that the backward uses to
// recompute P. Every loaded key/value scalar feeds R FMAs (on lavapipe loads, not FMAs, are the cost:
// docs/architecture.md, performance notes).
import type { Program, UniformField } from '../backend/webgpu/wgsl.js';
import {
  type AttnVariant,
  BIG,
  DMASK_FN,
  dm,
  hsum,
  keyEnd,
  load4,
  NEG,
  range,
  tileBits,
  variantKey,
  XYZW,
} from './attention-common.js';

export interface ForwardTiling {
  /** Query rows per invocation (1, 2, 4 or 8). */
  R: number;
  /** Keys per tile, unrolled (4; a tile must not straddle a 32-bit mask word). */
  T: number;
  /** Invocations per workgroup. */
  WG: number;
}

export const attentionUniforms = (extra: string[] = []): UniformField[] => [
  ...['BH', 'Sq', 'Sk', 'Dh', 'nB', 'H', 'W', 'mB', ...extra].map((name) => ({ name, type: 'u32' as const })),
  { name: 'off', type: 'i32' },
  { name: 'sc2', type: 'f32' },
  { name: 'scale', type: 'f32' },
];

export function attentionForwardProgram(v: AttnVariant, { R, T, WG }: ForwardTiling): Program {
  if (T !== 4)
    throw new Error(`attention: forward tiles hold 4 keys (one vec4 of scores per row), got T=${T}`);
  const D4 = v.dp / 4;
  const ex = v.exact;
  const rows = range(R);
  const chunks = range(D4);
  const keys = range(T);
  const L: string[] = [];
  L.push(
    'let Sq = u_Sq(); let Sk = u_Sk(); let Dh = u_Dh(); let dl = Dh - 1u; let nB = u_nB();',
    'let bh = wgIndex / nB; let blk = wgIndex - bh * nB;',
    'if (bh >= u_BH()) { return; }',
    `let rowBase = (blk * ${WG}u + lidx) * ${R}u;`,
    `let wgLast = min((blk + 1u) * ${WG * R}u, Sq) - 1u;`,
    'let qb = u_qOff() + bh * Sq * Dh; let kb = u_kOff() + bh * Sk * Dh; let vb = u_vOff() + bh * Sk * Dh;',
    'let ob = bh * Sq * Dh; let sc2 = u_sc2();',
  );
  for (const r of rows) L.push(`let row${r} = rowBase + ${r}u; let rc${r} = min(row${r}, Sq - 1u);`);
  if (v.mode === 'bits') {
    L.push('let W = u_W(); let mb = (bh / u_H()) * u_mB();');
    for (const r of rows) L.push(`let mr${r} = mb + rc${r} * W;`);
  }
  for (const r of rows) {
    for (const c of chunks) {
      L.push(`let q${r}_${c} = ${load4('Q', `qb + rc${r} * Dh`, c, ex)} * sc2${dm(c, ex)};`);
      L.push(`var o${r}_${c} = vec4<f32>(0.0);`);
    }
    L.push(`var m${r} = ${NEG}; var l${r} = 0.0;`);
  }
  L.push(keyEnd(v.mode, 'wgLast'));
  L.push(`for (var j0 = 0u; j0 < kEnd; j0 += ${T}u) {`);
  L.push(tileBits(v.mode, R, T));
  L.push(`if ((${rows.map((r) => `b${r}`).join(' | ')}) != 0u) {`);
  // scores of T keys for R rows: s<r> = vec4 over the tile's keys
  for (const r of rows) L.push(`var s${r} = vec4<f32>(0.0);`);
  for (const t of keys) {
    L.push('{', `let kr = kb + min(j0 + ${t}u, Sk - 1u) * Dh;`);
    for (const r of rows) L.push(`var a${r} = vec4<f32>(0.0);`);
    for (const c of chunks) {
      L.push(`{ let kv = ${load4('K', 'kr', c, ex)};`);
      L.push(`  ${rows.map((r) => `a${r} = fma(q${r}_${c}, kv, a${r});`).join(' ')} }`);
    }
    for (const r of rows) L.push(`s${r}.${XYZW[t]} = ${hsum(`a${r}`)};`);
    L.push('}');
  }
  // online softmax per row; p<r> replaces s<r>
  for (const r of rows) {
    L.push(
      '{',
      `let ok = ((vec4<u32>(b${r}) >> vec4<u32>(0u, 1u, 2u, 3u)) & vec4<u32>(1u)) != vec4<u32>(0u);`,
      `let sv = select(vec4<f32>(${NEG}), s${r}, ok);`,
      `let mn = max(m${r}, max(max(sv.x, sv.y), max(sv.z, sv.w)));`,
      `let corr = exp2(m${r} - mn); m${r} = mn;`,
      `s${r} = select(vec4<f32>(0.0), exp2(sv - mn), ok);`,
      `l${r} = fma(l${r}, corr, ${hsum(`s${r}`)});`,
      chunks.map((c) => `o${r}_${c} *= corr;`).join(' '),
      '}',
    );
  }
  // O += P·V
  for (const t of keys) {
    L.push('{', `let vr = vb + min(j0 + ${t}u, Sk - 1u) * Dh;`);
    for (const r of rows) L.push(`let p${r} = vec4<f32>(s${r}.${XYZW[t]});`);
    for (const c of chunks) {
      L.push(`{ let vv = ${load4('V', 'vr', c, ex)};`);
      L.push(`  ${rows.map((r) => `o${r}_${c} = fma(p${r}, vv, o${r}_${c});`).join(' ')} }`);
    }
    L.push('}');
  }
  L.push('}', '}'); // tile has a visible key; key tiles
  // epilogue: normalise, store O and the logsumexp (BIG for a row that saw no key; its O is 0)
  const dt = v.dtype;
  for (const r of rows) {
    L.push(
      `if (row${r} < Sq) {`,
      `  let o = ob + row${r} * Dh;`,
      `  let inv = select(0.0, 1.0 / max(l${r}, 1e-30), l${r} > 0.0);`,
    );
    for (const c of chunks) {
      L.push(`  { let x = o${r}_${c} * inv;`);
      for (const k of range(4)) {
        const st = `OUT[o + ${4 * c + k}u] = ${dt}(x.${XYZW[k]});`;
        L.push(ex ? `    ${st}` : `    if (${4 * c + k}u < Dh) { ${st} }`);
      }
      L.push('  }');
    }
    L.push(`  LSE[bh * Sq + row${r}] = select(${BIG}, m${r} + log2(max(l${r}, 1e-30)), l${r} > 0.0);`, '}');
  }
  return {
    key: `attention:fwd:${variantKey(v)}:r${R}t${T}w${WG}`,
    bindings: [
      { name: 'Q', dtype: dt, access: 'read' },
      { name: 'K', dtype: dt, access: 'read' },
      { name: 'V', dtype: dt, access: 'read' },
      ...(v.mode === 'bits' ? [{ name: 'MB', dtype: 'u32' as const, access: 'read' as const }] : []),
      { name: 'OUT', dtype: dt, access: 'read_write' },
      { name: 'LSE', dtype: 'f32', access: 'read_write' },
    ],
    uniforms: attentionUniforms(['qOff', 'kOff', 'vOff']),
    workgroupSize: [WG, 1, 1],
    helpers: ex ? '' : DMASK_FN,
    body: L.map((l) => `  ${l}`).join('\n'),
  };
}
