// PNG encoder: 8-bit RGB or RGBA, Paeth filter, zlib via fflate so it runs unchanged in Node and
// browsers (or any zlib compressor passed in).
import { zlibSync } from 'fflate';
import { crc32 } from './crc32.js';

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];

export interface EncodePngOptions {
  /** Bytes per pixel: 3 (RGB, default) or 4 (RGBA). */
  channels?: 3 | 4;
  /** zlib level 0-9 for the default (fflate) compressor (default 6). */
  level?: 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;
  /** A zlib-format compressor to use instead of fflate (e.g. node:zlib deflateSync, which is faster). */
  deflate?: (data: Uint8Array) => Uint8Array;
}

/**
 * Paeth-filters one row (PNG filter type 4). On rendered faces the per-row adaptive choice (libpng's
 * minimum-sum heuristic) saves under 1 % of the bytes but costs more than the compression, so every
 * row uses Paeth.
 */
function paethRow(cur: Uint8Array, up: Uint8Array, out: Uint8Array, bpp: number): void {
  const n = cur.length;
  for (let i = 0; i < bpp; i++) out[i] = (cur[i] - up[i]) & 0xff;
  for (let i = bpp; i < n; i++) {
    const a = cur[i - bpp];
    const b = up[i];
    const c = up[i - bpp];
    const p = a + b - c;
    const pa = p > a ? p - a : a - p;
    const pb = p > b ? p - b : b - p;
    const pc = p > c ? p - c : c - p;
    out[i] = (cur[i] - (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)) & 0xff;
  }
}

export function encodePng(
  pixels: Uint8Array,
  width: number,
  height: number,
  options: EncodePngOptions = {},
): Uint8Array {
  const channels = options.channels ?? 3;
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
    throw new Error(`encodePng: size must be positive integers, got ${width}x${height}`);
  }
  if (pixels.length !== width * height * channels) {
    throw new Error(
      `encodePng: expected ${width}x${height}x${channels} = ${width * height * channels} bytes, got ${pixels.length}`,
    );
  }
  const stride = width * channels;
  const filtered = new Uint8Array(height * (stride + 1));
  const zero = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const cur = pixels.subarray(y * stride, (y + 1) * stride);
    const up = y > 0 ? pixels.subarray((y - 1) * stride, y * stride) : zero;
    const out = filtered.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    filtered[y * (stride + 1)] = 4;
    paethRow(cur, up, out, channels);
  }
  const idat = (options.deflate ?? ((d: Uint8Array) => zlibSync(d, { level: options.level ?? 6 })))(filtered);
  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, width);
  dv.setUint32(4, height);
  ihdr[8] = 8;
  ihdr[9] = channels === 3 ? 2 : 6;
  const chunks = [chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', new Uint8Array(0))];
  const total = SIGNATURE.length + chunks.reduce((n, c) => n + c.length, 0);
  const png = new Uint8Array(total);
  png.set(SIGNATURE, 0);
  let o = SIGNATURE.length;
  for (const c of chunks) {
    png.set(c, o);
    o += c.length;
  }
  return png;
}

export function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = p > a ? p - a : a - p;
  const pb = p > b ? p - b : b - p;
  const pc = p > c ? p - c : c - p;
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  dv.setUint32(8 + data.length, crc32(out, 4, 8 + data.length));
  return out;
}
