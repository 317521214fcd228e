// Image decoding (JPEG via jpeg-js, PNG via the package's PNG codec) and resampling for ingestion.
import jpeg from 'jpeg-js';
import { decodePng } from '../png/index.js';

/** 8-bit RGB, row-major. */
export interface RgbImage {
  width: number;
  height: number;
  rgb: Uint8Array;
}

const isJpeg = (b: Uint8Array) => b.length > 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;
const isPng = (b: Uint8Array) =>
  b.length > 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47;

/** Decodes a JPEG or PNG to RGB; throws an Error whose message says why (used as the skip reason). */
export function decodeImage(bytes: Uint8Array): RgbImage {
  if (isJpeg(bytes)) {
    let img: { width: number; height: number; data: Uint8Array };
    try {
      img = jpeg.decode(bytes, {
        useTArray: true,
        formatAsRGBA: false,
        tolerantDecoding: false,
        maxResolutionInMP: 100,
        maxMemoryUsageInMB: 1024,
      });
    } catch (e) {
      throw new Error(`corrupt JPEG: ${(e as Error).message ?? e}`);
    }
    if (img.data.length !== img.width * img.height * 3)
      throw new Error('corrupt JPEG: unexpected pixel data size');
    return { width: img.width, height: img.height, rgb: img.data };
  }
  if (isPng(bytes)) {
    try {
      const img = decodePng(bytes);
      return { width: img.width, height: img.height, rgb: img.rgb };
    } catch (e) {
      throw new Error(`corrupt PNG: ${(e as Error).message}`);
    }
  }
  throw new Error('not a JPEG or PNG file');
}

/**
 * Resamples `img` through the affine map output (u, v) -> source (a*u + b*v + c, d*u + e*v + f), with
 * k x k bilinear taps per output pixel (box-filtered, so downscaling does not alias). Outside pixels
 * repeat the border.
 */
export function warpAffine(img: RgbImage, m: readonly number[], size: number): RgbImage {
  const [a, b, c, d, e, f] = m;
  const scale = Math.max(Math.hypot(a, d), Math.hypot(b, e));
  const k = Math.min(8, Math.max(1, Math.ceil(scale)));
  const out = new Uint8Array(size * size * 3);
  const { width: W, height: H, rgb } = img;
  const acc = [0, 0, 0];
  for (let v = 0; v < size; v++) {
    for (let u = 0; u < size; u++) {
      acc[0] = acc[1] = acc[2] = 0;
      for (let sy = 0; sy < k; sy++) {
        for (let sx = 0; sx < k; sx++) {
          const pu = u + (sx + 0.5) / k;
          const pv = v + (sy + 0.5) / k;
          const x = Math.min(W - 1, Math.max(0, a * pu + b * pv + c - 0.5));
          const y = Math.min(H - 1, Math.max(0, d * pu + e * pv + f - 0.5));
          const x0 = Math.floor(x);
          const y0 = Math.floor(y);
          const x1 = Math.min(W - 1, x0 + 1);
          const y1 = Math.min(H - 1, y0 + 1);
          const fx = x - x0;
          const fy = y - y0;
          for (let ch = 0; ch < 3; ch++) {
            const p00 = rgb[(y0 * W + x0) * 3 + ch];
            const p01 = rgb[(y0 * W + x1) * 3 + ch];
            const p10 = rgb[(y1 * W + x0) * 3 + ch];
            const p11 = rgb[(y1 * W + x1) * 3 + ch];
            acc[ch] += (p00 * (1 - fx) + p01 * fx) * (1 - fy) + (p10 * (1 - fx) + p11 * fx) * fy;
          }
        }
      }
      const o = (v * size + u) * 3;
      for (let ch = 0; ch < 3; ch++) out[o + ch] = Math.round(acc[ch] / (k * k));
    }
  }
  return { width: size, height: size, rgb: out };
}

/** Crops the square (x, y, side) of `img` and resizes it to size x size. */
export function cropResize(img: RgbImage, x: number, y: number, side: number, size: number): RgbImage {
  const s = side / size;
  return warpAffine(img, [s, 0, x, 0, s, y], size);
}

/**
 * Crops a face so that the eyes are level, their midpoint sits at (0.5, 0.4) of the output and they are
 * `eyeDistance` (fraction of the output side) apart.
 */
export function alignByEyes(
  img: RgbImage,
  leftEye: readonly [number, number],
  rightEye: readonly [number, number],
  size: number,
  eyeDistance = 0.36,
): RgbImage {
  const dx = rightEye[0] - leftEye[0];
  const dy = rightEye[1] - leftEye[1];
  const dist = Math.hypot(dx, dy);
  if (!(dist > 0)) throw new Error('eyes coincide: cannot align');
  const s = dist / (eyeDistance * size); // source pixels per output pixel
  const cos = (dx / dist) * s;
  const sin = (dy / dist) * s;
  const mx = (leftEye[0] + rightEye[0]) / 2;
  const my = (leftEye[1] + rightEye[1]) / 2;
  // source = R * (out - target) + mid
  const tu = 0.5 * size;
  const tv = 0.4 * size;
  return warpAffine(img, [cos, -sin, mx - cos * tu + sin * tv, sin, cos, my - sin * tu - cos * tv], size);
}

/** The usual CelebA face crop of an aligned 178x218 image (148 px square from y = 40), scaled to its size. */
export function celebaCrop(img: RgbImage, size: number): RgbImage {
  const side = Math.min(img.width, (148 / 178) * img.width, img.height);
  const x = (img.width - side) / 2;
  const y = Math.min(img.height - side, (40 / 218) * img.height);
  return cropResize(img, x, Math.max(0, y), side, size);
}
