// Fused attention backward in two deterministic kernels (no atomics), both recomputing
// P = exp2(S·log2e - lse) from the forward's saved logsumexp:
//   dQ kernel  - over query rows (R per invocation): D = rowsum(dO∘O) (also written out for the
//                second kernel), then for each key: s = q·k, dp = dO·v, ds = p(dp - D), dQ += ds·k.
//   dKV kernel - over keys (R per invocation): for each query: s = q·k, dp = dO·v, dV += p·dO,
//                dK += ds·q.
// Both register-block R rows (resp. keys) in named vec4 registers, unrolled over the head dim, so each
// loaded scalar feeds R FMAs and nothing is indexed dynamically; the registers are filled and stored by
// loops (see attention-common.ts: lavapipe's compile time grows with the square of the loads in the code).
// dQ walks the keys one at a time (T = 1), so its loop holds one K and one V row of loads.
import type { Program } from '../backend/webgpu/wgsl.js';
import {
  type AttnVariant,
  DMASK_FN,
  hsum,
  keyEnd,
  load4,
  loadLoop,
  NEG,
  range,
  slotSelect,
  storeLoop,
  tileBits,
  variantKey,
} from './attention-common.js';
import { attentionUniforms, type ForwardTiling } from './attention-forward.js';

/** dQ and the row terms D = rowsum(dO∘O). Bindings: Q K V O LSE dO [MB] | DQ DELTA. */
export function attentionDqProgram(v: AttnVariant, { R, T, WG }: ForwardTiling): Program {
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
    'let obase = u_oOff() + bh * Sq * Dh; let gb = u_gOff() + bh * Sq * Dh; let lb = u_lOff() + bh * Sq;',
    'let ob = bh * Sq * Dh; let sc2 = u_sc2();',
  );
  L.push('let W = u_W(); let mb = (bh / u_H()) * u_mB(); let useBits = u_bits() != 0u;');
  for (const r of rows) {
    L.push(
      `let row${r} = rowBase + ${r}u; let rc${r} = min(row${r}, Sq - 1u); let mr${r} = mb + rc${r} * W;`,
    );
  }
  for (const r of rows) {
    L.push(`var de${r} = vec4<f32>(0.0);`);
    L.push(
      chunks
        .map(
          (c) =>
            `var q${r}_${c} = vec4<f32>(0.0); var g${r}_${c} = vec4<f32>(0.0); var dq${r}_${c} = vec4<f32>(0.0);`,
        )
        .join(' '),
    );
  }
  L.push(
    ...loadLoop(R, D4, 'min(rowBase + r, Sq - 1u) * Dh', (load) =>
      [
        `let x = ${load('Q', 'qb + rb')} * sc2; let g = ${load('GO', 'gb + rb')}; let oo = ${load('O', 'obase + rb')};`,
        slotSelect(R, D4, (r, c) => [
          [`q${r}_${c}`, 'x'],
          [`g${r}_${c}`, 'g'],
          [`de${r}`, `fma(g, oo, de${r})`],
        ]),
      ].join(' '),
    ),
  );
  for (const r of rows) {
    L.push(`let del${r} = ${hsum(`de${r}`)}; let lse${r} = LSE[lb + rc${r}];`);
    L.push(`if (row${r} < Sq) { DELTA[bh * Sq + row${r}] = del${r}; }`);
  }
  L.push(keyEnd('wgLast'));
  L.push(`for (var j0 = 0u; j0 < kEnd; j0 += ${T}u) {`);
  L.push(tileBits(R, T));
  L.push(`if ((${rows.map((r) => `b${r}`).join(' | ')}) != 0u) {`);
  for (const t of range(T)) {
    L.push('{', `let kj = min(j0 + ${t}u, Sk - 1u); let kr = kb + kj * Dh; let vr = vb + kj * Dh;`);
    for (const r of rows) L.push(`var a${r} = vec4<f32>(0.0); var c${r} = vec4<f32>(0.0);`);
    for (const c of chunks) {
      L.push(`let k${c} = ${load4('K', 'kr', c, dp)}; let v${c} = ${load4('V', 'vr', c, dp)};`);
      L.push(
        rows
          .map((r) => `a${r} = fma(q${r}_${c}, k${c}, a${r}); c${r} = fma(g${r}_${c}, v${c}, c${r});`)
          .join(' '),
      );
    }
    for (const r of rows) {
      L.push(
        `{ let p = exp2(select(${NEG}, ${hsum(`a${r}`)} - lse${r}, ((b${r} >> ${t}u) & 1u) != 0u));`,
        `  let ds = vec4<f32>(p * (${hsum(`c${r}`)} - del${r}));`,
        `  ${chunks.map((c) => `dq${r}_${c} = fma(ds, k${c}, dq${r}_${c});`).join(' ')} }`,
      );
    }
    L.push('}');
  }
  L.push('}', '}'); // tile has a visible key; key tiles
  L.push('let scale = u_scale();');
  L.push(...storeLoop(R, D4, 'rowBase + r', 'Sq', 'DQ', v.dtype, (r, c) => `dq${r}_${c} * scale`));
  return {
    key: `attention:dq:${variantKey(v)}:r${R}t${T}w${WG}`,
    bindings: [
      { name: 'Q', dtype: v.dtype, access: 'read' },
      { name: 'K', dtype: v.dtype, access: 'read' },
      { name: 'V', dtype: v.dtype, access: 'read' },
      { name: 'O', dtype: v.dtype, access: 'read' },
      { name: 'LSE', dtype: 'f32', access: 'read' },
      { name: 'GO', dtype: v.dtype, access: 'read' },
      { name: 'MB', dtype: 'u32', access: 'read' },
      { name: 'DQ', dtype: v.dtype, access: 'read_write' },
      { name: 'DELTA', dtype: 'f32', access: 'read_write' },
    ],
    uniforms: attentionUniforms(['qOff', 'kOff', 'vOff', 'oOff', 'gOff', 'lOff']),
    workgroupSize: [WG, 1, 1],
    helpers: DMASK_FN,
    body: L.map((l) => `  ${l}`).join('\n'),
  };
}

export interface KeyTiling {
  /** Keys per invocation (4, 8 or 16: a block must not straddle a 32-bit mask word). */
  R: number;
  WG: number;
}

/** dK and dV. Bindings: Q K V LSE dO DELTA [MB] | DK DV. */
export function attentionDkvProgram(v: AttnVariant, { R, WG }: KeyTiling): Program {
  const D4 = v.dp / 4;
  const dp = v.dp;
  const keys = range(R);
  const chunks = range(D4);
  const L: string[] = [];
  L.push(
    'let Sq = u_Sq(); let Sk = u_Sk(); let Dh = u_Dh(); let dl = Dh - 1u; let nB = u_nB();',
    'let bh = wgIndex / nB; let blk = wgIndex - bh * nB;',
    'if (bh >= u_BH()) { return; }',
    `let keyBase = (blk * ${WG}u + lidx) * ${R}u;`,
    `let wgFirst = blk * ${WG * R}u;`,
    'let qb = u_qOff() + bh * Sq * Dh; let kb = u_kOff() + bh * Sk * Dh; let vb = u_vOff() + bh * Sk * Dh;',
    'let gb = u_gOff() + bh * Sq * Dh; let lb = u_lOff() + bh * Sq; let db = bh * Sq;',
    'let ob = bh * Sk * Dh; let sc2 = u_sc2();',
  );
  for (const r of keys) {
    L.push(
      chunks
        .map(
          (c) =>
            `var k${r}_${c} = vec4<f32>(0.0); var v${r}_${c} = vec4<f32>(0.0); var dk${r}_${c} = vec4<f32>(0.0); var dv${r}_${c} = vec4<f32>(0.0);`,
        )
        .join(' '),
    );
  }
  L.push(
    ...loadLoop(R, D4, 'min(keyBase + r, Sk - 1u) * Dh', (load) =>
      [
        `let x = ${load('K', 'kb + rb')} * sc2; let y = ${load('V', 'vb + rb')};`,
        slotSelect(R, D4, (r, c) => [
          [`k${r}_${c}`, 'x'],
          [`v${r}_${c}`, 'y'],
        ]),
      ].join(' '),
    ),
  );
  const rmask = `${(2 ** R - 1) >>> 0}u`;
  L.push(
    'let W = u_W(); let mb = (bh / u_H()) * u_mB(); let kw = mb + (keyBase >> 5u); let ksh = keyBase & 31u;',
    'let useBits = u_bits() != 0u;',
    `let kvalid = (1u << min(select(0u, Sk - keyBase, keyBase < Sk), ${R}u)) - 1u;`,
    'let iStart = u32(max(i32(wgFirst) - u_off(), 0));',
    'for (var i = iStart; i < Sq; i++) {',
  );
  L.push(
    `let bits = kvalid & ((1u << u32(clamp(i32(i) + u_off() - i32(keyBase) + 1, 0, ${R}))) - 1u) & select(${rmask}, MB[select(0u, kw + i * W, useBits)] >> ksh, useBits);`,
  );
  L.push('if (bits != 0u) {', 'let qr = qb + i * Dh; let gr = gb + i * Dh;');
  for (const r of keys)
    L.push(
      `var a${r} = vec4<f32>(0.0); var c${r} = vec4<f32>(0.0); var pv${r}: vec4<f32>; var ds${r}: vec4<f32>;`,
    );
  // q and dO chunks are loaded again in the second phase rather than kept: long-lived loaded values
  // make lavapipe's JIT compile time explode (first dispatch of minutes at Dh 32).
  for (const c of chunks) {
    L.push(`{ let qv = ${load4('Q', 'qr', c, dp)}; let gv = ${load4('GO', 'gr', c, dp)};`);
    L.push(
      `  ${keys.map((r) => `a${r} = fma(k${r}_${c}, qv, a${r}); c${r} = fma(v${r}_${c}, gv, c${r});`).join(' ')} }`,
    );
  }
  L.push('let lse = LSE[lb + i]; let del = DELTA[db + i];');
  for (const r of keys) {
    L.push(
      `{ let p = exp2(select(${NEG}, ${hsum(`a${r}`)} - lse, ((bits >> ${r}u) & 1u) != 0u));`,
      `  pv${r} = vec4<f32>(p); ds${r} = vec4<f32>(p * (${hsum(`c${r}`)} - del)); }`,
    );
  }
  for (const c of chunks) {
    L.push(`{ let qv = ${load4('Q', 'qr', c, dp)}; let gv = ${load4('GO', 'gr', c, dp)};`);
    L.push(
      `  ${keys.map((r) => `dv${r}_${c} = fma(pv${r}, gv, dv${r}_${c}); dk${r}_${c} = fma(ds${r}, qv, dk${r}_${c});`).join(' ')} }`,
    );
  }
  L.push('}', '}', 'let scale = u_scale();');
  L.push(...storeLoop(R, D4, 'keyBase + r', 'Sk', 'DK', v.dtype, (r, c) => `dk${r}_${c} * scale`));
  L.push(...storeLoop(R, D4, 'keyBase + r', 'Sk', 'DV', v.dtype, (r, c) => `dv${r}_${c}`));
  return {
    key: `attention:dkv:${variantKey(v)}:r${R}w${WG}`,
    bindings: [
      { name: 'Q', dtype: v.dtype, access: 'read' },
      { name: 'K', dtype: v.dtype, access: 'read' },
      { name: 'V', dtype: v.dtype, access: 'read' },
      { name: 'LSE', dtype: 'f32', access: 'read' },
      { name: 'GO', dtype: v.dtype, access: 'read' },
      { name: 'DELTA', dtype: 'f32', access: 'read' },
      { name: 'MB', dtype: 'u32', access: 'read' },
      { name: 'DK', dtype: v.dtype, access: 'read_write' },
      { name: 'DV', dtype: v.dtype, access: 'read_write' },
    ],
    uniforms: attentionUniforms(['qOff', 'kOff', 'vOff', 'gOff', 'lOff']),
    workgroupSize: [WG, 1, 1],
    helpers: DMASK_FN,
    body: L.map((l) => `  ${l}`).join('\n'),
  };
}
