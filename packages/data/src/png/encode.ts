// PNG encoder: 8-bit RGB or RGBA, per-row adaptive filter (minimum sum of absolute differences, the
// libpng heuristic), zlib via fflate so it runs unchanged in Node and browsers.
import { zlibSync } from 'fflate';
import { crc32 } from './crc32.js';

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];

export interface EncodePngOptions {
  /** Bytes per pixel: 3 (RGB, default) or 4 (RGBA). */
  channels?: 3 | 4;
  /** zlib level 0-9 (default 6). */
  level?: 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;
}

export function encodePng(pixels: Uint8Array, width: number, height: number, options: EncodePngOptions = {}): Uint8Array {
  const channels = options.channels ?? 3;
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
    throw new Error(`encodePng: size must be positive integers, got ${width}x${height}`);
  }
  if (pixels.length !== width * height * channels) {
    throw new Error(`encodePng: expected ${width}x${height}x${channels} = ${width * height * channels} bytes, got ${pixels.length}`);
  }
  const stride = width * channels;
  const filtered = new Uint8Array(height * (stride + 1));
  const candidate = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const row = y * stride;
    const prev = y > 0 ? row - stride : -1;
    let best = Number.POSITIVE_INFINITY;
    let bestType = 0;
    const out = filtered.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let type = 0; type < 5; type++) {
      let sum = 0;
      for (let i = 0; i < stride; i++) {
        const x = pixels[row + i];
        const a = i >= channels ? pixels[row + i - channels] : 0;
        const b = prev >= 0 ? pixels[prev + i] : 0;
        const c = prev >= 0 && i >= channels ? pixels[prev + i - channels] : 0;
        let v: number;
        if (type === 0) v = x;
        else if (type === 1) v = x - a;
        else if (type === 2) v = x - b;
        else if (type === 3) v = x - ((a + b) >> 1);
        else v = x - paeth(a, b, c);
        v &= 0xff;
        candidate[i] = v;
        sum += v < 128 ? v : 256 - v;
      }
      if (sum < best) {
        best = sum;
        bestType = type;
        out.set(candidate);
      }
    }
    filtered[y * (stride + 1)] = bestType;
  }
  const idat = zlibSync(filtered, { level: options.level ?? 6 });
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
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
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
