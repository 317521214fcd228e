// Counter-based random numbers: Philox4x32-10 (Salmon, Moraes, Dror, Shaw, "Parallel random numbers:
// as easy as 1, 2, 3", SC'11; the Random123 library). This TS version is the reference the WGSL one
// must match bit for bit. Stream layout shared by both backends (see ops/random.ts):
//   word i of a draw = philox(counter = [lo, hi of (offset + floor(i / 4)), c2, c3], key = [k0, k1])[i % 4]
// Distributions read those words:
//   uniform  [0, 1):  (w >>> 8) * 2^-24          (exact in f32: equal on every backend)
//   open     (0, 1):  ((w >>> 9) + 0.5) * 2^-23  (exact in f32; used by Gumbel)
//   normal:  Box–Muller on word pairs (2j, 2j+1): u1 = ((w >>> 8) + 1) * 2^-24 in (0, 1],
//            t = 2π uniform - π (WGSL's accurate range for sin/cos), r = sqrt(-2 ln u1),
//            z_even = r cos t, z_odd = r sin t
//   gumbel:  -ln(-ln(open))
import type { DType } from '../../dtype.js';
import { type Attrs, registerKernel } from '../../kernels/registry.js';
import { empty, type Tensor } from '../../tensor.js';
import { arr, finish } from './util.js';

export const PHILOX_M0 = 0xd2511f53;
export const PHILOX_M1 = 0xcd9e8d57;
export const PHILOX_W0 = 0x9e3779b9;
export const PHILOX_W1 = 0xbb67ae85;

/** High 32 bits of the 64-bit product of two u32 (16-bit limbs: every partial product is exact). */
function mulhi(a: number, b: number): number {
  const al = a & 0xffff;
  const ah = a >>> 16;
  const bl = b & 0xffff;
  const bh = b >>> 16;
  const ll = al * bl;
  const lh = al * bh;
  const hl = ah * bl;
  const mid = (ll >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  return (ah * bh + Math.floor(lh / 65536) + Math.floor(hl / 65536) + Math.floor(mid / 65536)) >>> 0;
}

/** One Philox4x32-10 block: 4 counter words and 2 key words (u32 each) to 4 output words. */
export function philox4x32(
  c0: number,
  c1: number,
  c2: number,
  c3: number,
  k0: number,
  k1: number,
  out: Uint32Array = new Uint32Array(4),
): Uint32Array {
  let x0 = c0 >>> 0;
  let x1 = c1 >>> 0;
  let x2 = c2 >>> 0;
  let x3 = c3 >>> 0;
  let ka = k0 >>> 0;
  let kb = k1 >>> 0;
  for (let r = 0; r < 10; r++) {
    if (r > 0) {
      ka = (ka + PHILOX_W0) >>> 0;
      kb = (kb + PHILOX_W1) >>> 0;
    }
    const hi0 = mulhi(PHILOX_M0, x0);
    const lo0 = Math.imul(PHILOX_M0, x0) >>> 0;
    const hi1 = mulhi(PHILOX_M1, x2);
    const lo1 = Math.imul(PHILOX_M1, x2) >>> 0;
    x0 = (hi1 ^ x1 ^ ka) >>> 0;
    x1 = lo1;
    x2 = (hi0 ^ x3 ^ kb) >>> 0;
    x3 = lo0;
  }
  out[0] = x0;
  out[1] = x1;
  out[2] = x2;
  out[3] = x3;
  return out;
}

/** Raw Philox words: key [k0, k1], 64-bit block counter [off0, off1] (+ block index), high words [c2, c3]. */
export interface PhiloxParams {
  key: readonly [number, number];
  ctr: readonly [number, number, number, number];
}

/** `n` consecutive words of the stream (word i from block i >> 2, lane i & 3). */
export function philoxWords(n: number, { key, ctr }: PhiloxParams): Uint32Array {
  const out = new Uint32Array(n);
  const block = new Uint32Array(4);
  for (let b = 0; b * 4 < n; b++) {
    // 64-bit counter add with carry, as the WGSL does it.
    const lo = (ctr[0] + b) >>> 0;
    const hi = (ctr[1] + (lo < ctr[0] >>> 0 ? 1 : 0)) >>> 0;
    philox4x32(lo, hi, ctr[2], ctr[3], key[0], key[1], block);
    for (let j = 0; j < 4 && b * 4 + j < n; j++) out[b * 4 + j] = block[j];
  }
  return out;
}

export const uniform01 = (w: number) => (w >>> 8) * 2 ** -24;
export const uniformOpen = (w: number) => ((w >>> 9) + 0.5) * 2 ** -23;

/** The distribution's first `n` samples (before the affine `p0 * s + p1`); `words` holds whole blocks. */
export function samples(dist: string, words: Uint32Array, n: number): Float64Array | Uint32Array {
  if (dist === 'bits') return words.subarray(0, n);
  const out = new Float64Array(n);
  if (dist === 'uniform') for (let i = 0; i < n; i++) out[i] = uniform01(words[i]);
  else if (dist === 'gumbel')
    for (let i = 0; i < n; i++) out[i] = -Math.log(-Math.log(uniformOpen(words[i])));
  else if (dist === 'normal') {
    for (let i = 0; i < n; i += 2) {
      const u1 = ((words[i] >>> 8) + 1) * 2 ** -24;
      // The pair's second word exists in the block even when n is odd.
      const t = 2 * Math.PI * uniform01(words[i + 1]) - Math.PI;
      const r = Math.sqrt(-2 * Math.log(u1));
      out[i] = r * Math.cos(t);
      if (i + 1 < n) out[i + 1] = r * Math.sin(t);
    }
  } else throw new Error(`random: unknown distribution '${dist}'`);
  return out;
}

export function philoxOf(a: Attrs): PhiloxParams {
  return { key: a.key as [number, number], ctr: a.ctr as [number, number, number, number] };
}

/** attrs: dist ('bits'|'uniform'|'normal'|'gumbel'|'keep'), shape, dtype, key, ctr, p0, p1. */
registerKernel('random', 'cpu', (_inputs, a: Attrs) => {
  const shape = a.shape as number[];
  const dtype = a.dtype as DType;
  const out = empty(shape, dtype, 'cpu');
  const o = arr(out);
  const words = philoxWords(Math.ceil(o.length / 4) * 4, philoxOf(a));
  const p0 = a.p0 as number;
  const p1 = a.p1 as number;
  if (a.dist === 'keep') {
    const thr = Math.fround(p0);
    for (let i = 0; i < o.length; i++) o[i] = uniform01(words[i]) >= thr ? 1 : 0;
    return out;
  }
  const s = samples(a.dist as string, words, o.length);
  if (a.dist === 'bits') o.set(s);
  else for (let i = 0; i < o.length; i++) o[i] = s[i] * p0 + p1;
  return finish(out);
});

/** x * scale where uniform >= p, else 0 (x contiguous). attrs: p, scale, key, ctr. */
registerKernel('dropout', 'cpu', ([x], a: Attrs) => {
  const out = empty(x.shape, x.dtype, 'cpu');
  const o = arr(out);
  const src = arr(x);
  const words = philoxWords(o.length, philoxOf(a));
  const thr = Math.fround(a.p as number);
  const scale = Math.fround(a.scale as number);
  for (let i = 0; i < o.length; i++) o[i] = uniform01(words[i]) >= thr ? src[x.offset + i] * scale : 0;
  return finish(out);
});

/**
 * One category per row of x [rows, n] (contiguous): the smallest j with cumsum(w)_j > u * sum(w), u the
 * row's uniform (word `row` of the stream). Weights w: exp((x - max) * invT) from logits, x^invT from
 * probabilities (x <= 0 weighs 0). Rows without positive weight give -1. attrs: fromLogits, invT, key, ctr.
 */
registerKernel('multinomial', 'cpu', ([x], a: Attrs) => {
  const n = x.shape[x.rank - 1];
  const rows = n === 0 ? 0 : x.size / n;
  const out = empty(x.shape.slice(0, -1), 'i32', 'cpu');
  const o = arr(out);
  const src = arr(x);
  const words = philoxWords(o.length, philoxOf(a));
  const invT = a.invT as number;
  const w = new Float64Array(n);
  for (let r = 0; r < rows; r++) {
    const base = x.offset + r * n;
    let m = Number.NEGATIVE_INFINITY;
    if (a.fromLogits) for (let j = 0; j < n; j++) m = Math.max(m, src[base + j]);
    let total = 0;
    for (let j = 0; j < n; j++) {
      const v = src[base + j];
      w[j] = a.fromLogits ? Math.exp((v - m) * invT) : v > 0 ? (invT === 1 ? v : v ** invT) : 0;
      total += w[j];
    }
    o[r] = -1;
    if (!(total > 0)) continue;
    const target = uniform01(words[r]) * total;
    let acc = 0;
    for (let j = 0; j < n; j++) {
      acc += w[j];
      if (w[j] > 0) o[r] = j;
      if (acc > target && w[j] > 0) break;
    }
  }
  return out;
});

export type { Tensor };
