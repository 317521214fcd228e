// The degradations of a real image pipeline, for robustness numbers: JPEG at a quality, an integer
// shift (edges replicated) and a Gaussian blur. Each maps an 8-bit RGB image to a new one.
import type { RgbImage } from '../images.js';
import { blurHwc, jpegBytes, shiftImage } from '../probe/augment.js';
import { jpegLossy } from '../probe/jpeg.js';

export type Corruption = (img: RgbImage) => RgbImage;

const toBytes = (px: Float32Array, width: number, height: number): RgbImage => {
  const rgb = new Uint8Array(px.length);
  for (let i = 0; i < px.length; i++) rgb[i] = Math.min(255, Math.max(0, Math.round(px[i])));
  return { rgb, width, height };
};

/**
 * JPEG encode at `quality` (1..100) and decode again. 4:4:4 goes through real bytes (jpeg-js, which cannot
 * subsample); 4:2:0, libjpeg's default and so what most pipelines write (Pillow, browsers' canvas), through
 * `jpegLossy`, which matches libjpeg's round trip to ~0.1 levels on faces (tools/golden/jpeg.py).
 */
export function jpegRoundTrip(quality: number, subsampling: '4:4:4' | '4:2:0' = '4:4:4'): Corruption {
  if (!(quality >= 1 && quality <= 100))
    throw new RangeError(`jpegRoundTrip: quality ${quality} is not in 1..100`);
  return subsampling === '4:2:0'
    ? (img) => jpegLossy(img, quality, { subsampling })
    : (img) => jpegBytes(img, quality);
}

/** Shift by (dx, dy) pixels, edges replicated. */
export function shifted(dx: number, dy: number): Corruption {
  return (img) => toBytes(shiftImage(img, dx, dy), img.width, img.height);
}

/** Gaussian blur with standard deviation sigma (pixels). */
export function blurred(sigma: number): Corruption {
  return (img) => {
    const px = Float32Array.from(img.rgb);
    return toBytes(blurHwc(px, img.width, img.height, sigma), img.width, img.height);
  };
}

/**
 * The set the issue names: JPEG q75 (without and with chroma subsampling: the second is what a real pipeline
 * usually does, and it halves the resolution of colour, so a 2-pixel iris loses most of its own), ±2 px
 * shifts (both diagonals), blur sigma 0.5.
 */
export function standardCorruptions(): Record<string, Corruption> {
  return {
    'jpeg q75': jpegRoundTrip(75),
    'jpeg q75 4:2:0': jpegRoundTrip(75, '4:2:0'),
    'shift +2,+2 px': shifted(2, 2),
    'shift -2,-2 px': shifted(-2, -2),
    'shift +2,-2 px': shifted(2, -2),
    'blur sigma 0.5': blurred(0.5),
  };
}
