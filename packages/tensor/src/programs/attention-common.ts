// Shared pieces of the fused attention programs (forward, dQ, dK/dV): the head-dim padding, loads,
// and the per-tile "which keys may this row see" bit fields.
//
// Masks reach the kernels in one of three forms (MaskMode), all handled by the same compiled program:
//   none   - every key below Sk is visible (the causal test below with an offset no key exceeds);
//   causal - computed from indices (key j visible from query i iff j <= i + off, off = Sk - Sq);
//   bits   - a packed u32 bitmap [Bm, Sq, ceil(Sk/32)] built once per forward by the pack program from
//            any mix of an arbitrary mask, key padding and causal. One word load gives up to 32 keys.
// The form is a uniform (`off`, and `bits` = read the bitmap), not a compile-time variant: lavapipe
// spends seconds of LLVM time per attention program, so one program per (dtype, head-width bucket)
// serves every mask and every Dh of the bucket (a cold Mesa shader cache compiles a third as much).
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
  /** Head dim padded to the compiled width (8, 16, 32, 64, 96 or 128); Dh itself is a uniform. */
  dp: number;
}

/** The compiled head width for Dh: 8, 16, 32, 64, 96 or 128 (one pipeline per bucket, not per size). */
export function paddedDim(dh: number): number {
  if (dh <= 8) return 8;
  if (dh <= 16) return 16;
  return Math.ceil(dh / 32) * 32;
}

/** The smallest Dh compiled into bucket dp: lanes below it are always real (no clamp, no mask). */
export const minDim = (dp: number) => (dp <= 8 ? 1 : dp <= 16 ? 9 : dp - 31);

/** Chunk c (lanes 4c..4c+3) lies below Dh for every Dh of the bucket. */
export const fullChunk = (c: number, dp: number) => 4 * c + 3 < minDim(dp);

export const variantKey = (v: AttnVariant) => `${v.dtype}:d${v.dp}`;

/**
 * vec4<f32> of BUF[base + 4c .. 4c+3] for a constant chunk c. In chunks that may pass Dh the index is
 * clamped to Dh - 1 (`dl` in scope) so loads stay in bounds and finite; callers zero the padded lanes
 * where it matters. Everything indexed by the head dim is unrolled into named registers: lavapipe turns
 * a dynamically indexed private array into scratch memory (measured: ~100x slower).
 */
export function load4(buf: string, base: string, c: number, dp: number): string {
  const full = fullChunk(c, dp);
  const idx = (k: number) => (full ? `${base} + ${4 * c + k}u` : `${base} + min(${4 * c + k}u, dl)`);
  return `vec4<f32>(f32(${buf}[${idx(0)}]), f32(${buf}[${idx(1)}]), f32(${buf}[${idx(2)}]), f32(${buf}[${idx(3)}]))`;
}

/** 1.0 for lanes d..d+3 below Dh, 0.0 past it. */
export const DMASK_FN = `fn dmask(d: u32, dh: u32) -> vec4<f32> {
  return select(vec4<f32>(0.0), vec4<f32>(1.0), vec4<u32>(d) + vec4<u32>(0u, 1u, 2u, 3u) < vec4<u32>(dh));
}`;

/** Multiplier for chunk c's lanes: nothing (always below Dh) or dmask. */
export const dm = (c: number, dp: number) => (fullChunk(c, dp) ? '' : ` * dmask(${4 * c}u, Dh)`);

/** Store of lane `lane` (a constant): unconditional where every Dh of the bucket has it. */
export const storeIf = (lane: number, dp: number, st: string) =>
  lane < minDim(dp) ? st : `if (${lane}u < Dh) { ${st} }`;

export const hsum = (v: string) => `dot(${v}, vec4<f32>(1.0))`;

/** Lines defining the loop bound kEnd over keys for a block of queries whose last row is `last`. */
export function keyEnd(last: string): string {
  return `let kEnd = u32(clamp(i32(${last}) + u_off() + 1, 0, i32(Sk)));`;
}

/**
 * Lines defining b<r> (u32, low T bits) for the T-key tile at j0: which of keys j0..j0+T-1 query row r
 * may see: below Sk, causal (j <= row + off) and, when the uniform `bits` is set, the bitmap word
 * (rows row<r>, may pass Sq; mr<r>, the row's word base in MB).
 */
export function tileBits(R: number, T: number): string {
  const lines: string[] = [];
  const tmask = `${(2 ** T - 1) >>> 0}u`;
  lines.push(`let tb = (1u << min(Sk - j0, ${T}u)) - 1u; let jw = j0 >> 5u; let js = j0 & 31u;`);
  for (let r = 0; r < R; r++) {
    lines.push(
      `let b${r} = tb & ((1u << u32(clamp(i32(row${r}) + u_off() - i32(j0) + 1, 0, ${T}))) - 1u) & select(${tmask}, MB[select(0u, mr${r} + jw, useBits)] >> js, useBits);`,
    );
  }
  return lines.join('\n');
}

export const range = (n: number) => Array.from({ length: n }, (_, i) => i);
export const XYZW = ['x', 'y', 'z', 'w'];

// lavapipe's LLVM compile time grows with the square of the storage loads and stores in a shader
// (measured, one core: 64 scalar loads ~1 s, 128 ~3 s, 256 ~12 s, 512 ~47 s; the same whether they sit in
// one loop, two, or none). Unrolled code loads or stores R·dp scalars to fill or drain the named registers
// of R rows, so those run as one runtime loop over (row, chunk) slots instead: one vec4 load or store in
// the code, the register picked by selects on the slot (no switch: Chromium's SwiftShader lost the device
// on a 64-case switch). They run once per invocation, outside the hot key loop, which keeps its unrolled
// per-chunk loads.

/** For the slot s = r·D4 + c of each register: `<target> = select(<target>, <value>, s == slot)`. */
export function slotSelect(R: number, D4: number, arm: (r: number, c: number) => [string, string][]): string {
  return range(R * D4)
    .flatMap((s) => arm(Math.floor(s / D4), s % D4).map(([t, v]) => `${t} = select(${t}, ${v}, s == ${s}u);`))
    .join(' ');
}

/**
 * Lines of a loop that fills registers for R rows × D4 chunks: `decl` declares them, and for each slot
 * the loop has r (row), c (chunk), `lanes` = 4c + (0,1,2,3) and the chunk loaded by `load(name)` (the
 * vec4 at buffer `name`, row base `rowBase(r)`, lanes clamped to Dh - 1 and zeroed past Dh).
 */
export function loadLoop(
  R: number,
  D4: number,
  rowBase: string,
  body: (load: (buf: string, base: string) => string) => string,
): string[] {
  const load = (buf: string, base: string) =>
    `(vec4<f32>(f32(${buf}[${base} + min(c4, dl)]), f32(${buf}[${base} + min(c4 + 1u, dl)]), f32(${buf}[${base} + min(c4 + 2u, dl)]), f32(${buf}[${base} + min(c4 + 3u, dl)])) * dmask(c4, Dh))`;
  return [
    `for (var s = 0u; s < ${R * D4}u; s++) {`,
    `let r = s / ${D4}u; let c4 = (s % ${D4}u) * 4u; let rb = ${rowBase};`,
    body(load),
    '}',
  ];
}

/**
 * Lines of a loop that stores registers: for slot s, `pick(r, c)` is the vec4 value, `limit` bounds the
 * row index `idx` (rows past it are not stored), `out`/`dt` the buffer and its dtype, `ob` + idx·Dh the
 * row's base; lanes past Dh are not stored.
 */
export function storeLoop(
  R: number,
  D4: number,
  idx: string,
  limit: string,
  out: string,
  dt: string,
  pick: (r: number, c: number) => string,
): string[] {
  return [
    `for (var s = 0u; s < ${R * D4}u; s++) {`,
    `let r = s / ${D4}u; let c4 = (s % ${D4}u) * 4u; let idx = ${idx};`,
    'var x = vec4<f32>(0.0);',
    slotSelect(R, D4, (r, c) => [['x', pick(r, c)]]),
    `if (idx < ${limit}) {`,
    'let o = ob + idx * Dh + c4;',
    ...range(4).map((k) => `if (c4 + ${k}u < Dh) { ${out}[o + ${k}u] = ${dt}(x.${XYZW[k]}); }`),
    '}',
    '}',
  ];
}
