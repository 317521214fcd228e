// Training augmentation on the host, written straight into a batch's NCHW floats: an optional JPEG round
// trip, an integer shift (edges replicated), an optional slight Gaussian blur, and colour jitter (brightness, contrast, per-channel
// gain). Small enough that every attribute stays what the label says, so the probe learns faces rather
// than exact renderer pixels — and a generator cannot game it with pixel-exact tricks.
import type { Rng } from '@unif2ace/data';
import jpeg from 'jpeg-js';
import type { RgbImage } from '../images.js';
import { jpegLossy } from './jpeg.js';

export interface AugmentOptions {
  /** Shift by up to this many pixels in x and y (uniform integers). Default 2. */
  maxShift: number;
  /** Probability of a blur, and its sigma range in pixels. Default 0.15, [0.3, 0.6]. */
  blurProb: number;
  blurSigma: [number, number];
  /** Brightness offset range (in bytes), contrast factor range, per-channel gain range. */
  brightness: number;
  contrast: number;
  channelGain: number;
  /** Probability of a JPEG round trip (before the shift), and its quality range (integers). Default 0, [50, 95]. */
  jpegProb: number;
  jpegQuality: [number, number];
  /** Of those round trips, the share with 4:2:0 chroma (libjpeg's default); the rest keep 4:4:4. Default 0.5. */
  jpeg420Share: number;
}

// Mild on purpose: a blur of sigma 0.8 or a 4 % channel gain already erases or changes what a thin brow, a
// lip line or an iris colour says at 64 px (labels that no longer match the pixels). These cover the
// robustness targets (JPEG q75, +-2 px shifts, blur sigma 0.5) and learn faster than the first probe's
// (shift 3, blur 30 % at sigma 0.3-0.8, brightness 10, contrast 0.08, gain 0.04): +2.5 points held-out at equal
// wall time (bench/sweep.ts, see the eval note).
export const DEFAULT_AUGMENT: AugmentOptions = {
  maxShift: 2,
  blurProb: 0.15,
  blurSigma: [0.3, 0.6],
  brightness: 6,
  contrast: 0.05,
  channelGain: 0.02,
  // off by default so earlier schedules replay exactly; `train-probe --jpeg P` turns it on (JPEG q75 was the
  // one robustness drop that grew with training: 1.3 -> 2.0 points over four schedules)
  jpegProb: 0,
  jpegQuality: [50, 95],
  jpeg420Share: 0.5,
};

/** JPEG encode at `quality` (1..100) and decode again: real bytes through jpeg-js (baseline, 4:4:4 — jpeg-js does not subsample chroma). */
export function jpegBytes({ rgb, width, height }: RgbImage, quality: number): RgbImage {
  if (!(quality >= 1 && quality <= 100))
    throw new RangeError(`jpegBytes: quality ${quality} is not in 1..100`);
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    rgba[4 * i] = rgb[3 * i];
    rgba[4 * i + 1] = rgb[3 * i + 1];
    rgba[4 * i + 2] = rgb[3 * i + 2];
    rgba[4 * i + 3] = 255;
  }
  const enc = jpeg.encode({ data: rgba, width, height }, quality);
  const dec = jpeg.decode(enc.data, { useTArray: true, formatAsRGBA: false });
  return { rgb: new Uint8Array(dec.data), width, height };
}

/** Shift by (dx, dy) with edges replicated: out(x, y) = in(clamp(x - dx), clamp(y - dy)). HWC floats. */
export function shiftImage(img: RgbImage, dx: number, dy: number): Float32Array {
  const { rgb, width: w, height: h } = img;
  const out = new Float32Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    const sy = Math.min(h - 1, Math.max(0, y - dy));
    for (let x = 0; x < w; x++) {
      const sx = Math.min(w - 1, Math.max(0, x - dx));
      const s = (sy * w + sx) * 3;
      const d = (y * w + x) * 3;
      out[d] = rgb[s];
      out[d + 1] = rgb[s + 1];
      out[d + 2] = rgb[s + 2];
    }
  }
  return out;
}

/** Separable Gaussian blur of HWC floats (radius ceil(3 sigma), edges replicated), in place. */
export function blurHwc(px: Float32Array, w: number, h: number, sigma: number): Float32Array {
  if (sigma <= 0) return px;
  const r = Math.max(1, Math.ceil(3 * sigma));
  const k: number[] = [];
  let sum = 0;
  for (let i = -r; i <= r; i++) {
    const v = Math.exp((-i * i) / (2 * sigma * sigma));
    k.push(v);
    sum += v;
  }
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  const tmp = new Float32Array(px.length);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let c = 0; c < 3; c++) {
        let acc = 0;
        for (let i = -r; i <= r; i++)
          acc += k[i + r] * px[(y * w + Math.min(w - 1, Math.max(0, x + i))) * 3 + c];
        tmp[(y * w + x) * 3 + c] = acc;
      }
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let c = 0; c < 3; c++) {
        let acc = 0;
        for (let i = -r; i <= r; i++)
          acc += k[i + r] * tmp[(Math.min(h - 1, Math.max(0, y + i)) * w + x) * 3 + c];
        px[(y * w + x) * 3 + c] = acc;
      }
  return px;
}

/** Augment one image into `out` at image slot `b` of an NCHW [-1, 1] batch. */
export function augmentInto(
  source: RgbImage,
  out: Float32Array,
  b: number,
  rng: Rng,
  opts: AugmentOptions = DEFAULT_AUGMENT,
): void {
  // (no draw when off, so runs without JPEG keep their random streams)
  let img = source;
  if (opts.jpegProb > 0 && rng.next() < opts.jpegProb) {
    const [lo, hi] = opts.jpegQuality;
    const quality = lo + Math.floor(rng.next() * (hi - lo + 1));
    img = jpegLossy(source, quality, { subsampling: rng.next() < opts.jpeg420Share ? '4:2:0' : '4:4:4' });
  }
  const { width: w, height: h } = img;
  const span = 2 * opts.maxShift + 1;
  const dx = Math.floor(rng.next() * span) - opts.maxShift;
  const dy = Math.floor(rng.next() * span) - opts.maxShift;
  const px = shiftImage(img, dx, dy);
  if (rng.next() < opts.blurProb) {
    const [lo, hi] = opts.blurSigma;
    blurHwc(px, w, h, lo + (hi - lo) * rng.next());
  }
  const bright = (2 * rng.next() - 1) * opts.brightness;
  const contrast = 1 + (2 * rng.next() - 1) * opts.contrast;
  const gain = [0, 1, 2].map(() => 1 + (2 * rng.next() - 1) * opts.channelGain);
  const plane = w * h;
  const base = b * 3 * plane;
  for (let c = 0; c < 3; c++) {
    const g = gain[c];
    for (let p = 0; p < plane; p++) {
      let v = ((px[3 * p + c] - 127.5) * contrast + 127.5) * g + bright;
      v = v < 0 ? 0 : v > 255 ? 255 : v;
      out[base + c * plane + p] = v / 127.5 - 1;
    }
  }
}
