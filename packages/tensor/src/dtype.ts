// Element types. f16 is stored as 16-bit on the GPU (needs shader-f16) and read back as f32.
export type DType = 'f32' | 'f16' | 'i32' | 'u32';

export const DTYPES: readonly DType[] = ['f32', 'f16', 'i32', 'u32'];

export function byteSize(dtype: DType): number {
  return dtype === 'f16' ? 2 : 4;
}

export function isFloat(dtype: DType): boolean {
  return dtype === 'f32' || dtype === 'f16';
}

/** Host array type for a dtype (f16 is exchanged as Float32Array). */
export type HostArray = Float32Array<ArrayBuffer> | Int32Array<ArrayBuffer> | Uint32Array<ArrayBuffer>;

export function hostArray(dtype: DType, n: number): HostArray {
  if (dtype === 'i32') return new Int32Array(n);
  if (dtype === 'u32') return new Uint32Array(n);
  return new Float32Array(n);
}

export function assertDType(dtype: string, where: string): DType {
  if (!(DTYPES as readonly string[]).includes(dtype)) {
    throw new TypeError(`${where}: unknown dtype '${dtype}' (expected one of ${DTYPES.join(', ')})`);
  }
  return dtype as DType;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Round-to-nearest-even f32 -> f16 bits. */
export function f32ToF16Bits(v: number): number {
  f32[0] = v;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
  e = half;
  return sign | e;
}

export function f16BitsToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** The value an f16 store would keep. */
export function roundF16(v: number): number {
  return f16BitsToF32(f32ToF16Bits(v));
}
