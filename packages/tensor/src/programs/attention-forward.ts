// Fused attention forward, flash style: each invocation owns R query rows (register blocked: q and the
// output accumulators of R rows are named vec4 registers, unrolled over the head dim), walks the keys one
// at a time with an online softmax in f32 (exp2 on log2-scaled scores; the accumulators are rescaled
// when a row's running max moved), and writes O and the row logsumexp (log2 units) that the backward uses to
// recompute P. Every loaded key/value scalar feeds R FMAs (on lavapipe loads, not FMAs, are
// the cost: docs/architecture.md, performance notes). One key per step, not an unrolled tile, and q / O moved by loops (attention-common): the
// code holds 2·dp storage loads, which keeps lavapipe's cold compile to seconds.
import type { Program, UniformField } from '../backend/webgpu/wgsl.js';
import {
  type AttnVariant,
  BIG,
  DMASK_FN,
  hsum,
  keyEnd,
  load4,
  loadLoop,
  NEG,
  range,
  slotSelect,
  storeLoop,
  variantKey,
} from './attention-common.js';

export interface ForwardTiling {
  /** Query rows per invocation (1, 2, 4 or 8). */
  R: number;
  /** Keys per step of the key loop (the forward takes 1; dQ reads bit fields of T keys). */
  T: number;
  /** Invocations per workgroup. */
  WG: number;
}

/** `off`: the causal offset (Sk for no causal limit); `bits`: 1 = AND the bitmap MB in (mask mode). */
export const attentionUniforms = (extra: string[] = []): UniformField[] => [
  ...['BH', 'Sq', 'Sk', 'Dh', 'nB', 'H', 'W', 'mB', 'bits', ...extra].map((name) => ({
    name,
    type: 'u32' as const,
  })),
  { name: 'off', type: 'i32' },
  { name: 'sc2', type: 'f32' },
  { name: 'scale', type: 'f32' },
];

export function attentionForwardProgram(v: AttnVariant, { R, T, WG }: ForwardTiling): Program {
  if (T !== 1) throw new Error(`attention: the forward walks keys one at a time (T=1), got T=${T}`);
  const D4 = v.dp / 4;
  const dp = v.dp;
  const rows = range(R);
  const chunks = range(D4);
  const L: string[] = [];
  L.push(
    'let Sq = u_Sq(); let Sk = u_Sk(); let Dh = u_Dh(); let dl = Dh - 1u; let nB = u_nB();',
    'let bh = wgIndex / nB; let blk = wgIndex - bh * nB;',
    'if (bh >= u_BH()) { return; }',
    `let rowBase = (blk * ${WG}u + lidx) * ${R}u;`,
    `let wgLast = min((blk + 1u) * ${WG * R}u, Sq) - 1u;`,
    'let qb = u_qOff() + bh * Sq * Dh; let kb = u_kOff() + bh * Sk * Dh; let vb = u_vOff() + bh * Sk * Dh;',
    'let ob = bh * Sq * Dh; let sc2 = u_sc2();',
    'let W = u_W(); let mb = (bh / u_H()) * u_mB(); let useBits = u_bits() != 0u;',
  );
  for (const r of rows) {
    L.push(`let row${r} = rowBase + ${r}u; let mr${r} = mb + min(row${r}, Sq - 1u) * W;`);
    L.push(chunks.map((c) => `var q${r}_${c} = vec4<f32>(0.0); var o${r}_${c} = vec4<f32>(0.0);`).join(' '));
    L.push(`var m${r} = ${NEG}; var l${r} = 0.0;`);
  }
  L.push(
    ...loadLoop(R, D4, 'min(rowBase + r, Sq - 1u) * Dh', (load) => {
      return `let x = ${load('Q', 'qb + rb')} * sc2; ${slotSelect(R, D4, (r, c) => [[`q${r}_${c}`, 'x']])}`;
    }),
  );
  L.push(keyEnd('wgLast'));
  L.push('for (var j = 0u; j < kEnd; j++) {', 'let jw = j >> 5u; let js = j & 31u;');
  // which rows see key j: causal (j <= row + off) and, in mask mode, the bitmap bit
  for (const r of rows) {
    L.push(
      `let b${r} = (i32(row${r}) + u_off() >= i32(j)) & ((select(1u, MB[select(0u, mr${r} + jw, useBits)] >> js, useBits) & 1u) != 0u);`,
    );
  }
  L.push(`if (${rows.map((r) => `b${r}`).join(' | ')}) {`, 'let kr = kb + j * Dh; let vr = vb + j * Dh;');
  for (const r of rows) L.push(`var a${r} = vec4<f32>(0.0);`);
  for (const c of chunks) {
    L.push(`{ let kv = ${load4('K', 'kr', c, dp)};`);
    L.push(`  ${rows.map((r) => `a${r} = fma(q${r}_${c}, kv, a${r});`).join(' ')} }`);
  }
  // online softmax per row: p = exp2(s - m_new), accumulators rescaled by exp2(m_old - m_new)
  for (const r of rows) {
    L.push(
      `let s${r} = select(${NEG}, ${hsum(`a${r}`)}, b${r}); let mn${r} = max(m${r}, s${r});`,
      `let corr${r} = vec4<f32>(exp2(m${r} - mn${r})); let p${r} = vec4<f32>(select(0.0, exp2(s${r} - mn${r}), b${r}));`,
      `l${r} = fma(l${r}, corr${r}.x, p${r}.x); m${r} = mn${r};`,
    );
  }
  // the running max rarely moves after the first keys: rescale only when it did for some row here
  L.push(`if (${rows.map((r) => `corr${r}.x != 1.0`).join(' || ')}) {`);
  for (const c of chunks) L.push(`  ${rows.map((r) => `o${r}_${c} *= corr${r};`).join(' ')}`);
  L.push('}');
  for (const c of chunks) {
    L.push(`{ let vv = ${load4('V', 'vr', c, dp)};`);
    L.push(`  ${rows.map((r) => `o${r}_${c} = fma(p${r}, vv, o${r}_${c});`).join(' ')} }`);
  }
  L.push('}', '}'); // key visible to a row; keys
  // epilogue: normalise, store O and the logsumexp (BIG for a row that saw no key; its O is 0)
  const dt = v.dtype;
  for (const r of rows) L.push(`let inv${r} = select(0.0, 1.0 / max(l${r}, 1e-30), l${r} > 0.0);`);
  L.push(...storeLoop(R, D4, 'rowBase + r', 'Sq', 'OUT', dt, (r, c) => `o${r}_${c} * inv${r}`));
  for (const r of rows) {
    L.push(
      `if (row${r} < Sq) { LSE[bh * Sq + row${r}] = select(${BIG}, m${r} + log2(max(l${r}, 1e-30)), l${r} > 0.0); }`,
    );
  }
  return {
    key: `attention:fwd:${variantKey(v)}:r${R}t${T}w${WG}`,
    bindings: [
      { name: 'Q', dtype: dt, access: 'read' },
      { name: 'K', dtype: dt, access: 'read' },
      { name: 'V', dtype: dt, access: 'read' },
      { name: 'MB', dtype: 'u32', access: 'read' },
      { name: 'OUT', dtype: dt, access: 'read_write' },
      { name: 'LSE', dtype: 'f32', access: 'read_write' },
    ],
    uniforms: attentionUniforms(['qOff', 'kOff', 'vOff']),
    workgroupSize: [WG, 1, 1],
    helpers: DMASK_FN,
    body: L.map((l) => `  ${l}`).join('\n'),
  };
}
