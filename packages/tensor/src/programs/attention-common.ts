// Shared pieces of the fused attention programs (forward, dQ, dK/dV): the head-dim padding, loads,
// and the per-tile "which keys may this row see" bit fields.
//
// Masks reach the kernels in one of three forms (MaskMode):
//   none   - every key below Sk is visible;
//   causal - computed from indices (key j visible from query i iff j <= i + Sk - Sq);
//   bits   - a packed u32 bitmap [Bm, Sq, ceil(Sk/32)] built once per forward by the pack program from
//            any mix of an arbitrary mask, key padding and causal. One word load gives up to 32 keys.
// Inside the kernels every tile of keys becomes a bit field per row; a tile whose fields are all zero
// is skipped, so block-structured masks (prefix-bidirectional, causal) skip the masked blocks.
//
// No inf or NaN appears anywhere (WGSL lets implementations assume they do not occur): masked scores
// are NEG = -1e30 and a fully masked row stores the logsumexp sentinel BIG = 1e30.
import type { DType } from '../dtype.js';

export type MaskMode = 'none' | 'causal' | 'bits';

export const NEG = '-1.0e30';
export const BIG = '1.0e30';
export const LOG2E = Math.LOG2E;
export const MAX_HEAD_DIM = 128;

export interface AttnVariant {
  dtype: DType;
  /** Head dim padded to the compiled width (multiple of 8/16/32). */
  dp: number;
  /** dp === Dh: no clamped loads or padding masks. */
  exact: boolean;
  mode: MaskMode;
}

/** The compiled head width for Dh: 8, 16, 32, 64, 96 or 128 (one pipeline per bucket, not per size). */
export function paddedDim(dh: number): number {
  if (dh <= 8) return 8;
  if (dh <= 16) return 16;
  return Math.ceil(dh / 32) * 32;
}

export const variantKey = (v: AttnVariant) => `${v.dtype}:d${v.dp}${v.exact ? 'e' : 'p'}:${v.mode}`;

/**
 * vec4<f32> of BUF[base + 4c .. 4c+3] for a constant chunk c. Past Dh (padded variants) the index is
 * clamped to Dh - 1 (`dl` in scope) so loads stay in bounds and finite; callers zero the padded lanes
 * where it matters. Everything indexed by the head dim is unrolled into named registers: lavapipe turns
 * a dynamically indexed private array into scratch memory (measured: ~100x slower).
 */
export function load4(buf: string, base: string, c: number, exact: boolean): string {
  const idx = (k: number) => (exact ? `${base} + ${4 * c + k}u` : `${base} + min(${4 * c + k}u, dl)`);
  return `vec4<f32>(f32(${buf}[${idx(0)}]), f32(${buf}[${idx(1)}]), f32(${buf}[${idx(2)}]), f32(${buf}[${idx(3)}]))`;
}

/** 1.0 for lanes d..d+3 below Dh, 0.0 past it. */
export const DMASK_FN = `fn dmask(d: u32, dh: u32) -> vec4<f32> {
  return select(vec4<f32>(0.0), vec4<f32>(1.0), vec4<u32>(d) + vec4<u32>(0u, 1u, 2u, 3u) < vec4<u32>(dh));
}`;

/** Multiplier for chunk c's lanes: 1 (exact) or dmask. */
export const dm = (c: number, exact: boolean) => (exact ? '' : ` * dmask(${4 * c}u, Dh)`);

export const hsum = (v: string) => `dot(${v}, vec4<f32>(1.0))`;

/** Lines defining the loop bound kEnd over keys for a block of queries whose last row is `last`. */
export function keyEnd(mode: MaskMode, last: string): string {
  if (mode !== 'causal') return 'let kEnd = Sk;';
  return `let kEnd = u32(clamp(i32(${last}) + u_off() + 1, 0, i32(Sk)));`;
}

/**
 * Lines defining b<r> (u32, low T bits) for the T-key tile at j0: which of keys j0..j0+T-1 query row r
 * may see. Rows are row<r> (may pass Sq) / rc<r> (clamped); bits mode needs mr<r> (the row's word base).
 */
export function tileBits(mode: MaskMode, R: number, T: number): string {
  const lines: string[] = [];
  const tmask = `${(2 ** T - 1) >>> 0}u`;
  if (mode === 'bits') {
    for (let r = 0; r < R; r++) lines.push(`let b${r} = (MB[mr${r} + (j0 >> 5u)] >> (j0 & 31u)) & ${tmask};`);
    return lines.join('\n');
  }
  lines.push(`let tb = (1u << min(Sk - j0, ${T}u)) - 1u;`);
  for (let r = 0; r < R; r++) {
    if (mode === 'none') lines.push(`let b${r} = tb;`);
    else {
      lines.push(
        `let b${r} = tb & ((1u << u32(clamp(i32(row${r}) + u_off() - i32(j0) + 1, 0, ${T}))) - 1u);`,
      );
    }
  }
  return lines.join('\n');
}

export const range = (n: number) => Array.from({ length: n }, (_, i) => i);
export const XYZW = ['x', 'y', 'z', 'w'];
