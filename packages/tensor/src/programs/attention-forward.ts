// Fused attention forward, flash style: each invocation owns R query rows (register blocked: q and the
// output accumulators for R rows live in private arrays), walks the keys in tiles of T with an online
// softmax in f32 (exp2 on log2-scaled scores), and writes O and the row logsumexp (log2 units) that the
// backward uses to recompute P. Every loaded key/value scalar feeds R FMAs (PERF-NOTES: on lavapipe
// loads, not FMAs, are the cost). Scores of a tile are kept as vec4s over 4 rows, so the softmax
// bookkeeping runs 4 rows at a time.
import type { Program, UniformField } from '../backend/webgpu/wgsl.js';
import {
  type AttnVariant,
  BIG,
  DMASK_FN,
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
  /** Query rows per invocation (multiple of 4). */
  R: number;
  /** Keys per tile (8 or 16: a tile must not straddle a 32-bit mask word). */
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
  const G = R / 4;
  const D4 = v.dp / 4;
  const ex = v.exact;
  const rows = range(R);
  const groups = range(G);
  const L: string[] = [];
  L.push(
    'let Sq = u_Sq(); let Sk = u_Sk(); let Dh = u_Dh(); let dl = Dh - 1u; let nB = u_nB();',
    `let bh = wgIndex / nB; let blk = wgIndex - bh * nB;`,
    `if (bh >= u_BH()) { return; }`,
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
  L.push(
    `var q: array<vec4<f32>, ${R * D4}>;`,
    `var acc: array<vec4<f32>, ${R * D4}>;`,
    `var sc: array<vec4<f32>, ${T * G}>;`,
    `for (var d4 = 0u; d4 < ${D4}u; d4++) {`,
    `  let d = d4 * 4u; let s = ${ex ? 'vec4<f32>(sc2)' : 'dmask(d, Dh) * sc2'};`,
    ...rows.map((r) => `  q[${r * D4}u + d4] = ${load4('Q', `qb + rc${r} * Dh`, ex)} * s;`),
    '}',
  );
  for (const g of groups) L.push(`var m${g} = vec4<f32>(${NEG}); var l${g} = vec4<f32>(0.0);`);
  L.push(keyEnd(v.mode, 'wgLast'));
  L.push(`for (var j0 = 0u; j0 < kEnd; j0 += ${T}u) {`);
  L.push(tileBits(v.mode, R, T));
  L.push(`if ((${rows.map((r) => `b${r}`).join(' | ')}) == 0u) { continue; }`);
  // scores for T keys × R rows
  L.push(
    `for (var t = 0u; t < ${T}u; t++) {`,
    '  let kr = kb + min(j0 + t, Sk - 1u) * Dh;',
    ...rows.map((r) => `  var a${r} = vec4<f32>(0.0);`),
    `  for (var d4 = 0u; d4 < ${D4}u; d4++) {`,
    `    let d = d4 * 4u; let kv = ${load4('K', 'kr', ex)};`,
    ...rows.map((r) => `    a${r} = fma(q[${r * D4}u + d4], kv, a${r});`),
    '  }',
    ...groups.map(
      (g) => `  sc[t * ${G}u + ${g}u] = vec4<f32>(${range(4).map((c) => hsum(`a${4 * g + c}`)).join(', ')});`,
    ),
    '}',
  );
  // online softmax, 4 rows at a time
  for (const g of groups) {
    const i = `t * ${G}u + ${g}u`;
    L.push(
      '{',
      `  let bg = vec4<u32>(${range(4).map((c) => `b${4 * g + c}`).join(', ')});`,
      `  var mx = vec4<f32>(${NEG});`,
      `  for (var t = 0u; t < ${T}u; t++) {`,
      '    let ok = ((bg >> vec4<u32>(t)) & vec4<u32>(1u)) != vec4<u32>(0u);',
      `    let s = select(vec4<f32>(${NEG}), sc[${i}], ok); sc[${i}] = s; mx = max(mx, s);`,
      '  }',
      `  let mn = max(m${g}, mx); let corr = exp2(m${g} - mn); m${g} = mn;`,
      '  var ls = vec4<f32>(0.0);',
      `  for (var t = 0u; t < ${T}u; t++) {`,
      '    let ok = ((bg >> vec4<u32>(t)) & vec4<u32>(1u)) != vec4<u32>(0u);',
      `    let p = select(vec4<f32>(0.0), exp2(sc[${i}] - mn), ok); sc[${i}] = p; ls += p;`,
      '  }',
      `  l${g} = fma(l${g}, corr, ls);`,
      `  for (var d4 = 0u; d4 < ${D4}u; d4++) {`,
      ...range(4).map((c) => `    acc[${(4 * g + c) * D4}u + d4] *= corr.${XYZW[c]};`),
      '  }',
      '}',
    );
  }
  // O += P·V
  L.push(
    `for (var t = 0u; t < ${T}u; t++) {`,
    '  let vr = vb + min(j0 + t, Sk - 1u) * Dh;',
    ...groups.map((g) => `  let p${g} = sc[t * ${G}u + ${g}u];`),
    `  for (var d4 = 0u; d4 < ${D4}u; d4++) {`,
    `    let d = d4 * 4u; let vv = ${load4('V', 'vr', ex)};`,
    ...rows.map((r) => {
      const a = `acc[${r * D4}u + d4]`;
      return `    ${a} = fma(vec4<f32>(p${r >> 2}.${XYZW[r & 3]}), vv, ${a});`;
    }),
    '  }',
    '}',
  );
  L.push('}');
  // epilogue: normalise, store O and the logsumexp (BIG for a row that saw no key; its O is 0)
  for (const g of groups) {
    L.push(
      `let has${g} = l${g} > vec4<f32>(0.0);`,
      `let inv${g} = select(vec4<f32>(0.0), 1.0 / max(l${g}, vec4<f32>(1e-30)), has${g});`,
      `let lse${g} = select(vec4<f32>(${BIG}), m${g} + log2(max(l${g}, vec4<f32>(1e-30))), has${g});`,
    );
  }
  const dt = v.dtype;
  for (const r of rows) {
    const c = `${r >> 2}.${XYZW[r & 3]}`;
    L.push(
      `if (row${r} < Sq) {`,
      `  let o = ob + row${r} * Dh;`,
      `  for (var d4 = 0u; d4 < ${D4}u; d4++) {`,
      `    let d = d4 * 4u; let x = acc[${r * D4}u + d4] * inv${c};`,
      ...range(4).map((k) =>
        ex ? `    OUT[o + d + ${k}u] = ${dt}(x.${XYZW[k]});` : `    if (d + ${k}u < Dh) { OUT[o + d + ${k}u] = ${dt}(x.${XYZW[k]}); }`,
      ),
      '  }',
      `  LSE[bh * Sq + row${r}] = lse${c};`,
      '}',
    );
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
