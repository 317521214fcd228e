// PNG decoder for non-interlaced images of bit depth 8 or 16 in every colour type (grey, RGB, palette,
// grey+alpha, RGBA). Returns 8-bit RGB plus alpha when the image has one. Errors name the rule broken.
import { unzlibSync } from 'fflate';
import { crc32 } from './crc32.js';
import { paeth } from './encode.js';

export interface DecodedPng {
  width: number;
  height: number;
  /** 8-bit RGB, width * height * 3 bytes. */
  rgb: Uint8Array;
  /** 8-bit alpha, width * height bytes, or null when the image has no alpha. */
  alpha: Uint8Array | null;
}

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

export function decodePng(bytes: Uint8Array, name = 'PNG'): DecodedPng {
  const fail = (msg: string): never => {
    throw new Error(`decodePng(${name}): ${msg}`);
  };
  if (bytes.length < 8 || SIGNATURE.some((b, i) => bytes[i] !== b)) fail('missing PNG signature');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let o = 8;
  let width = 0;
  let height = 0;
  let depth = 0;
  let colorType = -1;
  let palette: Uint8Array | null = null;
  let trns: Uint8Array | null = null;
  const idat: Uint8Array[] = [];
  let sawEnd = false;
  while (o + 12 <= bytes.length) {
    const len = dv.getUint32(o);
    const type = String.fromCharCode(bytes[o + 4], bytes[o + 5], bytes[o + 6], bytes[o + 7]);
    if (o + 12 + len > bytes.length) fail(`chunk ${type} at byte ${o} runs past the end of the file`);
    const data = bytes.subarray(o + 8, o + 8 + len);
    if (crc32(bytes, o + 4, o + 8 + len) !== dv.getUint32(o + 8 + len))
      fail(`bad CRC in chunk ${type} at byte ${o}`);
    if (type === 'IHDR') {
      const h = new DataView(data.buffer, data.byteOffset, data.byteLength);
      width = h.getUint32(0);
      height = h.getUint32(4);
      depth = data[8];
      colorType = data[9];
      if (data[12] !== 0) fail('interlaced PNGs are not supported');
    } else if (type === 'PLTE') palette = data;
    else if (type === 'tRNS') trns = data;
    else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') {
      sawEnd = true;
      break;
    }
    o += 12 + len;
  }
  if (colorType < 0) fail('no IHDR chunk');
  if (!sawEnd) fail('no IEND chunk (truncated file?)');
  if (!(colorType in CHANNELS)) fail(`unknown colour type ${colorType}`);
  if (depth !== 8 && depth !== 16) fail(`bit depth ${depth} is not supported (8 or 16 only)`);
  if (colorType === 3 && !palette) fail('palette image without PLTE chunk');
  if (width === 0 || height === 0 || width * height > 1 << 28) fail(`bad size ${width}x${height}`);
  const ch = CHANNELS[colorType];
  const bpp = (ch * depth) / 8;
  const stride = width * bpp;
  const total = idat.reduce((n, d) => n + d.length, 0);
  const joined = new Uint8Array(total);
  let p = 0;
  for (const d of idat) {
    joined.set(d, p);
    p += d.length;
  }
  const raw = unzlibSync(joined);
  if (raw.length < height * (stride + 1))
    fail(`image data is ${raw.length} bytes, expected ${height * (stride + 1)}`);
  const pix = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const type = raw[y * (stride + 1)];
    const src = y * (stride + 1) + 1;
    const row = y * stride;
    for (let i = 0; i < stride; i++) {
      const x = raw[src + i];
      const a = i >= bpp ? pix[row + i - bpp] : 0;
      const b = y > 0 ? pix[row - stride + i] : 0;
      const c = y > 0 && i >= bpp ? pix[row - stride + i - bpp] : 0;
      let v: number;
      if (type === 0) v = x;
      else if (type === 1) v = x + a;
      else if (type === 2) v = x + b;
      else if (type === 3) v = x + ((a + b) >> 1);
      else if (type === 4) v = x + paeth(a, b, c);
      else return fail(`unknown filter type ${type} on row ${y}`);
      pix[row + i] = v & 0xff;
    }
  }
  const n = width * height;
  const rgb = new Uint8Array(n * 3);
  const hasAlpha = colorType === 4 || colorType === 6 || trns !== null;
  const alpha = hasAlpha ? new Uint8Array(n).fill(255) : null;
  const step = depth / 8; // take the high byte of 16-bit samples
  for (let i = 0; i < n; i++) {
    const s = i * bpp;
    if (colorType === 0 || colorType === 4) {
      const g = pix[s];
      rgb[i * 3] = rgb[i * 3 + 1] = rgb[i * 3 + 2] = g;
      if (colorType === 4 && alpha) alpha[i] = pix[s + step];
    } else if (colorType === 2 || colorType === 6) {
      rgb[i * 3] = pix[s];
      rgb[i * 3 + 1] = pix[s + step];
      rgb[i * 3 + 2] = pix[s + 2 * step];
      if (colorType === 6 && alpha) alpha[i] = pix[s + 3 * step];
    } else {
      const k = pix[s];
      const pal = palette as Uint8Array;
      if (k * 3 + 2 >= pal.length) fail(`palette index ${k} out of range at pixel ${i}`);
      rgb[i * 3] = pal[k * 3];
      rgb[i * 3 + 1] = pal[k * 3 + 1];
      rgb[i * 3 + 2] = pal[k * 3 + 2];
      if (alpha && trns && k < trns.length) alpha[i] = trns[k];
    }
  }
  return { width, height, rgb, alpha };
}
